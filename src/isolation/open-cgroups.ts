// The runtime's cgroups (memory, pids, cpu, devices), and for each
// controller this machine does not give, why (functions then run without
// that limit, and the runtime says so once at start).
import { stateDirKey } from '../system/state-key';
import { findHierarchy, type Controller, type Hierarchy } from './cgroup-hierarchy';
import { RuntimeCgroups } from './runtime-cgroups';

const CONTROLLERS: readonly Controller[] = ['memory', 'pids', 'cpu', 'devices'];

export async function openCgroups(
  stateDir: string,
): Promise<{ cgroups: RuntimeCgroups | undefined; missing: Map<Controller, string> }> {
  const found: Hierarchy[] = [];
  const missing = new Map<Controller, string>();
  for (const controller of CONTROLLERS) {
    const hierarchy = findHierarchy(controller);
    if ('missing' in hierarchy) missing.set(controller, hierarchy.missing);
    else found.push(hierarchy);
  }
  if (found.length === 0) return { cgroups: undefined, missing };
  try {
    return { cgroups: await RuntimeCgroups.open(found, stateDirKey(stateDir)), missing };
  } catch (error) {
    const where = found.map((h) => `${h.dir} (${h.controller}, cgroup v${h.driver.version})`).join(', ');
    const reason = `cannot create groups under ${where}: ${(error as Error).message}`;
    for (const h of found) missing.set(h.controller, reason);
    return { cgroups: undefined, missing };
  }
}
