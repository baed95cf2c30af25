// Environment.Execution.RunAs {Uid?, Gid?}: who a function runs as.
//
// Each of Uid and Gid is resolved on its own: the function's value, else
// DefaultConfig.Execution.RunAs's, else the runtime's own id when the runtime
// is not root (it could not switch to another user anyway), else 65534
// (nobody/nogroup). Greengrass defaults to its ggc_user/ggc_group; we have no
// such user, and a root runtime must never run functions as root by default.
//
// An explicit 0 is refused unless Nanolambda.Runtime.AllowFunctionsToRunAsRoot
// is true, as Greengrass refuses it without runtime.allowFunctionsToRunAsRoot.
import { Fields } from './fields';

/** nobody / nogroup on Debian-like systems: the identity of last resort. */
export const NOBODY_ID = 65534;
/** Largest id: (uid_t)-1 is reserved as "no change" by setresuid. */
const MAX_ID = 2 ** 32 - 2;
/** How to allow root: the end of every refusal of uid or gid 0 (here and in resources.ts). */
export const ROOT_OPT_IN =
  'set "AllowFunctionsToRunAsRoot": true in Nanolambda.Runtime to allow it (Greengrass\'s runtime.allowFunctionsToRunAsRoot)';

/** A RunAs object as written: either field may be absent. */
export interface RunAsSetting {
  uid: number | undefined;
  gid: number | undefined;
}

export const NO_RUN_AS: Readonly<RunAsSetting> = Object.freeze({ uid: undefined, gid: undefined });

/** Validate `{Uid?, Gid?}`; 0 only when `allowRoot`. */
export function parseRunAs(value: unknown, path: string, f: Fields, allowRoot: boolean): RunAsSetting {
  const obj = f.object(value, path);
  f.onlyKeys(obj, path, ['Uid', 'Gid']);
  return {
    uid: id(obj.Uid, `${path}.Uid`, 'Uid', 'as root', f, allowRoot),
    gid: id(obj.Gid, `${path}.Gid`, 'Gid', 'with the root group', f, allowRoot),
  };
}

function id(v: unknown, path: string, key: string, meaning: string, f: Fields, allowRoot: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = f.integer(v, path, 0, MAX_ID);
  if (n === 0 && !allowRoot) {
    throw f.error(path, `${key} 0 runs the function ${meaning}, which is refused by default: ${ROOT_OPT_IN}`);
  }
  return n;
}

/**
 * The identity a function runs as. Pure: the runtime's own ids are
 * parameters so both a root and a non-root runtime can be tested.
 */
export function resolveRunAs(
  fn: RunAsSetting,
  group: RunAsSetting,
  runtime: { uid: number; gid: number },
): { uid: number; gid: number } {
  const runtimeIsRoot = runtime.uid === 0;
  return {
    uid: fn.uid ?? group.uid ?? (runtimeIsRoot ? NOBODY_ID : runtime.uid),
    gid: fn.gid ?? group.gid ?? (runtimeIsRoot ? NOBODY_ID : runtime.gid),
  };
}

/** This process's ids (a platform without them is treated as unprivileged nobody). */
export function runtimeIds(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? NOBODY_ID, gid: process.getgid?.() ?? NOBODY_ID };
}
