// End-to-end behaviour of the C SDK's runtime with our example executables,
// driven through csdk/test/host_harness.c (real region, real socket, real
// frames; the harness waits for doorbells instead of spinning) and through
// the C floor benchmark (which spins).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHarness,
  buildPingpong,
  ensureSdk,
  examplesDir,
  hasTool,
  results,
  run,
  runHarness,
  sdk,
  sdkLib,
  tempDir,
  type HarnessEvent,
} from './fixtures/csdk-build';

const canRun = hasTool('cc') && process.platform === 'linux';
let dir = '';
let harness = '';
const ex = (name: string) => join(examplesDir, name);
const exitOf = (events: HarnessEvent[]) => events.find((e) => e.event === 'exit');
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(() => {
  if (!canRun) return;
  ensureSdk();
  dir = tempDir('csdk-runtime-');
  harness = buildHarness(dir);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('C SDK runtime with the example executables', () => {
  it('echo returns every payload byte for byte, from 0 bytes to 6 MiB', () => {
    const sizes = [0, 1, 63, 4096, 65536, 1 << 20, 6 * 1024 * 1024];
    const events = runHarness(harness, ex('echo'), [
      'invoke - hello world',
      ...sizes.map((n) => `invokelen - ${n}`),
      'sigterm',
    ]);
    const res = results(events);
    expect(res[0]).toMatchObject({ status: 0, payload: 'hello world' });
    expect(res.slice(1).map((r) => [r.len, r.match, r.id === r.expected_id])).toEqual(
      sizes.map((n) => [n, true, true]),
    );
    expect(events.find((e) => e.event === 'hello')).toMatchObject({
      state: 1,
      sdk_version: expect.stringContaining('nanolambda'),
    });
    expect(exitOf(events)).toMatchObject({ code: 0, signal: 0 });
  });

  it('counter keeps its state across invocations of a warm worker', () => {
    const events = runHarness(harness, ex('counter'), ['invoke - a', 'invoke - b', 'invoke - c', 'shutdown']);
    expect(results(events).map((r) => r.payload)).toEqual(['1', '2', '3']);
    expect(exitOf(events)).toMatchObject({ code: 0, signal: 0 });
  });

  it('invokee answers, and reports an empty payload as a handled error', () => {
    const events = runHarness(harness, ex('invokee'), ['invoke - bob', 'invoke - ', 'close']);
    const [ok, bad] = results(events);
    expect(ok).toMatchObject({ status: 0, payload: 'hello bob' });
    expect(bad).toMatchObject({ status: 1, payload: expect.stringContaining('empty payload') });
    // With the host gone the worker exits quietly.
    expect(exitOf(events)).toMatchObject({ code: 0, signal: 0 });
  });

  it.each([
    ['segv', { code: -1, signal: 11 }],
    ['abort', { code: -1, signal: 6 }],
    ['exit', { code: 3, signal: 0 }],
  ])('crasher "%s" dies inside the handler with busy_id set', (payload, how) => {
    const events = runHarness(harness, ex('crasher'), ['invoke - fine', `invoke - ${payload}`]);
    expect(results(events)).toHaveLength(1);
    expect(events.find((e) => e.event === 'eof')).toMatchObject({ busy_id: 2 });
    expect(exitOf(events)).toMatchObject(how);
  });

  it('hanger stays busy (busy_id) until killed, after logging in the gg_log format', () => {
    const log = join(dir, 'hanger.log');
    const events = runHarness(harness, ex('hanger'), ['invoke - x', 'kill'], {
      log,
      env: { HARNESS_RESULT_TIMEOUT_MS: '500' },
    });
    expect(events.find((e) => e.event === 'timeout')).toMatchObject({ busy_id: 1 });
    expect(exitOf(events)).toMatchObject({ signal: 9 });
    expect(readFileSync(log, 'utf8')).toMatch(
      /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\]\[INFO\]-hanger: sleeping forever\n$/,
    );
  });

  it('publisher takes the topic from the client context, then PUBLISH_TOPIC', () => {
    const ctx = b64(JSON.stringify({ custom: { topic: 'from/context' } }));
    const events = runHarness(harness, ex('publisher'), [`invoke ${ctx} hello`, 'invoke - abc', 'sigterm'], {
      env: { PUBLISH_TOPIC: 'from/env' },
    });
    const reqs = events.filter((e) => e.event === 'request');
    expect(reqs).toMatchObject([
      { call: 'publish', topic: 'from/context', payload: 'hello', policy: 0 },
      { call: 'publish', topic: 'from/env', payload: 'abc', policy: 0 },
    ]);
    expect(results(events).map((r) => r.payload)).toEqual([
      'published 5 bytes to from/context',
      'published 3 bytes to from/env',
    ]);
  });

  it('publisher with an empty topic fails with a handled error (the SDK refuses it)', () => {
    const events = runHarness(harness, ex('publisher'), ['invoke - x', 'sigterm'], { env: { PUBLISH_TOPIC: '' } });
    expect(results(events)[0]).toMatchObject({ status: 1 });
  });

  it('invoker relays the invokee response and reports HANDLED/UNHANDLED', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:invokee:1';
    const ok = runHarness(harness, ex('invoker'), ['invoke - hi', 'sigterm'], { env: { INVOKEE_ARN: arn } });
    expect(ok.find((e) => e.event === 'request')).toMatchObject({ call: 'invoke', arn, event_type: 0, payload: 'hi' });
    expect(results(ok)[0]).toMatchObject({ status: 0, payload: `invoked ${arn} event=0: hi` });

    const handled = runHarness(harness, ex('invoker'), ['invoke - hi', 'sigterm'], {
      env: { INVOKEE_ARN: arn, HARNESS_INVOKE_STATUS: '1' },
    });
    expect(results(handled)[0]).toMatchObject({ status: 1, payload: `HANDLED: invoked ${arn} event=0: hi` });

    const unhandled = runHarness(harness, ex('invoker'), ['invoke - hi', 'sigterm'], {
      env: { INVOKEE_ARN: arn, HARNESS_INVOKE_STATUS: '2', INVOKE_TYPE: 'event' },
    });
    expect(unhandled.find((e) => e.event === 'request')).toMatchObject({ event_type: 1 });
    expect(results(unhandled)[0]).toMatchObject({ status: 1, payload: expect.stringMatching(/^UNHANDLED: /) });
  });

  it('allocator touches the memory it is asked for', () => {
    const events = runHarness(harness, ex('allocator'), ['invoke - 16', 'sigterm']);
    expect(results(events)[0]).toMatchObject({ status: 0, payload: '16' });
  });
});

describe.skipIf(!canRun)('C SDK runtime: an idle worker', () => {
  type Threads = { tid: number; voluntary: number }[];
  const threadsOf = (e: HarnessEvent | undefined) => (e?.threads ?? []) as Threads;

  // The runtime sleeps on the request ring's waiting flag with no timeout:
  // a SIGTERM must still end it at once, whichever thread the signal lands
  // on (the sleeping one included: its restarted wait sees the cleared flag).
  it('exits within 200 ms of SIGTERM or Shutdown while asleep', () => {
    for (let i = 0; i < 5; i++) {
      const stop = i === 4 ? 'shutdown' : 'sigterm';
      const cmds = i % 2 === 0 ? ['sleep 150', stop] : ['invoke - warm', 'sleep 150', stop];
      const events = runHarness(harness, ex('echo'), cmds);
      const exit = exitOf(events);
      expect(exit).toMatchObject({ code: 0, signal: 0 });
      expect(exit?.ms as number).toBeGreaterThanOrEqual(0);
      expect(exit?.ms as number).toBeLessThan(200);
    }
  });

  it('makes no wakeups while idle (voluntary context switches stay put)', () => {
    const events = runHarness(harness, ex('echo'), ['invoke - warm', 'sleep 200', 'ctxsw', 'sleep 1500', 'ctxsw', 'sigterm']);
    const [before, after] = events.filter((e) => e.event === 'ctxsw');
    const pid = before.pid as number;
    const a = threadsOf(before);
    const b = threadsOf(after);
    // The runtime loop of gg_runtime_start(handler, 0) is the main thread.
    expect(a.map((t) => t.tid)).toContain(pid);
    for (const t of a) expect(t.voluntary).toBeGreaterThanOrEqual(0);
    expect(b).toEqual(a);
    expect(exitOf(events)).toMatchObject({ code: 0, signal: 0 });
  });
});

describe.skipIf(!canRun)('C SDK results: size limit and writes from other threads', () => {
  let fixture = '';
  beforeAll(() => {
    if (!canRun) return;
    fixture = join(dir, 'response_limits');
    run('cc', [
      '-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-D_GNU_SOURCE', `-I${join(sdk, 'include')}`,
      join(__dirname, 'fixtures', 'response_limits.c'), '-o', fixture,
      `-L${sdkLib}`, '-laws-greengrass-core-sdk-c', '-lpthread', `-Wl,-rpath,${sdkLib}`,
    ]);
  });

  it('a response above 6 MiB + 100 bytes is an error (status 2 with the size), not an empty success', () => {
    const limit = 6 * 1024 * 1024 + 100;
    const log = join(dir, 'limits.log');
    const events = runHarness(harness, fixture, [`invoke - big ${limit}`, `invoke - big ${limit + 1}`, 'invoke - big 7340032', 'sigterm'], { log });
    const res = results(events);
    expect(res.map((r) => [r.id === r.expected_id, r.status, r.len])).toEqual([
      [true, 0, limit],
      [true, 2, String(limit + 1).length],
      [true, 2, 7],
    ]);
    expect(res[1].payload).toBe(String(limit + 1));
    expect(res[2].payload).toBe('7340032');
    // GGE_INVALID_PARAMETER (2) for the oversized write; it was the result,
    // so the error after it is refused with GGE_INVALID_STATE (3).
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      `big ${limit}: response=0 error=3`,
      `big ${limit + 1}: response=2 error=3`,
      'big 7340032: response=2 error=3',
    ]);
    expect(exitOf(events)).toMatchObject({ code: 0, signal: 0 });
  });

  it('a write from another thread after the invocation ended is refused, and never answers another id', () => {
    const late = runHarness(harness, fixture, ['invoke - late', 'sleep 300', 'invoke - report', 'sigterm']);
    expect(results(late).map((r) => [r.id === r.expected_id, r.status, r.payload])).toEqual([
      [true, 0, ''],
      [true, 0, 'late=3'], // GGE_INVALID_STATE
    ]);
    // A thread racing the end of the handler: its write is that
    // invocation's result, or refused; every result carries its own id.
    const n = 300;
    const raced = results(runHarness(harness, fixture, [...Array.from({ length: n }, () => 'invoke - race'), 'sigterm']));
    expect(raced).toHaveLength(n);
    for (const r of raced) {
      expect(r.id).toBe(r.expected_id);
      expect(r.status).toBe(0);
      expect(['', 'T']).toContain(r.payload);
    }
  });
});

describe.skipIf(!canRun)('C floor benchmark', () => {
  it('round-trips every size correctly and the worker exits 0 on SIGTERM', () => {
    const pingpong = buildPingpong(dir);
    const r = spawnSync(pingpong, ['--iterations', '200', '--warmup', '10', '--lib', sdkLib, ex('echo')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.bytes)).toEqual([0, 64, 4096, 65536, 1048576]);
    for (const l of lines) {
      expect(l.case).toBe('c-floor');
      expect(l.p50_us).toBeGreaterThan(0);
      expect(l.p99_us).toBeGreaterThanOrEqual(l.p50_us);
      expect(l.ops_per_s).toBeGreaterThan(0);
    }
  });
});
