// The addon's channel against a real worker process: test/fixtures/ring_peer.c
// (an echo worker on the raw channel protocol), started through the real
// nanolambda-launcher with the memfd on fd 3 and the socket on fd 4.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelHandle, NativeBinding, nativeBinding } from '../src/native/binding';
import { compileC, launcherSources, repoRoot, wireDir, wireSources } from './helpers/wire-cc';

const Frame = protobuf.loadSync(path.join(wireDir, 'control.proto')).lookupType('nanolambda.wire.Frame');
const MiB = 1024 * 1024;

let binding: NativeBinding;
let launcher: string;
let peer: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(repoRoot, 'build', 'Release', 'nanolambda.node'))) {
    execFileSync('npm', ['run', 'build:addon'], { cwd: repoRoot, stdio: 'pipe' });
  }
  binding = nativeBinding();
  launcher = compileC({
    output: 'nanolambda-launcher',
    sources: launcherSources(),
  });
  peer = compileC({
    output: 'ring_peer',
    sources: [path.join(repoRoot, 'test', 'fixtures', 'ring_peer.c'), ...wireSources],
    extraFlags: [`-I${wireDir}`],
    sanitize: true,
  });
});

/** Doorbell frames read from the host end of the socket. */
class Doorbells {
  count = 0;
  private pending = 0;
  private waiter: (() => void) | undefined;
  private buffered = Buffer.alloc(0);
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const len = this.buffered.readUInt32LE(0);
      if (this.buffered.length < 4 + len) break;
      const frame = Frame.toObject(Frame.decode(this.buffered.subarray(4, 4 + len)), { oneofs: true });
      this.buffered = this.buffered.subarray(4 + len);
      expect(frame.body).toBe('doorbell');
      this.count++;
      this.pending++;
      this.waiter?.();
    }
  }

  /** Resolves once a doorbell arrived since the last call (or at once). */
  async next(timeoutMs = 5000): Promise<void> {
    if (this.pending === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no doorbell within ${timeoutMs} ms`)), timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
    this.pending--;
  }
}

interface Worker {
  handle: ChannelHandle;
  child: ChildProcess;
  doorbells: Doorbells;
  exited: Promise<number | null>;
}

const live: Worker[] = [];

function startWorker(ringBytes = 16 * MiB): Worker {
  const { handle, shmFd, hostFd, workerFd } = binding.channelOpen(ringBytes);
  const child = spawn(launcher, [peer], {
    stdio: ['ignore', 'inherit', 'inherit', shmFd, workerFd],
    env: { PATH: process.env.PATH, NANOLAMBDA_SHM_FD: '3', NANOLAMBDA_SOCK_FD: '4', ASAN_OPTIONS: 'detect_leaks=0' },
  });
  binding.closeFd(shmFd);
  binding.closeFd(workerFd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const worker = { handle, child, doorbells: new Doorbells(new net.Socket({ fd: hostFd })), exited };
  live.push(worker);
  return worker;
}

afterEach(async () => {
  for (const w of live.splice(0)) {
    w.doorbells.socket.destroy(); // EOF: the peer exits
    await w.exited;
    binding.channelClose(w.handle);
  }
});

const meta = new Uint32Array(2);

/** The next result: spin, else wait for the doorbell and try again. */
async function take(w: Worker): Promise<{ id: number; status: number; payload: Buffer }> {
  for (;;) {
    const payload = binding.channelTake(w.handle, meta, true);
    if (payload !== undefined) return { id: meta[0], status: meta[1], payload };
    await w.doorbells.next();
  }
}

async function waitReady(w: Worker): Promise<Uint32Array> {
  const state = new Uint32Array(3);
  for (let i = 0; i < 500; i++) {
    binding.channelWorkerState(w.handle, state);
    if (state[0] === 1) return state;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('worker never became ready');
}

describe('native channel with a real worker', () => {
  it('the worker runs in the launcher process itself (exec in place) and reports ready', async () => {
    const w = startWorker();
    const state = await waitReady(w);
    expect(state[2]).toBe(w.child.pid);
    expect(state[1]).toBe(0);
  });

  it('round-trips 0 B, 64 B, 64 KiB, 1 MiB and 6 MiB payloads with their content', async () => {
    const w = startWorker();
    const plan: Array<[number, number]> = [[0, 500], [64, 2000], [64 * 1024, 200], [MiB, 20], [6 * MiB, 5]];
    let id = 0;
    let empty: Buffer | undefined;
    for (const [size, count] of plan) {
      for (let i = 0; i < count; i++) {
        const payload = crypto.randomBytes(size);
        expect(binding.channelSubmit(w.handle, ++id, payload, i % 2 ? Buffer.from('{"custom":{}}') : null)).toBe(true);
        const result = await take(w);
        expect(result.id).toBe(id);
        expect(result.status).toBe(payload.subarray(0, 3).toString() === 'ERR' ? 1 : 0);
        expect(result.payload.length).toBe(size);
        expect(result.payload.equals(payload)).toBe(true);
        if (size === 0) {
          empty ??= result.payload;
          expect(result.payload).toBe(empty); // one shared empty Buffer
        }
      }
    }
    expect(binding.channelSubmit(w.handle, ++id, Buffer.from('ERR: bad input'), null)).toBe(true);
    const handled = await take(w);
    expect([handled.id, handled.status, handled.payload.toString()]).toEqual([id, 1, 'ERR: bad input']);
  }, 120_000);

  it('returns undefined while the worker is slow, then rings the doorbell', async () => {
    const w = startWorker();
    await waitReady(w);
    expect(binding.channelSubmit(w.handle, 7, Buffer.from('SLEEP then answer'), null)).toBe(true);
    expect(binding.channelTake(w.handle, meta, true)).toBeUndefined(); // spin budget << 20 ms
    const before = w.doorbells.count;
    await w.doorbells.next();
    expect(w.doorbells.count).toBe(before + 1);
    const payload = binding.channelTake(w.handle, meta, false);
    expect(payload?.toString()).toBe('SLEEP then answer');
    expect(meta[0]).toBe(7);
  });

  it('pipelines 1000 submits, then drains them in order', async () => {
    const w = startWorker();
    for (let id = 1; id <= 1000; id++) {
      expect(binding.channelSubmit(w.handle, id, Buffer.from(`request ${id}`), null)).toBe(true);
    }
    for (let id = 1; id <= 1000; id++) {
      const result = await take(w);
      expect([result.id, result.payload.toString()]).toEqual([id, `request ${id}`]);
    }
  });

  it('reports a full ring with false and accepts again once results are taken', async () => {
    const w = startWorker(MiB);
    await waitReady(w);
    const payload = (id: number) => Buffer.alloc(100 * 1024, id);
    let submitted = 0;
    while (binding.channelSubmit(w.handle, submitted + 1, payload(submitted + 1), null)) {
      submitted++;
      expect(submitted).toBeLessThan(100); // two 1 MiB rings hold about 20
      await new Promise((r) => setTimeout(r, 2)); // let the worker fill the result ring
    }
    // How many fit depends on how far the worker got meanwhile (results it
    // wrote free the request ring): on a loaded machine, fewer.
    expect(submitted).toBeGreaterThan(0);
    for (let id = 1; id <= submitted; id++) {
      const result = await take(w);
      expect(result.id).toBe(id);
      expect(result.payload.equals(payload(id))).toBe(true);
    }
    expect(binding.channelSubmit(w.handle, submitted + 1, payload(1), null)).toBe(true);
    expect((await take(w)).id).toBe(submitted + 1);
  });

  it('seals the region: a worker cannot truncate or grow it under the host', async () => {
    const w = startWorker();
    await waitReady(w);
    expect(binding.channelSubmit(w.handle, 1, Buffer.from('TRUNCATE'), null)).toBe(true);
    const attack = await take(w);
    expect([attack.id, attack.status, attack.payload.toString()]).toEqual([1, 0, 'shrink:EPERM grow:EPERM']);
    // The host touched the whole region meanwhile (the result ring) and is
    // alive; it keeps serving, large payloads included.
    const big = crypto.randomBytes(6 * MiB);
    expect(binding.channelSubmit(w.handle, 2, big, Buffer.from('{}'))).toBe(true);
    const after = await take(w);
    expect(after.id).toBe(2);
    expect(after.payload.equals(big)).toBe(true);
    expect(binding.channelSubmit(w.handle, 3, Buffer.from('still here'), null)).toBe(true);
    expect((await take(w)).payload.toString()).toBe('still here');
  });

  it('survives a worker killed with SIGKILL mid-invocation', async () => {
    const w = startWorker();
    await waitReady(w);
    expect(binding.channelSubmit(w.handle, 1, Buffer.from('SLEEP forever'), null)).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    w.child.kill('SIGKILL');
    expect(await w.exited).toBeNull();
    await w.doorbells.closed.catch(() => undefined);
    expect(binding.channelTake(w.handle, meta, true)).toBeUndefined();
    const state = new Uint32Array(3);
    binding.channelWorkerState(w.handle, state);
    expect(state[2]).toBe(w.child.pid);
    expect(binding.channelSubmit(w.handle, 2, Buffer.from('nobody listens'), null)).toBe(true);
    binding.channelClose(w.handle);
    binding.channelClose(w.handle); // twice is fine
    expect(() => binding.channelTake(w.handle, meta, false)).toThrow(/channel is closed/);
  });

  it('rejects bad arguments with messages that name the argument and the limit', () => {
    const { handle, shmFd, hostFd, workerFd } = binding.channelOpen(16 * MiB);
    try {
      const b = binding as unknown as Record<string, (...args: unknown[]) => unknown>;
      expect(() => b.channelOpen(100_000)).toThrow(RangeError);
      expect(() => b.channelOpen(100_000)).toThrow('ringBytes must be a power of two, got 100000');
      expect(() => b.channelOpen(1024)).toThrow('ringBytes must be an integer from 65536 to 268435456, got 1024');
      expect(() => b.channelOpen('big')).toThrow(TypeError);
      expect(() => b.channelSubmit({}, 1, Buffer.alloc(1), null)).toThrow('handle must be a channel handle returned by channelOpen');
      expect(() => b.channelSubmit(handle, 0, Buffer.alloc(1), null)).toThrow('id must be an integer from 1 to 4294967295, got 0');
      expect(() => b.channelSubmit(handle, 1.5, Buffer.alloc(1), null)).toThrow(RangeError);
      expect(() => b.channelSubmit(handle, 1, 'text', null)).toThrow('payload must be a Uint8Array or Buffer');
      expect(() => b.channelSubmit(handle, 1, Buffer.alloc(1), Buffer.alloc(5000))).toThrow(
        'clientContext of 5000 bytes exceeds the limit of 4096 bytes',
      );
      expect(() => b.channelSubmit(handle, 1, Buffer.alloc(9 * MiB), null)).toThrow(
        'payload of 9437184 bytes exceeds the channel limit of 8388576 bytes',
      );
      expect(() => b.channelSubmit(handle, 1, Buffer.alloc(8 * MiB - 32), Buffer.alloc(10))).toThrow(
        'payload of 8388576 bytes exceeds the channel limit of 8388566 bytes',
      );
      expect(() => b.channelTake(handle, new Uint8Array(2), true)).toThrow('meta must be a Uint32Array of at least 2 elements');
      expect(() => b.channelTake(handle, new Uint32Array(2), 1)).toThrow('spin must be a boolean');
      expect(() => b.channelWorkerState(handle, new Uint32Array(2))).toThrow('out must be a Uint32Array of at least 3 elements');
      expect(() => b.closeFd(-1)).toThrow(RangeError);
      let code: unknown;
      try {
        b.channelSubmit(handle, 0, Buffer.alloc(1), null);
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      expect(code).toBe('ERR_OUT_OF_RANGE');
      // Nothing was submitted by the failed calls: the ring is still empty.
      expect(binding.channelTake(handle, meta, false)).toBeUndefined();
    } finally {
      for (const fd of [shmFd, hostFd, workerFd]) binding.closeFd(fd);
      binding.channelClose(handle);
    }
    expect(() => binding.closeFd(shmFd)).toThrow(/closeFd\(\d+\): Bad file descriptor/);
  });
});
