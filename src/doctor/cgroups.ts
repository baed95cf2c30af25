// cgroup checks: which cgroup versions are mounted where (from
// /proc/self/mountinfo), and for each controller the runtime uses (memory,
// pids, cpu, devices: see isolation/open-cgroups.ts) whether cgroup v1 or
// v2 offers it. A controller in neither means functions run without that
// limit; only a memory limit the group asks for (MemorySize, or a
// GreengrassContainer's default) makes its absence a failure.
import path from 'node:path';
import type { GroupConfig } from '../config/types';
import { parseMountinfo, type Controller } from '../isolation/cgroup-hierarchy';
import { check, neededOr, type CheckResult } from './check';
import { readText } from '../system/read-text';

const MOUNTINFO = '/proc/self/mountinfo';
const CONTROLLERS: readonly Controller[] = ['memory', 'pids', 'cpu', 'devices'];

interface CgroupMount {
  point: string;
  version: 1 | 2;
  /** v1: the controllers of the hierarchy (super options); v2: empty. */
  options: string[];
}

export function cgroupChecks(group: GroupConfig): CheckResult[] {
  const text = readText(MOUNTINFO);
  if (text === undefined) return [check('cgroups', 'missing', `cannot read ${MOUNTINFO}`)];
  const mounts = cgroupMounts(text);
  const v1 = mounts.filter((m) => m.version === 1);
  // Hybrid systems mount v2 at /sys/fs/cgroup/unified; the first one found is the root.
  const v2 = mounts.find((m) => m.version === 2);
  const v2File = v2 === undefined ? undefined : path.join(v2.point, 'cgroup.controllers');
  const v2Controllers = v2File === undefined ? [] : (readText(v2File) ?? '').split(/\s+/).filter(Boolean);

  const results: CheckResult[] = [
    check(
      'cgroup v1',
      v1.length > 0 ? 'ok' : 'warning',
      v1.length > 0
        ? `${v1.map((m) => m.point).join(', ')} (${MOUNTINFO})`
        : `no cgroup v1 hierarchy in ${MOUNTINFO}`,
    ),
    check(
      'cgroup v2',
      v2 !== undefined ? 'ok' : 'warning',
      v2 !== undefined
        ? `${v2.point} (${MOUNTINFO}), controllers: ${v2Controllers.join(' ') || 'none'} (${v2File})`
        : `no cgroup2 mount in ${MOUNTINFO}`,
    ),
  ];
  const wantsMemory = group.functions.some((fn) => fn.memoryBytes !== undefined) && !group.allowIsolationFallback;
  for (const controller of CONTROLLERS) {
    const inV1 = v1.find((m) => m.options.includes(controller));
    const inV2 = v2Controllers.includes(controller);
    const parts = [
      inV1 ? `v1 at ${inV1.point}` : 'v1: no hierarchy',
      v2File === undefined ? 'v2: not mounted' : inV2 ? `v2 in ${v2File}` : `v2: absent from ${v2File}`,
    ];
    if (inV1 || inV2) {
      results.push(check(`cgroup ${controller}`, 'ok', parts.join('; ')));
      continue;
    }
    const needed = controller === 'memory' && wantsMemory;
    results.push(
      check(
        `cgroup ${controller}`,
        neededOr(needed),
        `${parts.join('; ')}: functions run without it` + (needed ? ' but the group sets memory limits' : ''),
      ),
    );
  }
  return results;
}

/** The cgroup and cgroup2 mounts of a mountinfo text. */
function cgroupMounts(text: string): CgroupMount[] {
  return parseMountinfo(text)
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
    .map((m) => ({ point: m.point, version: m.fstype === 'cgroup' ? 1 : 2, options: m.fstype === 'cgroup' ? m.superOptions : [] }));
}
