// The runtime's cgroups (memory, pids, cpu), or a one-line reason per
// controller this machine does not give (then functions run without that
// limit, and the runtime says so once at start).
import { stateDirKey } from '../system/state-key';
import { findHierarchy, type Controller, type Hierarchy } from './cgroup-hierarchy';
import { RuntimeCgroups } from './runtime-cgroups';

const CONTROLLERS: readonly Controller[] = ['memory', 'pids', 'cpu'];

/** `missing`: what functions will run without, one line each ("pids limits (why)"). */
export async function openCgroups(stateDir: string): Promise<{ cgroups: RuntimeCgroups | undefined; missing: string[] }> {
  const found: Hierarchy[] = [];
  const missing: string[] = [];
  for (const controller of CONTROLLERS) {
    const hierarchy = findHierarchy(controller);
    if ('missing' in hierarchy) missing.push(`${controller} limits (${hierarchy.missing})`);
    else found.push(hierarchy);
  }
  if (found.length === 0) return { cgroups: undefined, missing };
  try {
    return { cgroups: await RuntimeCgroups.open(found, stateDirKey(stateDir)), missing };
  } catch (error) {
    const where = found.map((h) => `${h.dir} (${h.controller}, cgroup v${h.driver.version})`).join(', ');
    return { cgroups: undefined, missing: [...missing, `cgroup limits (cannot create groups under ${where}: ${(error as Error).message})`] };
  }
}
