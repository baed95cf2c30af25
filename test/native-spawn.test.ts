// The addon's worker spawner (native/spawn, worker_process.cc) and its
// TypeScript glue (src/workers/spawn-worker.ts): the child must see what
// child_process.spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe', shm,
// sock], env, detached: true }) gave it, and its exit must be reported as a
// ChildProcess reported it. Small system programs stand in for the launcher.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeBinding, type NativeBinding, type OpenedChannel } from '../src/native/binding';
import { isStartError, spawnWorker } from '../src/workers/spawn-worker';
import { repoRoot } from './helpers/sdk';
import { waitFor } from './helpers/wait';

let binding: NativeBinding;
const channels: OpenedChannel[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.join(repoRoot, 'build', 'Release', 'nanolambda.node'))) {
    execFileSync('npm', ['run', 'build:addon'], { cwd: repoRoot, stdio: 'pipe' });
  }
  binding = nativeBinding();
});

afterEach(() => {
  for (const c of channels.splice(0)) {
    for (const fd of [c.shmFd, c.hostFd, c.workerFd]) binding.closeFd(fd);
    binding.channelClose(c.handle);
  }
});

function channel(): OpenedChannel {
  const opened = binding.channelOpen(64 * 1024);
  channels.push(opened);
  return opened;
}

interface Ran {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs file through spawnWorker until it exited and both pipes closed. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}, fds?: { shmFd: number; workerFd: number }): Promise<Ran> {
  const { shmFd, workerFd } = fds ?? channel();
  return new Promise((resolve) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const out = { stdout: '', stderr: '' };
    let open = 2;
    const child = spawnWorker(binding, file, args, { env, shmFd, workerFd }, (code, signal) => {
      exit = { code, signal };
      if (open === 0) resolve({ pid: child.pid, ...exit, ...out });
    });
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].on('data', (chunk: Buffer) => (out[name] += chunk.toString()));
      child[name].on('close', () => {
        if (--open === 0 && exit !== undefined) resolve({ pid: child.pid, ...exit, ...out });
      });
    }
  });
}

/** The inode behind one of our descriptors, as /proc shows it for the child's. */
function inodeOf(fd: number): number {
  return fs.fstatSync(fd).ino;
}

describe('spawnWorker: the exit', () => {
  it('reports the exit code, and no signal', async () => {
    const ran = await run('/bin/sh', ['-c', 'exit 7']);
    expect([ran.code, ran.signal]).toEqual([7, null]);
  });

  it('reports the killing signal by name, and no code', async () => {
    expect(await run('/bin/sh', ['-c', 'kill -KILL $$'])).toMatchObject({ code: null, signal: 'SIGKILL' });
    // 6 is SIGABRT (not SIGIOT), as Node named it for a ChildProcess.
    expect(await run('/bin/sh', ['-c', 'kill -ABRT $$'])).toMatchObject({ code: null, signal: 'SIGABRT' });
  });

  it('reads both pipes until they close', async () => {
    const ran = await run('/bin/sh', ['-c', 'echo out; echo err >&2; head -c 200000 /dev/zero | tr "\\0" x']);
    expect(ran.stderr).toBe('err\n');
    expect(ran.stdout.length).toBe(4 + 200000);
  });

  it('calls back inside a callback scope: microtasks run before the next phase', async () => {
    const order: string[] = [];
    const { shmFd, workerFd } = channel();
    const spawned = binding.spawnWorker('/bin/true', ['true'], [], shmFd, workerFd);
    binding.closeFd(spawned.stdoutFd);
    binding.closeFd(spawned.stderrFd);
    await new Promise<void>((resolve) => {
      binding.watchExit(spawned.pidfd, spawned.pid, () => {
        setImmediate(() => {
          order.push('immediate');
          resolve();
        });
        void Promise.resolve().then(() => order.push('microtask'));
        process.nextTick(() => order.push('tick'));
      });
    });
    expect(order).toEqual(['tick', 'microtask', 'immediate']);
  });

  it('without a pidfd (kernels before 5.3) polls waitpid instead', async () => {
    const { shmFd, workerFd } = channel();
    const spawned = binding.spawnWorker('/bin/sh', ['sh', '-c', 'sleep 0.05; exit 5'], [], shmFd, workerFd);
    expect(spawned.pidfd).toBeGreaterThan(2);
    binding.closeFd(spawned.stdoutFd);
    binding.closeFd(spawned.stderrFd);
    binding.closeFd(spawned.pidfd);
    const exit = await new Promise((resolve) => binding.watchExit(-1, spawned.pid, (code, signal) => resolve([code, signal])));
    expect(exit).toEqual([5, null]);
  });
});

describe('spawnWorker: what the child gets', () => {
  it('fd 0 /dev/null, 1 and 2 pipes of their own, 3 the shm fd, 4 the worker socket', async () => {
    const c = channel();
    const script = 'for fd in 0 1 2 3 4; do echo "$fd|$(readlink /proc/$$/fd/$fd)|$(stat -L -c %i /proc/$$/fd/$fd)"; done';
    const ran = await run('/bin/sh', ['-c', script], {}, c);
    const lines = ran.stdout.trim().split('\n').map((line) => line.split('|'));
    expect(lines.map(([fd]) => fd)).toEqual(['0', '1', '2', '3', '4']);
    expect(lines[0]![1]).toBe('/dev/null');
    expect(lines[1]![1]).toMatch(/^pipe:/);
    expect(lines[2]![1]).toMatch(/^pipe:/);
    expect(lines[1]![1]).not.toBe(lines[2]![1]);
    expect(lines[3]![1]).toMatch(/^\/memfd:/);
    expect(Number(lines[3]![2])).toBe(inodeOf(c.shmFd));
    expect(lines[4]![1]).toMatch(/^socket:/);
    expect(Number(lines[4]![2])).toBe(inodeOf(c.workerFd));
  });

  it('gets the right descriptors even when the sources are themselves among 0..4', async () => {
    // Without care, dup2 onto fd 2 would clobber our fd 2 before it is copied to 3.
    const ran = await run('/bin/sh', ['-c', 'stat -L -c %i /proc/$$/fd/3 /proc/$$/fd/4'], {}, { shmFd: 2, workerFd: 1 });
    expect(ran.stdout.trim().split('\n').map(Number)).toEqual([inodeOf(2), inodeOf(1)]);
  });

  it('the worker end of the socket reaches the host end', async () => {
    const c = channel();
    await run('/bin/sh', ['-c', 'printf hello >&4'], {}, c);
    const got = Buffer.alloc(16);
    expect(fs.readSync(c.hostFd, got)).toBe(5);
    expect(got.subarray(0, 5).toString()).toBe('hello');
  });

  it('leads its own session and process group (detached)', async () => {
    const ran = await run('/bin/sh', ['-c', 'read -r pid comm state ppid pgrp sid rest < /proc/$$/stat; echo $pgrp $sid']);
    expect(ran.stdout.trim()).toBe(`${ran.pid} ${ran.pid}`);
  });

  it('gets exactly the environment given, in order', async () => {
    const env = Object.create({ INHERITED: 'yes' }) as NodeJS.ProcessEnv;
    Object.assign(env, { B: 'two words', A: '1', SKIPPED: undefined, EMPTY: '' });
    const ran = await run('/usr/bin/env', [], env);
    expect(ran.stdout).toBe('B=two words\nA=1\nEMPTY=\nINHERITED=yes\n');
  });

  it('starts with no signal blocked or ignored (Node ignores SIGPIPE; posix_spawn would ignore glibc\'s own)', async () => {
    const ran = await run('/bin/cat', ['/proc/self/status']);
    expect(ran.stdout).toMatch(/^SigBlk:\s+0+$/m);
    expect(ran.stdout).toMatch(/^SigIgn:\s+0+$/m);
  });

  it('keeps the read ends of its pipes out of other children (close-on-exec)', () => {
    const { shmFd, workerFd } = channel();
    const spawned = binding.spawnWorker('/bin/sleep', ['sleep', '5'], [], shmFd, workerFd);
    try {
      for (const fd of [spawned.stdoutFd, spawned.stderrFd, spawned.pidfd]) {
        const flags = /^flags:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
        expect(parseInt(flags, 8) & 0o2000000).not.toBe(0);
      }
    } finally {
      process.kill(spawned.pid, 'SIGKILL');
      for (const fd of [spawned.stdoutFd, spawned.stderrFd]) binding.closeFd(fd);
    }
    return new Promise<void>((resolve) => binding.watchExit(spawned.pidfd, spawned.pid, () => resolve()));
  });
});

describe('spawnWorker: failures', () => {
  it('a missing program throws ENOENT as child_process did, leaving nothing behind', () => {
    const { shmFd, workerFd } = channel();
    const missing = path.join(repoRoot, 'test', '.tmp', 'no-such-launcher');
    let thrown: unknown;
    try {
      spawnWorker(binding, missing, ['x'], { env: {}, shmFd, workerFd }, () => undefined);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ code: 'ENOENT', errno: -2, syscall: `spawn ${missing}`, path: missing });
    expect((thrown as Error).message).toBe(`spawn ${missing} ENOENT`);
    expect(isStartError(thrown)).toBe(true);
  });

  it('a program that is not executable throws EACCES', () => {
    const { shmFd, workerFd } = channel();
    const dir = path.join(repoRoot, 'test', '.tmp');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'not-executable');
    fs.writeFileSync(file, '', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(() => binding.spawnWorker(file, ['x'], [], shmFd, workerFd)).toThrow(
      expect.objectContaining({ code: 'EACCES', message: `spawn ${file} EACCES` }),
    );
  });

  it('rejects strings with null bytes and bad arguments before spawning', () => {
    const { shmFd, workerFd } = channel();
    expect(() => binding.spawnWorker('/bin/true', ['true', 'a\0b'], [], shmFd, workerFd)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: 'argv[1] must not contain null bytes' }),
    );
    expect(() => binding.spawnWorker('/bin/true', [], [], shmFd, workerFd)).toThrow(RangeError);
    expect(() => binding.spawnWorker('/bin/true', ['true'], [1 as unknown as string], shmFd, workerFd)).toThrow(TypeError);
    expect(() => binding.watchExit(-2, 1, () => undefined)).toThrow(RangeError);
  });
});

describe('watchExit: the environment ending first', () => {
  /** A worker thread that starts `count` sleepers, watched by pidfd and by timer, and says their pids. */
  function threadWithWatches(count: number, then: string): Worker {
    const addon = path.join(repoRoot, 'build', 'Release', 'nanolambda.node');
    const code = `
      const b = require(${JSON.stringify(addon)});
      const { parentPort } = require('node:worker_threads');
      const ch = b.channelOpen(64 * 1024);
      const pids = [];
      for (let i = 0; i < ${count}; i++) {
        const w = b.spawnWorker('/bin/sh', ['sh', '-c', i === 0 ? 'exit 0' : 'sleep 5'], [], ch.shmFd, ch.workerFd);
        if (i % 2 === 1) b.closeFd(w.pidfd);
        b.watchExit(i % 2 === 1 ? -1 : w.pidfd, w.pid, () => { ${then} });
        pids.push(w.pid);
      }
      parentPort.postMessage(pids);`;
    return new Worker(code, { eval: true });
  }

  it('a worker thread terminated with watches open ends cleanly (they hold the addon until closed)', async () => {
    const thread = threadWithWatches(4, '');
    const pids = await new Promise<number[]>((resolve) => thread.once('message', resolve));
    try {
      await thread.terminate();
    } finally {
      for (const pid of pids.slice(1)) process.kill(pid, 'SIGKILL');
    }
  });

  it('a worker thread that exits from an exit callback, with more exits due, ends cleanly', async () => {
    const thread = threadWithWatches(3, 'process.exit(7)');
    const pids = await new Promise<number[]>((resolve) => thread.once('message', resolve));
    try {
      expect(await new Promise((resolve) => thread.once('exit', resolve))).toBe(7);
    } finally {
      for (const pid of pids.slice(1)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('spawnWorker: resources', () => {
  it('50 spawns (and 10 failed ones) leave no descriptor behind', async () => {
    const fds = channel();
    const count = (): number => fs.readdirSync('/proc/self/fd').length;
    // Warm up whatever Node opens lazily (the signal pipe, the pipe handles' machinery).
    await run('/bin/true', [], {}, fds);
    const before = count();
    for (let i = 0; i < 50; i++) {
      const ran = await run('/bin/sh', ['-c', 'echo $1; exit $1', 'sh', String(i % 5)], {}, fds);
      expect([ran.code, ran.stdout]).toEqual([i % 5, `${i % 5}\n`]);
    }
    for (let i = 0; i < 10; i++) {
      expect(() => binding.spawnWorker('/no/such/program', ['x'], [], fds.shmFd, fds.workerFd)).toThrow(/ENOENT/);
    }
    // A closed socket gives its descriptor back when libuv's close callback ran.
    await waitFor(() => count() === before, 2000, `descriptors back to ${before} (now ${count()})`);
  });
});
