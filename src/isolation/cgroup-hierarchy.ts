// Where this machine's cgroup controllers (memory, pids) are, and where this
// process sits in them: nanolambda's groups go below the runtime's own
// cgroup, so whatever limits the runtime (a systemd unit's MemoryMax, a
// container) limits its functions too. cgroup v2 is preferred; v1
// (memory.limit_in_bytes) is what Greengrass V1 needed and what many
// gateways still run. On v1 each controller is a hierarchy of its own.
import fs from 'node:fs';
import path from 'node:path';
import { cgroupV1, cgroupV2, readOrEmpty, type CgroupDriver } from './cgroup-driver';

export type Controller = 'memory' | 'pids' | 'cpu' | 'devices';

export interface Hierarchy {
  controller: Controller;
  driver: CgroupDriver;
  /** The runtime's own cgroup directory in it. */
  dir: string;
}

export type HierarchyOrWhyNot = Hierarchy | { missing: string };

export interface Mount {
  /** The part of the hierarchy the mount shows ('/' unless in a container). */
  root: string;
  point: string;
  fstype: string;
  superOptions: string[];
}

/** Read /proc/self/mountinfo and /proc/self/cgroup (paths overridable for tests). */
export function findHierarchy(
  controller: Controller,
  mountinfo = '/proc/self/mountinfo',
  selfCgroup = '/proc/self/cgroup',
): HierarchyOrWhyNot {
  let mounts: Mount[];
  let membership: string;
  try {
    mounts = parseMountinfo(fs.readFileSync(mountinfo, 'utf8'));
    membership = fs.readFileSync(selfCgroup, 'utf8');
  } catch (error) {
    return { missing: `cannot read ${mountinfo} or ${selfCgroup}: ${(error as Error).message}` };
  }
  const reasons: string[] = [];
  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  const v2Path = membership.split('\n').find((line) => line.startsWith('0::'))?.slice(3);
  if (v2 && v2Path !== undefined) {
    const dir = within(v2, v2Path);
    const controllers = readOrEmpty(path.join(dir, 'cgroup.controllers')).split(/\s+/);
    if (controllers.includes(controller)) return { controller, driver: cgroupV2, dir };
    reasons.push(`cgroup v2 at ${v2.point} has no ${controller} controller for ${dir}`);
  } else {
    reasons.push('no cgroup v2 hierarchy is mounted');
  }
  const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes(controller));
  const v1Path = membership
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields.length >= 3 && fields[1]!.split(',').includes(controller))?.[2];
  if (v1 && v1Path !== undefined) return { controller, driver: cgroupV1, dir: within(v1, v1Path) };
  reasons.push(`no cgroup v1 ${controller} controller is mounted`);
  return { missing: reasons.join('; ') };
}

/** The mounts of a /proc/<pid>/mountinfo text (the doctor reads them too). */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0 || fields.length < dash + 4) continue;
    mounts.push({
      root: unescape(fields[3]!),
      point: unescape(fields[4]!),
      fstype: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(','),
    });
  }
  return mounts;
}

/** The directory of cgroup `cgroupPath` under a mount that shows the hierarchy from `root`. */
function within(mount: Mount, cgroupPath: string): string {
  const relative = mount.root === '/' ? cgroupPath : path.relative(mount.root, cgroupPath);
  return path.join(mount.point, relative.startsWith('..') ? '' : relative.replace(/^\/+/, ''));
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
