// The two cgroup hierarchies' file names for what nanolambda needs: of the
// memory controller a limit with swap off, the OOM-kill count, the peak; of
// the pids controller a limit on processes and threads (pids.max in both);
// of the cpu controller a relative weight (v2 cpu.weight 1-10000, default
// 100; v1 cpu.shares, default 1024); of the v1 devices controller an
// allow-list (v2 controls devices with eBPF programs, not files, and has no
// devices controller to find).
//   v1: memory.limit_in_bytes (+ memory.memsw.limit_in_bytes where swap
//       accounting exists), memory.oom_control's oom_kill, memory.max_usage_in_bytes
//   v2: memory.max, memory.swap.max, memory.events' oom_kill, memory.peak
//       (kernels from 5.19; older ones report no peak)
import fs from 'node:fs';
import path from 'node:path';

/** v2: where delegate() moves the processes of the runtime's own group. */
export const RUNTIME_LEAF = 'nanolambda-runtime';

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Let the children of `ownDir` (the runtime's own group) have `controller` limits. */
  delegate(ownDir: string, controller: string): void;
  /** Make `dir` a group whose children may have `controller` limits (v2: enable it for them). */
  prepareParent(dir: string, controller: string): void;
  /** Limit a group's memory to `bytes`, swap included, so the limit is real. */
  limitMemory(dir: string, bytes: number): void;
  /** How many processes of the group the kernel killed for lack of memory. */
  oomKills(dir: string): number;
  /** The group's peak memory in bytes, when the kernel reports it. */
  peakBytes(dir: string): number | undefined;
  /** Processes and threads of the group at most (a fork bomb stops there). */
  limitPids(dir: string, max: number): void;
  /** The group's share of contended CPU, as a v2 weight (100 is the default). */
  weighCpu(dir: string, weight: number): void;
  /** Deny every device but these rules ("c 1:3 rwm", devices.allow's syntax). */
  allowDevices(dir: string, rules: readonly string[]): void;
}

function limitPids(dir: string, max: number): void {
  fs.writeFileSync(path.join(dir, 'pids.max'), String(max));
}

export const cgroupV1: CgroupDriver = {
  version: 1,
  delegate() {
    // Every v1 group's children have its controller.
  },
  prepareParent(dir, controller) {
    // Children's usage counts against the parent (nanolambda's own limit, if set).
    if (controller === 'memory') writeIfPresent(path.join(dir, 'memory.use_hierarchy'), '1');
  },
  limitMemory(dir, bytes) {
    fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(bytes));
    // memsw (memory + swap) must be set after the memory limit, and only exists with swap accounting.
    writeIfPresent(path.join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
  },
  oomKills(dir) {
    return keyedValue(readOrEmpty(path.join(dir, 'memory.oom_control')), 'oom_kill') ?? 0;
  },
  peakBytes(dir) {
    return numberIn(readOrEmpty(path.join(dir, 'memory.max_usage_in_bytes')));
  },
  limitPids,
  weighCpu(dir, weight) {
    fs.writeFileSync(path.join(dir, 'cpu.shares'), String(Math.max(2, Math.round((weight * 1024) / 100))));
  },
  allowDevices(dir, rules) {
    fs.writeFileSync(path.join(dir, 'devices.deny'), 'a');
    // One rule per write: the kernel parses one per call.
    for (const rule of rules) fs.writeFileSync(path.join(dir, 'devices.allow'), rule);
  },
};

export const cgroupV2: CgroupDriver = {
  version: 2,
  delegate(ownDir, controller) {
    const control = path.join(ownDir, 'cgroup.subtree_control');
    if (readOrEmpty(control).split(/\s+/).includes(controller)) return;
    try {
      fs.writeFileSync(control, `+${controller}`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
    }
    // v2's "no internal processes" rule: a group with processes of its own
    // cannot give controllers to children. Its processes (the runtime, and
    // what shares its group, as in a systemd service with Delegate=yes) move
    // into a leaf, as systemd asks of delegated services.
    const leaf = path.join(ownDir, RUNTIME_LEAF);
    fs.mkdirSync(leaf, { recursive: true });
    for (const pid of readOrEmpty(path.join(ownDir, 'cgroup.procs')).split('\n').filter(Boolean)) {
      try {
        fs.writeFileSync(path.join(leaf, 'cgroup.procs'), pid);
      } catch {
        // exited meanwhile
      }
    }
    fs.writeFileSync(control, `+${controller}`);
  },
  prepareParent(dir, controller) {
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), `+${controller}`);
  },
  limitMemory(dir, bytes) {
    fs.writeFileSync(path.join(dir, 'memory.max'), String(bytes));
    writeIfPresent(path.join(dir, 'memory.swap.max'), '0');
  },
  oomKills(dir) {
    return keyedValue(readOrEmpty(path.join(dir, 'memory.events')), 'oom_kill') ?? 0;
  },
  peakBytes(dir) {
    return numberIn(readOrEmpty(path.join(dir, 'memory.peak')));
  },
  limitPids,
  weighCpu(dir, weight) {
    fs.writeFileSync(path.join(dir, 'cpu.weight'), String(weight));
  },
  allowDevices(dir) {
    throw new Error(`cannot restrict devices of ${dir}: cgroup v2 has no devices controller files`);
  },
};

function writeIfPresent(file: string, value: string): void {
  if (fs.existsSync(file)) fs.writeFileSync(file, value);
}

/** A small kernel file's text, or '' when it is not there. */
export function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

/** "key value" lines (memory.events, memory.oom_control): the value of `key`. */
function keyedValue(text: string, key: string): number | undefined {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

function numberIn(text: string): number | undefined {
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) ? value : undefined;
}
