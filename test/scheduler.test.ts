// The scheduler end to end: on-demand pools (MaxInstances, reuse, MinWarm,
// MaxIdleTime, the runtime-wide budget), the pinned lifecycle (started first,
// FIFO, crash and timeout in the middle of a queue), backpressure and
// shutdown. Real processes running test/fixtures/probe.c.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NanolambdaError } from '../src/errors';
import type { PublishEvent } from '../src/messaging/message-bus';
import { Runtime } from '../src/runtime';
import { signedPost } from './helpers/signed-fetch';
import { ARN_PREFIX, buildExecutable, ensureSdk, examplesDir, tempDir, writeGroup, type TestFunction } from './helpers/sdk';
import { waitFor } from './helpers/wait';

let probe: string;
const running: Runtime[] = [];

beforeAll(() => {
  ensureSdk();
  probe = buildExecutable(path.join(__dirname, 'fixtures', 'probe.c'), tempDir('probe-build'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((runtime) => runtime.stop()));
});

async function start(functions: Array<Omit<TestFunction, 'executable'>>, nanolambda: Record<string, unknown> = {}): Promise<{ runtime: Runtime; dir: string }> {
  const dir = tempDir('scheduler');
  const group = writeGroup(dir, functions.map((f) => ({ executable: probe, ...f })), [], nanolambda);
  const runtime = await Runtime.start({ group, http: false });
  running.push(runtime);
  return { runtime, dir };
}

/** "pid=1 count=2 tag=x" -> fields. */
function answer(payload: Buffer): { pid: number; count: number; tag: string } {
  const m = /^pid=(\d+) count=(\d+) tag=(.*)$/.exec(payload.toString());
  if (!m) throw new Error(`unexpected answer ${JSON.stringify(payload.toString())}`);
  return { pid: Number(m[1]), count: Number(m[2]), tag: m[3]! };
}

function poolOf(runtime: Runtime, name: string) {
  return runtime.poolFor(runtime.registry.resolve(name).fn);
}

function recorded(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('on-demand functions', () => {
  it('runs N parallel invocations on exactly MaxInstances workers', async () => {
    const { runtime } = await start([{ name: 'wide', maxInstances: 3 }]);
    const pool = poolOf(runtime, 'wide');
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, pool.workers.length)), 1);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => runtime.invoke('wide', `t${i} sleep=150`)));
    clearInterval(watch);
    const pids = new Set(results.map((r) => answer(r.payload).pid));
    expect(results.every((r) => r.functionError === undefined)).toBe(true);
    expect(pids.size).toBe(3);
    expect(most).toBe(3);
  });

  it('reuses a warm worker: state outside the handler survives', async () => {
    const { runtime } = await start([{ name: 'warm', maxInstances: 1 }]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(answer((await runtime.invoke('warm', `w${i}`)).payload));
    expect(answers.map((a) => a.count)).toEqual([1, 2, 3, 4]);
    expect(new Set(answers.map((a) => a.pid)).size).toBe(1);
  });

  it('pre-starts MinWarm workers, reaps idle ones after MaxIdleTime but never below MinWarm', async () => {
    const { runtime } = await start([{ name: 'kept', maxInstances: 4, settings: { MinWarm: 2, MaxIdleTimeInSeconds: 1 } }]);
    const pool = poolOf(runtime, 'kept');
    // Started before any invocation.
    await waitFor(() => pool.workers.filter((w) => w.state === 'ready').length === 2, 10_000, 'two warm workers are ready');
    const warmPids = new Set(pool.workers.map((w) => w.pid));
    const first = answer((await runtime.invoke('kept', 'first')).payload);
    expect(warmPids.has(first.pid)).toBe(true);
    // Four at once: two more workers start.
    await Promise.all(Array.from({ length: 4 }, (_, i) => runtime.invoke('kept', `b${i} sleep=100`)));
    expect(pool.workers.length).toBe(4);
    await waitFor(() => pool.workers.length === 2, 8000, 'idle workers beyond MinWarm are reaped');
    // And it stays at two.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(pool.workers.length).toBe(2);
  });

  it('stops an idle worker after MaxIdleTimeInSeconds; the next invocation starts a fresh one', async () => {
    const { runtime } = await start([{ name: 'idle', settings: { MaxIdleTimeInSeconds: 1 } }]);
    const pool = poolOf(runtime, 'idle');
    const before = answer((await runtime.invoke('idle', 'a')).payload);
    await waitFor(() => pool.workers.length === 0, 8000, 'the idle worker is reaped');
    const after = answer((await runtime.invoke('idle', 'b')).payload);
    expect(after.pid).not.toBe(before.pid);
    expect(after.count).toBe(1);
  });

  it('keeps all functions within MaxConcurrentWorkers and frees idle workers of others', async () => {
    const { runtime } = await start(
      [
        { name: 'left', maxInstances: 3 },
        { name: 'right', maxInstances: 3 },
      ],
      { Runtime: { MaxConcurrentWorkers: 2 } },
    );
    const left = poolOf(runtime, 'left');
    const right = poolOf(runtime, 'right');
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, left.workers.length + right.workers.length)), 1);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runtime.invoke(i % 2 ? 'left' : 'right', `c${i} sleep=100`)),
    );
    clearInterval(watch);
    expect(results.every((r) => r.functionError === undefined)).toBe(true);
    expect(most).toBeLessThanOrEqual(2);
    // Left takes both slots; then right needs two workers: left's idle ones
    // must make room.
    // Long enough that the second waits for right's worker to go, not for the first to finish.
    await Promise.all([runtime.invoke('left', 'l1 sleep=1000'), runtime.invoke('left', 'l2 sleep=1000')]);
    expect(left.workers.length).toBe(2);
    const both = await Promise.all([runtime.invoke('right', 'r1 sleep=1000'), runtime.invoke('right', 'r2 sleep=1000')]);
    expect(new Set(both.map((r) => answer(r.payload).pid)).size).toBe(2);
    expect(left.workers.length + right.workers.length).toBeLessThanOrEqual(2);
  });

  it('a function waiting for the last slot gets it as soon as the holder goes idle', async () => {
    const { runtime } = await start([{ name: 'first' }, { name: 'second' }], { Runtime: { MaxConcurrentWorkers: 1 } });
    const holder = runtime.invoke('first', 'a sleep=300');
    await waitFor(() => poolOf(runtime, 'first').workers.length === 1, 10_000, 'first holds the only slot');
    const waiter = runtime.invoke('second', 'b');
    const [a, b] = await Promise.all([holder, waiter]);
    expect(answer(a.payload).tag).toBe('a');
    expect(answer(b.payload).tag).toBe('b');
    expect(poolOf(runtime, 'first').workers.length).toBe(0);
  });
});

describe('pinned functions', () => {
  it('starts its worker with the runtime; code outside the handler keeps running', async () => {
    const ticks: string[] = [];
    const { runtime } = await start([{ name: 'ticker', pinned: true, env: { PROBE_PUBLISH_TOPIC: 'probe/ticks' } }]);
    runtime.messages.on('publish', (event: PublishEvent) => {
      if (event.topic === 'probe/ticks') ticks.push(event.payload.toString());
    });
    const pool = poolOf(runtime, 'ticker');
    expect(pool.workers.length).toBe(1);
    await waitFor(() => ticks.length >= 5, 10_000, 'the function publishes from main without being invoked');
    expect(ticks.slice(0, 2)).toEqual(expect.arrayContaining([expect.stringMatching(/^tick \d+$/)]));
    // And it still answers invocations.
    expect(answer((await runtime.invoke('ticker', 'x')).payload).count).toBe(1);
  });

  it('runs queued invocations in FIFO order on its one worker', async () => {
    const dir = tempDir('fifo');
    const record = path.join(dir, 'record');
    const { runtime } = await start([{ name: 'serial', pinned: true, env: { PROBE_RECORD: record } }]);
    const done: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => runtime.invoke('serial', `${i} sleep=2`).then((r) => (done.push(i), r))),
    );
    const order = Array.from({ length: 30 }, (_, i) => String(i));
    expect(recorded(record)).toEqual(order);
    expect(done).toEqual(order.map(Number));
    expect(new Set(results.map((r) => answer(r.payload).pid)).size).toBe(1);
    expect(results.map((r) => answer(r.payload).count)).toEqual(order.map((n) => Number(n) + 1));
  });

  for (const failure of ['crash', 'hang'] as const) {
    it(`a ${failure} in the middle of a queue fails that invocation only: none lost, none run twice`, async () => {
      const dir = tempDir(`pinned-${failure}`);
      const record = path.join(dir, 'record');
      const { runtime } = await start([{ name: 'fragile', pinned: true, timeout: 1, env: { PROBE_RECORD: record } }]);
      const payloads = Array.from({ length: 12 }, (_, i) => (i === 5 ? `${i} ${failure}` : `${i} sleep=5`));
      const results = await Promise.all(payloads.map((p) => runtime.invoke('fragile', p)));
      results.forEach((result, i) => {
        if (i === 5) {
          expect(result.functionError).toBe('Unhandled');
          const error = JSON.parse(result.payload.toString());
          expect(error.errorType).toBe(failure === 'crash' ? 'Runtime.ExitError' : 'Sandbox.Timedout');
        } else {
          expect(result.functionError).toBeUndefined();
          expect(answer(result.payload).tag).toBe(String(i));
        }
      });
      // Each ran exactly once, in order; the worker was replaced after #5.
      expect(recorded(record)).toEqual(payloads.map((_, i) => String(i)));
      const before = answer(results[4]!.payload).pid;
      const after = answer(results[6]!.payload).pid;
      expect(after).not.toBe(before);
      expect(answer(results[6]!.payload).count).toBe(1);
    });
  }
});

describe('backpressure', () => {
  it('answers at once with TOO_MANY_REQUESTS when MaxQueueSize is reached', async () => {
    const { runtime } = await start([{ name: 'narrow', maxInstances: 1, settings: { MaxQueueSize: 2 } }]);
    let firstDone = false;
    const accepted = [
      runtime.invoke('narrow', 'a sleep=800').then((r) => ((firstDone = true), r)),
      runtime.invoke('narrow', 'b'),
      runtime.invoke('narrow', 'c'),
    ];
    const refused = await runtime.invoke('narrow', 'd').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(NanolambdaError.is(refused) && refused.code).toBe('TOO_MANY_REQUESTS');
    expect((refused as Error).message).toMatch(/MaxQueueSize 2/);
    // The refusal came while the first was still running: nothing waited for room.
    expect(firstDone).toBe(false);
    const results = await Promise.all(accepted);
    expect(results.map((r) => answer(r.payload).tag)).toEqual(['a', 'b', 'c']);
  });

  it('a full queue is GG_REQUEST_AGAIN for gg_invoke and 429 TooManyRequestsException over HTTP', async () => {
    const dir = tempDir('backpressure');
    const group = writeGroup(dir, [
      { name: 'busy', executable: probe, maxInstances: 1, settings: { MaxQueueSize: 1 } },
      { name: 'caller', executable: path.join(examplesDir, 'invoker'), env: { INVOKEE_ARN: `${ARN_PREFIX}busy:1` } },
    ]);
    const runtime = await Runtime.start({ group, http: { host: '127.0.0.1', port: 0 } });
    running.push(runtime);
    const held = [runtime.invoke('busy', 'a sleep=3000'), runtime.invoke('busy', 'b')];
    const viaSdk = await runtime.invoke('caller', 'c');
    expect(viaSdk.functionError).toBe('Handled');
    expect(JSON.parse(viaSdk.payload.toString()).errorMessage).toMatch(/^AGAIN: .*MaxQueueSize 1/);
    const { host, port } = runtime.httpAddress!;
    const response = await signedPost(`http://${host}:${port}/2015-03-31/functions/busy/invocations`, runtime.group.stateDir, 'd');
    expect(response.status).toBe(429);
    expect(response.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    await Promise.all(held);
  });
});

describe('shutdown', () => {
  it('lets in-flight and queued sync invocations finish, then stops every worker', async () => {
    const { runtime } = await start([{ name: 'finishing', maxInstances: 1 }], { Runtime: { ShutdownGraceSeconds: 5 } });
    const pool = poolOf(runtime, 'finishing');
    const inFlight = runtime.invoke('finishing', 'a sleep=300');
    const queued = runtime.invoke('finishing', 'b sleep=100');
    await waitFor(() => pool.workers.length === 1 && pool.queued === 1, 10_000, 'the first is running');
    const pid = pool.workers[0]!.pid!;
    const stopping = runtime.stop();
    await expect(runtime.invoke('finishing', 'late')).rejects.toMatchObject({ code: 'RUNTIME_STOPPED' });
    const [a, b] = await Promise.all([inFlight, queued]);
    expect(answer(a.payload).tag).toBe('a');
    expect(answer(b.payload).tag).toBe('b');
    await stopping;
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('fails what did not finish within ShutdownGraceSeconds', async () => {
    const { runtime } = await start([{ name: 'slow', maxInstances: 1, timeout: 30 }], { Runtime: { ShutdownGraceSeconds: 1 } });
    const pool = poolOf(runtime, 'slow');
    const hanging = runtime.invoke('slow', 'a hang');
    const queued = runtime.invoke('slow', 'b');
    await waitFor(() => pool.queued === 1, 10_000, 'the first is running');
    await runtime.stop();
    const [a, b] = await Promise.all([hanging, queued]);
    expect(a.functionError).toBe('Unhandled');
    expect(b.functionError).toBe('Unhandled');
    expect(JSON.parse(b.payload.toString()).errorType).toBe('Runtime.Stopped');
  });
});
