// What the launcher is told about one function (native/launcher/settings.h):
// its rlimits, its identity and, in GreengrassContainer mode, the mount plan
// of its container and the path of its executable inside it. Computed once
// per function; the worker's cgroups are added per worker.
import fs from 'node:fs';
import path from 'node:path';
import type { FunctionSpec } from '../config/types';

/** Where a container sees its function's code (Greengrass V1's place). */
export const CONTAINER_CODE_DIR = '/lambda';
/**
 * Where a container sees the SDK library: at a fixed place, because the
 * package may be installed anywhere, /tmp included, which is the
 * container's own.
 */
export const CONTAINER_SDK_LIB_DIR = '/nanolambda/lib';
/** Where a container sees nanolambda's runtime programs (runtimes/python, runtimes/nodejs), for the same reason. */
export const CONTAINER_RUNTIMES_DIR = '/nanolambda/runtimes';

export interface LaunchContext {
  /** The runtime's own identity: a function running as it needs no switch. */
  uid: number;
  gid: number;
  /** An empty directory containers build their root on (each in its own mount namespace). */
  containerRoot: string;
  /** The host's directory of libaws-greengrass-core-sdk-c.so built for the function's architecture. */
  sdkLibDir: string;
  /** The host's directory of nanolambda's runtime programs (<package>/runtimes). */
  runtimesDir: string;
  /** Host paths no container may see: the runtime's state and logs, its config, every function's code. */
  hidden: readonly string[];
}

/** How a function runs when the machine cannot give it all its isolation (AllowIsolationFallback). */
export interface Fallback {
  /** Run without a container (the machine cannot create namespaces). */
  noContainer: boolean;
  /** Run as the runtime's own identity (it is not root, so it cannot switch). */
  ownIdentity: boolean;
  /** Bound the data segment instead (no memory cgroup): RLIMIT_DATA. */
  dataLimitBytes: number | undefined;
}

export const NO_FALLBACK: Fallback = Object.freeze({ noContainer: false, ownIdentity: false, dataLimitBytes: undefined });

export interface LaunchPlan {
  /** argv[0] for the launcher: the executable, inside the container when there is one. */
  executable: string;
  /** The function's code directory as the worker sees it (its working directory). */
  workDir: string;
  /** nanolambda's runtime programs as the worker sees them. */
  runtimesDir: string;
  /** The NANOLAMBDA_* variables the launcher reads (and removes). */
  env: Record<string, string>;
  container: boolean;
}

export function launchPlan(fn: FunctionSpec, ctx: LaunchContext, fallback: Fallback = NO_FALLBACK): LaunchPlan {
  const env: Record<string, string> = { NANOLAMBDA_RLIMITS: rlimits(fn, fallback) };
  // Without a container its resources are not mounted: their groups would
  // only open the host's other devices of that group (disk, dialout).
  const groups = fallback.noContainer ? [] : fn.supplementaryGids;
  const runAs = fallback.ownIdentity ? undefined : identity(fn.runAs, groups, ctx);
  if (runAs !== undefined) env.NANOLAMBDA_RUN_AS = runAs;
  const codeDir = codeIsDirectory(fn) ? fn.codeRoot : path.dirname(fn.codeRoot);
  if (fn.isolationMode !== 'GreengrassContainer' || fallback.noContainer) {
    env.NANOLAMBDA_WORKDIR = codeDir;
    return { executable: fn.executable, workDir: codeDir, runtimesDir: ctx.runtimesDir, env, container: false };
  }
  const inside = codeIsDirectory(fn)
    ? path.posix.join(CONTAINER_CODE_DIR, path.relative(fn.codeRoot, fn.executable))
    : path.posix.join(CONTAINER_CODE_DIR, path.basename(fn.executable));
  const codeTarget = codeIsDirectory(fn) ? CONTAINER_CODE_DIR : inside;
  // Sources as real paths: the launcher refuses to follow a symlink on the
  // way (one there now would have been planted since start). Outer volumes
  // before the ones inside them, whatever the policies' order.
  const volumes = [...fn.volumes].sort((a, b) => depth(a.destination) - depth(b.destination));
  const lines = [
    ...ctx.hidden.map((hidden) => `hide\t${hidden}`),
    `bind\tro\t${realPath(fn.codeRoot)}\t${codeTarget}`,
    `bind\tro\t${realPath(ctx.sdkLibDir)}\t${CONTAINER_SDK_LIB_DIR}`,
    ...(runsProgram(fn) ? [`bind\tro\t${realPath(ctx.runtimesDir)}\t${CONTAINER_RUNTIMES_DIR}`] : []),
    ...volumes.map((v) => `bind\t${v.readOnly ? 'ro' : 'rw'}\t${realPath(v.source)}\t${v.destination}`),
    ...fn.devices.map((d) => `device\t${d.readOnly ? 'ro' : 'rw'}\t${realPath(d.path)}\t${d.path}`),
    ...(fn.accessSysfs ? ['bind\tro\t/sys\t/sys'] : []),
  ];
  Object.assign(env, {
    NANOLAMBDA_CONTAINER_ROOT: ctx.containerRoot,
    NANOLAMBDA_CONTAINER_TMP_BYTES: String(fn.tmpBytes),
    NANOLAMBDA_CONTAINER_MOUNTS: lines.join('\n'),
    NANOLAMBDA_WORKDIR: CONTAINER_CODE_DIR,
  });
  return { executable: inside, workDir: CONTAINER_CODE_DIR, runtimesDir: CONTAINER_RUNTIMES_DIR, env, container: true };
}

/** Python and Node.js functions run nanolambda's runtime program on their code directory. */
function runsProgram(fn: FunctionSpec): boolean {
  return fn.runtime === 'python' || fn.runtime === 'nodejs';
}

function codeIsDirectory(fn: FunctionSpec): boolean {
  return runsProgram(fn) || fn.codeRoot !== fn.executable;
}

function rlimits(fn: FunctionSpec, fallback: Fallback): string {
  const limits = [`nofile=${fn.maxOpenFiles}`, `core=${fn.coreFileBytes}`];
  if (fallback.dataLimitBytes !== undefined) limits.push(`data=${fallback.dataLimitBytes}`);
  return limits.join(',');
}

/** "uid:gid[:groups]", or undefined when the function runs as the runtime does. */
function identity({ uid, gid }: FunctionSpec['runAs'], groups: readonly number[], ctx: LaunchContext): string | undefined {
  if (uid === ctx.uid && gid === ctx.gid && groups.length === 0) return undefined;
  return groups.length === 0 ? `${uid}:${gid}` : `${uid}:${gid}:${groups.join(',')}`;
}

function depth(containerPath: string): number {
  return containerPath.split('/').filter(Boolean).length;
}

/** The real path of a host path the launcher binds (it exists: the config checked). */
export function realPath(hostPath: string): string {
  try {
    return fs.realpathSync(hostPath);
  } catch {
    return hostPath; // gone since the config was read: the launcher says so, naming it
  }
}
