// Before any function starts: can this machine give every function the
// isolation its configuration asks for? What a function may ask and the
// machine may lack: a container (namespaces), a memory limit (a memory
// cgroup), another identity (root). Lacking any, the deployment fails with
// one line per function and gap, unless Nanolambda.Runtime.
// AllowIsolationFallback lets them run with what remains (rlimits: the
// memory limit becomes RLIMIT_DATA), which the runtime then says, once.
import type { FunctionSpec } from '../config/types';
import { NanolambdaError } from '../errors';
import type { Fallback } from './launch-plan';

export interface MachineIsolation {
  /** Why containers cannot be created here; undefined when they can. */
  noContainers: string | undefined;
  /** Why memory cannot be limited here; undefined when it can. */
  noMemoryCgroup: string | undefined;
  /** The runtime's identity: only root can run functions as someone else. */
  uid: number;
  gid: number;
}

export interface IsolationVerdict {
  fallbacks: Map<FunctionSpec, Fallback>;
  /** One line per function that runs with less than it asked for. */
  warnings: string[];
}

export function checkIsolation(functions: readonly FunctionSpec[], machine: MachineIsolation, allowFallback: boolean): IsolationVerdict {
  const problems: string[] = [];
  const fallbacks = new Map<FunctionSpec, Fallback>();
  for (const fn of functions) {
    const gaps: string[] = [];
    const fallback: Fallback = { noContainer: false, ownIdentity: false, dataLimitBytes: undefined };
    if (fn.isolationMode === 'GreengrassContainer' && machine.noContainers !== undefined) {
      gaps.push(`GreengrassContainer mode needs mount, pid, ipc and uts namespaces (${machine.noContainers})`);
      fallback.noContainer = true;
    }
    if (fn.memoryBytes !== undefined && machine.noMemoryCgroup !== undefined) {
      gaps.push(`its memory limit of ${fn.memoryBytes / 1024} KB needs a memory cgroup (${machine.noMemoryCgroup})`);
      fallback.dataLimitBytes = fn.memoryBytes;
    }
    const switches = fn.runAs.uid !== machine.uid || fn.runAs.gid !== machine.gid || fn.supplementaryGids.length > 0;
    if (switches && machine.uid !== 0) {
      gaps.push(
        `running as uid ${fn.runAs.uid} gid ${fn.runAs.gid}` +
          `${fn.supplementaryGids.length > 0 ? ` with groups ${fn.supplementaryGids.join(',')}` : ''}` +
          ` needs a runtime running as root (it runs as uid ${machine.uid})`,
      );
      fallback.ownIdentity = true;
    }
    if (gaps.length === 0) continue;
    fallbacks.set(fn, fallback);
    problems.push(...gaps.map((gap) => `${fn.name}: ${gap}`));
  }
  if (problems.length > 0 && !allowFallback) {
    throw new NanolambdaError(
      'ISOLATION_UNAVAILABLE',
      `this machine cannot isolate the functions as configured:\n  ${problems.join('\n  ')}\n` +
        'Run nanolambda as root on a machine with cgroups and namespaces, configure the functions for less ' +
        '(NoContainer, no MemorySize, no RunAs), or set Nanolambda.Runtime.AllowIsolationFallback to true ' +
        'to run them with rlimits only.',
    );
  }
  return { fallbacks, warnings: problems.map((problem) => `${problem}: running it without (AllowIsolationFallback)`) };
}
