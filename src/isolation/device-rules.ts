// The devices a container function may use, as cgroup v1 devices.allow
// rules ("c 1:3 rwm"): the basic nodes every container has in its /dev
// (rootfs.c binds the same list), and its device resources, read-only or
// read-write as its ResourceAccessPolicies say. Everything else is denied,
// even to a function running as root.
import fs from 'node:fs';
import type { FunctionSpec } from '../config/types';

const BASIC_DEVICES = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];

export function deviceRules(fn: Pick<FunctionSpec, 'devices'>): string[] {
  const rules: string[] = [];
  for (const device of BASIC_DEVICES) {
    const rule = ruleFor(device, 'rwm');
    if (rule !== undefined) rules.push(rule);
  }
  for (const device of fn.devices) {
    const rule = ruleFor(device.path, device.readOnly ? 'r' : 'rw');
    // The config check saw it; gone since then, the bind mount will say so.
    if (rule !== undefined) rules.push(rule);
  }
  return rules;
}

function ruleFor(device: string, access: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(device);
  } catch {
    return undefined;
  }
  const kind = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (kind === undefined) return undefined;
  return `${kind} ${major(st.rdev)}:${minor(st.rdev)} ${access}`;
}

// glibc's gnu_dev_major/minor encoding of dev_t.
function major(dev: number): number {
  return Number((BigInt(dev) >> 8n) & 0xfffn) | Number((BigInt(dev) >> 32n) & ~0xfffn);
}

function minor(dev: number): number {
  return Number(BigInt(dev) & 0xffn) | Number((BigInt(dev) >> 12n) & ~0xffn);
}
