// The runtime's memory cgroups, or a one-line reason why this machine gives
// none (then functions run without memory limits, and the runtime says so
// once at start).
import { stateDirKey } from '../system/state-key';
import { findMemoryHierarchy } from './memory-hierarchy';
import { RuntimeCgroups } from './runtime-cgroups';

export async function openCgroups(stateDir: string): Promise<RuntimeCgroups | { missing: string }> {
  const hierarchy = findMemoryHierarchy();
  if ('missing' in hierarchy) return hierarchy;
  try {
    return await RuntimeCgroups.open(hierarchy, stateDirKey(stateDir));
  } catch (error) {
    return { missing: `cannot create memory cgroups under ${hierarchy.dir} (cgroup v${hierarchy.driver.version}): ${(error as Error).message}` };
  }
}
