// Finding the memory controller from /proc/self/mountinfo and /proc/self/cgroup,
// and the v1 and v2 file names, against directory trees shaped like each
// hierarchy (this machine has v1 memory and a v2 mount without it; a real v2
// memory hierarchy is exercised by test/isolation-limits.test.ts where the
// machine has one). Delegating a controller on v2 runs against the real v2
// hierarchy when there is one, with whatever controller it offers.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cgroupV1, cgroupV2, readOrEmpty, RUNTIME_LEAF } from '../src/isolation/cgroup-driver';
import { findHierarchy } from '../src/isolation/cgroup-hierarchy';
import { tempDir } from './helpers/sdk';

const V1_LINE = (point: string) => `35 25 0:30 / ${point} rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory`;
const V2_LINE = (point: string) => `30 25 0:26 / ${point} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate`;

function procFiles(dir: string, mountinfo: string[], cgroup: string[]): [string, string] {
  const mi = path.join(dir, 'mountinfo');
  const cg = path.join(dir, 'cgroup');
  fs.writeFileSync(mi, `${mountinfo.join('\n')}\n`);
  fs.writeFileSync(cg, `${cgroup.join('\n')}\n`);
  return [mi, cg];
}

describe('finding the memory controller', () => {
  it('prefers cgroup v2 when its controllers include memory', () => {
    console.log('cgroup v2 exercised against a directory tree shaped like one');
    const dir = tempDir('hierarchy-v2');
    const mount = path.join(dir, 'sys-fs-cgroup');
    fs.mkdirSync(path.join(mount, 'system.slice', 'gateway.service'), { recursive: true });
    fs.writeFileSync(path.join(mount, 'system.slice', 'gateway.service', 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const [mi, cg] = procFiles(dir, [V2_LINE(mount), V1_LINE(path.join(dir, 'v1'))], ['0::/system.slice/gateway.service', '4:memory:/']);
    const found = findHierarchy('memory', mi, cg);
    expect(found).toMatchObject({ dir: path.join(mount, 'system.slice', 'gateway.service') });
    expect('driver' in found && found.driver.version).toBe(2);
  });

  it('falls back to v1 when the v2 mount has no memory controller, and names the group from /proc/self/cgroup', () => {
    const dir = tempDir('hierarchy-v1');
    const v2 = path.join(dir, 'unified');
    fs.mkdirSync(v2);
    fs.writeFileSync(path.join(v2, 'cgroup.controllers'), 'hugetlb\n');
    const [mi, cg] = procFiles(dir, [V2_LINE(v2), V1_LINE(path.join(dir, 'memory'))], ['4:memory:/process_api/abc', '0::/']);
    const found = findHierarchy('memory', mi, cg);
    expect(found).toMatchObject({ dir: path.join(dir, 'memory', 'process_api', 'abc') });
    expect('driver' in found && found.driver.version).toBe(1);
  });

  it('finds pids in its own v1 hierarchy, apart from memory', () => {
    const dir = tempDir('hierarchy-pids');
    const pidsLine = `38 30 0:35 / ${path.join(dir, 'pids')} rw,relatime - cgroup cgroup rw,pids`;
    const [mi, cg] = procFiles(dir, [V1_LINE(path.join(dir, 'memory')), pidsLine], ['8:pids:/', '4:memory:/svc', '0::/']);
    expect(findHierarchy('pids', mi, cg)).toMatchObject({ controller: 'pids', dir: path.join(dir, 'pids') });
    expect(findHierarchy('memory', mi, cg)).toMatchObject({ controller: 'memory', dir: path.join(dir, 'memory', 'svc') });
  });

  it('says why when there is none', () => {
    const dir = tempDir('hierarchy-none');
    const [mi, cg] = procFiles(dir, ['22 1 0:21 / /proc rw - proc proc rw'], ['0::/']);
    expect(findHierarchy('memory', mi, cg)).toEqual({ missing: 'no cgroup v2 hierarchy is mounted; no cgroup v1 memory controller is mounted' });
  });
});

describe('the v2 and v1 files', () => {
  it('v2: memory.max and swap off, oom_kill from memory.events, memory.peak', () => {
    const dir = tempDir('driver-v2');
    fs.writeFileSync(path.join(dir, 'memory.max'), 'max\n');
    fs.writeFileSync(path.join(dir, 'memory.swap.max'), 'max\n');
    fs.writeFileSync(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n');
    fs.writeFileSync(path.join(dir, 'memory.peak'), '16773120\n');
    cgroupV2.limitMemory(dir, 16 * 1024 * 1024);
    expect(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8')).toBe(String(16 * 1024 * 1024));
    expect(fs.readFileSync(path.join(dir, 'memory.swap.max'), 'utf8')).toBe('0');
    expect(cgroupV2.oomKills(dir)).toBe(1);
    expect(cgroupV2.peakBytes(dir)).toBe(16773120);
    cgroupV2.prepareParent(dir, 'memory');
    expect(fs.readFileSync(path.join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    cgroupV2.limitPids(dir, 64);
    expect(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8')).toBe('64');
  });

  it('v2 on a kernel without memory.peak reports no peak', () => {
    expect(cgroupV2.peakBytes(tempDir('driver-v2-old'))).toBeUndefined();
  });

  it('v1: limit_in_bytes, memsw where swap is accounted, oom_control, max_usage_in_bytes', () => {
    const dir = tempDir('driver-v1');
    fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), '9223372036854771712\n');
    fs.writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), '9223372036854771712\n');
    fs.writeFileSync(path.join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
    fs.writeFileSync(path.join(dir, 'memory.max_usage_in_bytes'), '4194304\n');
    cgroupV1.limitMemory(dir, 8 * 1024 * 1024);
    expect(fs.readFileSync(path.join(dir, 'memory.limit_in_bytes'), 'utf8')).toBe(String(8 * 1024 * 1024));
    expect(fs.readFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), 'utf8')).toBe(String(8 * 1024 * 1024));
    expect(cgroupV1.oomKills(dir)).toBe(3);
    expect(cgroupV1.peakBytes(dir)).toBe(4194304);
  });
});

describe('delegating a controller on cgroup v2', () => {
  it('enables it in the own group when it is not (a tree shaped like v2)', () => {
    const dir = tempDir('delegate-v2');
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), '');
    cgroupV2.delegate(dir, 'memory');
    expect(fs.readFileSync(path.join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), 'cpu memory\n');
    cgroupV2.delegate(dir, 'memory'); // already there: nothing written
    expect(fs.readFileSync(path.join(dir, 'cgroup.subtree_control'), 'utf8')).toBe('cpu memory\n');
  });

  const v2 = realV2();
  console.log(v2.skip ? `skipping the real v2 delegation test: ${v2.skip}` : `delegation on the real cgroup v2 hierarchy at ${v2.root} with ${v2.controller}`);

  it.skipIf(v2.skip !== undefined)('moves the processes of a busy own group into a leaf first (the real v2 hierarchy)', async () => {
    const { root, controller } = v2 as { root: string; controller: string };
    const own = path.join(root, `nanolambda-delegation-test-${process.pid}`);
    const rootControl = path.join(root, 'cgroup.subtree_control');
    const enabledAtRoot = readOrEmpty(rootControl).split(/\s+/).includes(controller);
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      if (!enabledAtRoot) fs.writeFileSync(rootControl, `+${controller}`);
      fs.mkdirSync(own);
      fs.writeFileSync(path.join(own, 'cgroup.procs'), String(sleeper.pid));
      // With a process in it, the kernel refuses: that is the case delegate handles.
      expect(() => fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), `+${controller}`)).toThrow(/EBUSY/);
      cgroupV2.delegate(own, controller);
      expect(readOrEmpty(path.join(own, 'cgroup.subtree_control')).split(/\s+/)).toContain(controller);
      expect(readOrEmpty(path.join(own, RUNTIME_LEAF, 'cgroup.procs')).split('\n')).toContain(String(sleeper.pid));
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
      for (const dir of [path.join(own, RUNTIME_LEAF), own]) {
        if (!fs.existsSync(dir)) continue;
        fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), readOrEmpty(path.join(dir, 'cgroup.subtree_control')).trim().split(/\s+/).filter(Boolean).map((c) => `-${c}`).join(' ') || '');
        fs.rmdirSync(dir);
      }
      if (!enabledAtRoot) fs.writeFileSync(rootControl, `-${controller}`);
    }
  });
});

/** The machine's cgroup v2 mount and a controller it offers, or why the real test skips. */
function realV2(): { root?: string; controller?: string; skip?: string } {
  if (process.getuid?.() !== 0) return { skip: 'moving processes between cgroups needs root' };
  const line = readOrEmpty('/proc/self/mountinfo').split('\n').find((l) => l.includes(' - cgroup2 '));
  if (line === undefined) return { skip: 'no cgroup v2 hierarchy is mounted' };
  const root = line.split(' ')[4]!;
  const controller = readOrEmpty(path.join(root, 'cgroup.controllers')).trim().split(/\s+/).filter(Boolean)[0];
  if (controller === undefined) return { skip: `the cgroup v2 hierarchy at ${root} offers no controller` };
  return { root, controller };
}
