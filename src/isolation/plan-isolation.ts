// What this machine can give (cgroup controllers, containers, identities),
// found and said once at start (probeMachine); then, at start and at each
// deployment, the check against what the functions ask (isolation-check.ts)
// and each function's complete launch: executable path, environment,
// container or not, and for a function of another architecture than the
// machine's, its SDK and emulator (function-architecture.ts).
import fs from 'node:fs';
import { privateFiles } from '../config/private-files';
import path from 'node:path';
import type { FunctionSpec, GroupConfig } from '../config/types';
import { runtimeProgram } from '../workers/runtime-program';
import { workerEnvironment } from '../workers/worker-environment';
import type { Controller } from './cgroup-hierarchy';
import { whyNoContainers } from './container-probe';
import { NanolambdaError } from '../errors';
import { hostArchitecture } from '../system/architecture';
import { architectureRun, type ArchitectureRun } from './function-architecture';
import { checkIsolation } from './isolation-check';
import { CONTAINER_SDK_LIB_DIR, launchPlan, NO_FALLBACK, realPath } from './launch-plan';

export interface FunctionLaunch {
  /** What the launcher execs (runtime-program.ts). */
  argv: string[];
  /** The function's code directory as its process sees it. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  container: boolean;
}

/** Where the package's native and runtime parts are on this host. */
export interface PackageDirs {
  /** libaws-greengrass-core-sdk-c.so's directory for this machine's architecture (another's is found per function). */
  sdkLibDir: string;
  /** nanolambda's runtime programs (<package>/runtimes). */
  runtimesDir: string;
}

/** Below this limit an emulated function may not have room beside qemu (measured: ~14 MB RSS for qemu-aarch64 and a small C function). */
const EMULATED_MEMORY_WARNING_BYTES = 48 * 1024 * 1024;

const WITHOUT: Record<Controller, string> = {
  memory: 'memory limits',
  pids: 'process limits',
  cpu: 'CPU weights',
  devices: 'device access control in containers',
};

/** What this machine can give, found once at start. */
export interface MachineIsolation {
  missingControllers: ReadonlyMap<Controller, string>;
  /** Why containers cannot be created here; undefined when they can. */
  noContainers: string | undefined;
}

/** Ask the machine (the launcher's probe) and say once, one line each, what it lacks. */
export function probeMachine(launcherPath: string, missingControllers: ReadonlyMap<Controller, string>): MachineIsolation {
  for (const [controller, reason] of missingControllers) {
    process.emitWarning(`functions run without ${WITHOUT[controller]} (${reason})`, { code: 'NANOLAMBDA_NO_CGROUPS' });
  }
  const noContainers = whyNoContainers(launcherPath);
  if (noContainers !== undefined) {
    process.emitWarning(`functions cannot run in GreengrassContainer mode (${noContainers})`, { code: 'NANOLAMBDA_NO_CONTAINERS' });
  }
  return { missingControllers, noContainers };
}

/**
 * Each function's launch on this machine; throws ISOLATION_UNAVAILABLE
 * (isolation-check.ts), or NATIVE_UNAVAILABLE for a function of an
 * architecture this machine cannot run (no qemu-user handler, no SDK).
 */
export function planIsolation(group: GroupConfig, dirs: PackageDirs, machine: MachineIsolation): Map<FunctionSpec, FunctionLaunch> {
  const { runtimesDir } = dirs;
  const { missingControllers, noContainers } = machine;
  const runs = new Map(group.functions.map((fn) => [fn, runArchitecture(fn, dirs.sdkLibDir, machine)]));
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const verdict = checkIsolation(
    group.functions,
    { noContainers, noMemoryCgroup: missingControllers.get('memory'), uid, gid },
    group.allowIsolationFallback,
  );
  for (const line of verdict.warnings) process.emitWarning(line, { code: 'NANOLAMBDA_ISOLATION_FALLBACK' });

  const containerRoot = path.join(group.stateDir, 'container-root');
  fs.mkdirSync(containerRoot, { recursive: true, mode: 0o700 });
  // As written and as real paths: the launcher does not follow symlinks
  // inside the container, so a path reached through one is hidden by its real form.
  // group.file is a label, not a path, for groups built in memory ('<built-in>').
  const groupFile = path.isAbsolute(group.file) ? [group.file] : [];
  const keys = privateFiles(group).map((file) => file.path);
  const protectedPaths = [group.stateDir, group.logDir, ...groupFile, ...keys, ...group.functions.map((fn) => fn.codeRoot)];
  const hidden = [...new Set([...protectedPaths, ...protectedPaths.map(realPath)])];
  const plans = new Map<FunctionSpec, FunctionLaunch>();
  for (const fn of group.functions) {
    const run = runs.get(fn)!;
    const sdkLibDir = run.sdkLibDir;
    const plan = launchPlan(fn, { uid, gid, containerRoot, sdkLibDir, runtimesDir, hidden }, verdict.fallbacks.get(fn) ?? NO_FALLBACK);
    const libDir = plan.container ? CONTAINER_SDK_LIB_DIR : sdkLibDir;
    // The sysroot needs no bind: a container mirrors the host's /usr read-only at the same path.
    const env = workerEnvironment(fn, libDir, run.emulation?.sysroot);
    const program = runtimeProgram(fn, plan);
    plans.set(fn, { argv: program.argv, workDir: plan.workDir, env: { ...env, ...program.env, ...plan.env }, container: plan.container });
  }
  return plans;
}

/** How `fn` runs on this machine's CPU, or NATIVE_UNAVAILABLE naming the function, its architecture and the fix. */
function runArchitecture(fn: FunctionSpec, hostSdkLibDir: string, machine: MachineIsolation): ArchitectureRun {
  // Python's and Node.js's fn.executable is their code directory: they run this machine's own programs.
  const executable = fn.runtime === 'executable' || fn.runtime === 'provided' ? fn.executable : undefined;
  const run = architectureRun(fn.architecture, hostSdkLibDir, { runtime: fn.runtimeId, environment: fn.environment, executable });
  if ('problem' in run) {
    throw new NanolambdaError('NATIVE_UNAVAILABLE', `function ${fn.name} (${fn.arn}) has Architectures ["${fn.architecture}"], and ${run.problem}`);
  }
  if (run.emulation !== undefined && fn.memoryBytes !== undefined && fn.memoryBytes < EMULATED_MEMORY_WARNING_BYTES) {
    warnEmulatedMemoryOnce(fn, machine);
  }
  return run;
}

/**
 * The functions already told about, per runtime (each runtime probes its own
 * MachineIsolation once): planIsolation runs at start, at every deployment
 * and at every Lambda API change, and the warning is worth one line, not one
 * per plan.
 */
const emulatedMemoryWarned = new WeakMap<MachineIsolation, Set<string>>();

function warnEmulatedMemoryOnce(fn: FunctionSpec, machine: MachineIsolation): void {
  let warned = emulatedMemoryWarned.get(machine);
  if (warned === undefined) emulatedMemoryWarned.set(machine, (warned = new Set()));
  if (warned.has(fn.arn)) return;
  warned.add(fn.arn);
  process.emitWarning(
    `function ${fn.name} (${fn.arn}) runs under qemu-user (${fn.architecture} on ${hostArchitecture()}), whose own memory (about 15 MB) counts ` +
      `against its MemorySize of ${fn.memoryBytes! / 1024} KB: if it is killed for memory, raise MemorySize`,
    { code: 'NANOLAMBDA_EMULATED_MEMORY' },
  );
}
