// `nanolambda doctor` as a real process: its lines against what this test
// reads itself from /proc and /sys, a port another process holds, a
// world-writable state directory, --json, and bad usage.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGroupJson } from '../src/examples/example-group';
import { cli, ensureBuilt } from './helpers/cli';
import { ensureSdk, repoRoot, tempDir } from './helpers/sdk';

// The group files are JSON the tests build: loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Line {
  status: string;
  name: string;
  reason: string;
}

/** The check lines of doctor's text output, by name. */
function parseLines(stdout: string): Map<string, Line> {
  const lines = new Map<string, Line>();
  for (const text of stdout.split('\n')) {
    const m = /^(ok|missing|warning)\s+(.+?)\s{2,}(.*)$/.exec(text);
    if (m) lines.set(m[2]!, { status: m[1]!, name: m[2]!, reason: m[3]! });
  }
  return lines;
}

function line(lines: Map<string, Line>, name: string): Line {
  const found = lines.get(name);
  if (found === undefined) throw new Error(`no '${name}' line in doctor's output: ${[...lines.keys()].join(', ')}`);
  return found;
}

/** A copy of the example group with its own directories and an HTTP port of our choosing. */
function writeGroup(dir: string, port: number, edit: (json: Json) => void = () => {}): string {
  const json: Json = exampleGroupJson();
  json.Nanolambda.Http = { Host: '127.0.0.1', Port: port };
  json.Nanolambda.StateDir = path.join(dir, 'state');
  json.Nanolambda.LogDir = path.join(dir, 'logs');
  edit(json);
  const file = path.join(dir, 'group.json');
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

/** The cgroup mounts of /proc/self/mountinfo, read independently of doctor. */
function readCgroupMounts(): { v1: Map<string, string>; v2Point: string | undefined } {
  const v1 = new Map<string, string>();
  let v2Point: string | undefined;
  for (const text of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = text.split(' - ');
    if (after === undefined) continue;
    const [fstype, , options] = after.split(' ');
    const point = before!.split(' ')[4]!;
    if (fstype === 'cgroup2') v2Point ??= point;
    if (fstype === 'cgroup') for (const option of options!.split(',')) v1.set(option, point);
  }
  return { v1, v2Point };
}

describe('nanolambda doctor', () => {
  let dir: string;

  beforeAll(() => {
    ensureSdk();
    ensureBuilt();
    dir = tempDir('doctor');
  });

  afterAll(() => {
    // Put the mode back so the kept directory can be inspected and removed.
    if (fs.existsSync(path.join(dir, 'open', 'state'))) fs.chmodSync(path.join(dir, 'open', 'state'), 0o700);
  });

  it('tells the truth about the cgroups, namespaces, binfmt and architecture of this machine', async () => {
    const groupDir = path.join(dir, 'truth');
    fs.mkdirSync(groupDir);
    const run = await cli(['doctor', writeGroup(groupDir, 0)], { cwd: groupDir });
    const lines = parseLines(run.stdout);
    expect(run.stderr).toBe('');

    const { v1, v2Point } = readCgroupMounts();
    const v2Controllers =
      v2Point === undefined ? [] : fs.readFileSync(path.join(v2Point, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
    console.info(`this machine: cgroup v1 memory at ${v1.get('memory') ?? 'none'}, cgroup v2 at ${v2Point ?? 'none'} with ${v2Controllers.join(' ')}`);
    for (const controller of ['memory', 'pids', 'cpu', 'devices']) {
      const l = line(lines, `cgroup ${controller}`);
      const inV1 = v1.get(controller);
      if (inV1 !== undefined) expect(l.reason).toContain(`v1 at ${inV1}`);
      else expect(l.reason).toContain('v1: no hierarchy');
      if (v2Point === undefined) expect(l.reason).toContain('v2: not mounted');
      else if (v2Controllers.includes(controller)) expect(l.reason).toContain(`v2 in ${v2Point}/cgroup.controllers`);
      else expect(l.reason).toContain(`v2: absent from ${v2Point}/cgroup.controllers`);
      expect(l.status).toBe(inV1 !== undefined || v2Controllers.includes(controller) ? 'ok' : 'warning');
    }
    if (v2Point !== undefined) expect(line(lines, 'cgroup v2').reason).toContain(`controllers: ${v2Controllers.join(' ')}`);

    for (const ns of ['mnt', 'pid', 'ipc', 'uts', 'net', 'user']) {
      expect(line(lines, `namespace ${ns}`).status).toBe(fs.existsSync(`/proc/self/ns/${ns}`) ? 'ok' : 'warning');
    }

    const binfmtListed = /\bbinfmt_misc\b/.test(fs.readFileSync('/proc/filesystems', 'utf8'));
    expect(line(lines, 'binfmt_misc').status).toBe(binfmtListed ? 'ok' : 'warning');
    const mounted = fs.existsSync('/proc/sys/fs/binfmt_misc/status');
    expect(line(lines, 'binfmt_misc mount').status).toBe(mounted ? 'ok' : 'warning');
    if (!mounted) expect(line(lines, 'aarch64 handler').status).toBe('warning');
    // The other architecture's sysroot and SDK: warnings at most, since only functions of that architecture need them.
    if (os.machine() === 'x86_64') {
      const loader = '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1';
      const sysroot = line(lines, 'aarch64 sysroot');
      expect(sysroot.reason).toContain(loader);
      expect(sysroot.status).toBe(fs.existsSync(loader) ? 'ok' : 'warning');
      if (!fs.existsSync(loader)) expect(sysroot.reason).toContain('apt-get install libc6-arm64-cross');
      const armSdk = line(lines, 'arm64 sdk');
      const armLibrary = path.join(repoRoot, 'prebuilds', 'linux-arm64', 'sdk', 'lib', 'libaws-greengrass-core-sdk-c.so');
      expect(armSdk.status).toBe(fs.existsSync(armLibrary) ? 'ok' : 'warning');
      expect(armSdk.reason).toContain(fs.existsSync(armLibrary) ? armLibrary : 'no nanolambda C SDK for linux-arm64');
    } else {
      console.warn(`not checking the aarch64 sysroot and arm64 SDK lines: the machine is ${os.machine()}, not x86_64`);
    }

    const arch = line(lines, 'architecture');
    expect(arch.reason).toContain(`node runs for ${process.arch} (process.arch)`);
    expect(arch.reason).toContain(`the machine is ${os.machine()} (uname)`);
    expect(line(lines, 'launcher').reason).toContain('nanolambda-launcher');
    expect(line(lines, 'sdk library').reason).toContain('libaws-greengrass-core-sdk-c.so');
    const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
    if (glibc !== undefined) expect(line(lines, 'glibc').reason).toContain(glibc);
    expect(line(lines, 'node').reason).toContain(process.version);
    expect(line(lines, 'http port')).toMatchObject({ status: 'ok' });
    expect(line(lines, 'state dir').reason).toContain(path.join(groupDir, 'state'));

    // The exit status follows the lines: 0 exactly when nothing is missing.
    const missing = [...lines.values()].filter((l) => l.status === 'missing');
    expect(run.code).toBe(missing.length === 0 ? 0 : 1);
    expect(run.stdout).toMatch(new RegExp(`\\d+ ok, ${missing.length} missing, \\d+ warnings?: this machine can${missing.length === 0 ? '' : 'not'} run`));
  });

  it('reports a port another process holds as missing, naming it, and exits 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const groupDir = path.join(dir, 'taken');
      fs.mkdirSync(groupDir);
      const run = await cli(['doctor', writeGroup(groupDir, port)], { cwd: groupDir });
      const http = line(parseLines(run.stdout), 'http port');
      expect(http.status).toBe('missing');
      expect(http.reason).toContain(`127.0.0.1:${port}`);
      expect(http.reason).toContain('in use');
      expect(run.code).toBe(1);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('names a world-writable state directory', async () => {
    const groupDir = path.join(dir, 'open');
    fs.mkdirSync(groupDir);
    const stateDir = path.join(groupDir, 'state');
    fs.mkdirSync(stateDir);
    fs.chmodSync(stateDir, 0o777);
    const run = await cli(['doctor', writeGroup(groupDir, 0)], { cwd: groupDir });
    const state = line(parseLines(run.stdout), 'state dir');
    expect(state.status).toBe('missing');
    expect(state.reason).toContain(stateDir);
    expect(state.reason).toContain('world-writable (mode 0777)');
    expect(run.code).toBe(1);
  });

  it('prints the checks as JSON with --json', async () => {
    const groupDir = path.join(dir, 'json');
    fs.mkdirSync(groupDir);
    const file = writeGroup(groupDir, 0);
    const run = await cli(['doctor', file, '--json'], { cwd: groupDir });
    const doc = JSON.parse(run.stdout) as {
      group: string;
      canRun: boolean;
      summary: { ok: number; missing: number; warning: number };
      checks: { name: string; status: string; reason: string }[];
    };
    expect(doc.group).toBe(file);
    expect(doc.checks.length).toBeGreaterThan(20);
    for (const c of doc.checks) {
      expect(['ok', 'missing', 'warning']).toContain(c.status);
      expect(typeof c.name).toBe('string');
      expect(c.reason.length).toBeGreaterThan(0);
    }
    const count = (status: string) => doc.checks.filter((c) => c.status === status).length;
    expect(doc.summary).toEqual({ ok: count('ok'), missing: count('missing'), warning: count('warning') });
    expect(doc.canRun).toBe(doc.summary.missing === 0);
    expect(run.code).toBe(doc.canRun ? 0 : 1);
    expect(doc.checks.find((c) => c.name === 'cgroup memory')).toBeDefined();
  });

  it('exits 2 on an unknown option or a second file', async () => {
    const bad = await cli(['doctor', '--bogus'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--bogus'");
    const two = await cli(['doctor', 'a.json', 'b.json'], { cwd: dir });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("unexpected argument 'b.json'");
  });
});
