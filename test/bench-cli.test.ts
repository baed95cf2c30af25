// `nanolambda bench` end to end: the built CLI against a real runtime (HTTP
// endpoint), in-process (--via api) and C-to-C (--via gg-invoke, the C bench
// invoker calling the C examples), its JSON, table and SVG, its refusals;
// and the bounded histogram its percentiles come from. Other runtime kinds:
// bench-cli-runtimes.test.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/bench/histogram';
import { groupWithInvoker } from '../src/bench/invoker-group';
import { decodeRoundResponse, encodeRoundRequest } from '../src/bench/invoker-wire';
import { Runtime } from '../src/runtime';
import type { BenchReport } from '../src/bench/report';
import { bin, cli as runCli, ensureBuilt, startCli, type Run, type StartedCli } from './helpers/cli';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

/** Processes under `root` (children, grandchildren, ...) whose command name is `comm`. */
function descendantsNamed(root: number, comm: string): number[] {
  const parents = new Map<number, { ppid: number; comm: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    parents.set(Number(entry), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) });
  }
  const under = (pid: number): boolean => {
    for (let p = parents.get(pid)?.ppid; p !== undefined && p > 1; p = parents.get(p)?.ppid) if (p === root) return true;
    return false;
  };
  return [...parents].filter(([pid, info]) => info.comm === comm && under(pid)).map(([pid]) => pid);
}

describe('the latency histogram', () => {
  it('answers percentiles within its 3% resolution, from 1 ns to minutes', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v * 1000); // 1 µs .. 100 ms, uniform
    expect(h.count).toBe(100_000);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = q * 100_000 * 1000;
      expect(Math.abs(h.quantileNs(q) - exact) / exact).toBeLessThan(0.03);
    }
    expect(h.maxNs).toBe(100_000_000);
    expect(h.quantileNs(1)).toBe(100_000_000);
    h.record(3);
    expect(h.quantileNs(1e-9)).toBe(3);
    h.record(600e9); // ten minutes: still counted
    expect(h.maxNs).toBe(600e9);
    expect(h.buckets().reduce((n, b) => n + b.count, 0)).toBe(100_002);
  });
});

/**
 * A run of `count` invocations of a fresh on-demand function that all
 * succeeded: a cold start that started its worker, ordered percentiles, and a
 * timeline holding every invocation.
 */
function expectCleanRun(report: BenchReport, count: number): void {
  expect(report.invocations).toBe(count);
  expect(report.coldStart).toMatchObject({ workerExisted: false, outcome: 'ok' });
  expect(report.coldStart.latencyUs).toBeGreaterThan(0);
  const l = report.latencyUs;
  expect(l.min).toBeGreaterThan(0);
  expect([l.min, l.p50, l.p90, l.p99, l.p999, l.max]).toEqual([l.min, l.p50, l.p90, l.p99, l.p999, l.max].sort((a, b) => a - b));
  expect(report.throughputPerS).toBeGreaterThan(0);
  expect(report.errors).toEqual({ functionErrors: 0, firstFunctionError: null, failedRequests: 0, firstFailedRequest: null });
  expect(report.timeline.reduce((n, s) => n + s.count, 0)).toBe(count);
}

const echo = path.join(examplesDir, 'echo');
let sdkMissing: string | undefined;
try {
  ensureSdk();
} catch (error) {
  sdkMissing = `the SDK and its examples could not be built: ${(error as Error).message}`;
}
if (sdkMissing === undefined && !fs.existsSync(echo)) sdkMissing = `${echo} is missing`;
if (sdkMissing) console.warn(`skipping the bench CLI tests: ${sdkMissing}`);

const functions = [
  { name: 'echo', executable: echo, maxInstances: 2 },
  { name: 'crasher', executable: path.join(examplesDir, 'crasher') },
];

describe.skipIf(sdkMissing !== undefined)('nanolambda bench', () => {
  let dir: string;
  let group: string;
  let started: StartedCli;

  const cli = (args: string[], timeoutMs = 60_000): Promise<Run> => runCli(args, { cwd: dir, timeoutMs });
  const json = (r: Run): BenchReport => {
    expect(r.stderr, r.stderr).not.toContain('unexpected error');
    return JSON.parse(r.stdout) as BenchReport;
  };

  beforeAll(async () => {
    ensureBuilt();
    dir = tempDir('bench-cli');
    group = writeGroup(dir, functions, [], { Http: { Host: '127.0.0.1', Port: 0 } });
    started = await startCli([group, '--port', '0'], dir);
  }, 120_000);

  afterAll(async () => {
    if (started === undefined) return;
    started.child.kill('SIGTERM');
    await started.exited;
  });

  it('drives a running runtime over HTTP and reports sane figures as JSON', async () => {
    const r = await cli(['bench', 'echo', group, '--endpoint', started.endpoint, '--count', '200', '--concurrency', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report).toMatchObject({ function: 'echo', via: 'http', payloadBytes: 64, load: { concurrency: 2 }, length: { count: 200 }, warmup: 10 });
    // A fresh runtime and an on-demand function: the first invocation started its worker.
    expectCleanRun(report, 200);
    if (!('workers' in report.memory)) throw new Error(`no memory figures: ${report.memory.unavailable}`);
    expect(report.memory.workers.length).toBeGreaterThanOrEqual(1);
    expect(report.memory.totalRssKb).toBeGreaterThan(0);
    expect(report.memory.maxPeakRssKb).toBeGreaterThanOrEqual(report.memory.workers[0]!.rssKb!);
  }, 90_000);

  it('finds the endpoint in the group file and says a worker existed on a second run', async () => {
    // The runtime was started with --port 0, so give the group's Http the port it took.
    const port = new URL(started.endpoint).port;
    const withPort = JSON.parse(fs.readFileSync(group, 'utf8')) as { Nanolambda: { Http: { Port: number } } };
    withPort.Nanolambda.Http.Port = Number(port);
    const sameGroup = path.join(dir, 'group-with-port.json');
    fs.writeFileSync(sameGroup, JSON.stringify({ ...withPort, Nanolambda: { ...withPort.Nanolambda, StateDir: path.join(dir, 'state') } }));
    const r = await cli(['bench', 'echo', sameGroup, '--count', '50', '--payload', '{"hello":1}', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.payloadBytes).toBe(11);
    expect(report.coldStart.workerExisted).toBe(true);
  }, 90_000);

  it('runs an open loop at a target rate and prints the table', async () => {
    const r = await cli(['bench', 'echo', group, '--endpoint', started.endpoint, '--rate', '400', '--count', '100', '--payload-size', '1000', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    for (const label of ['first invocation', 'throughput', 'latency p50', 'latency p99.9', 'latency max', 'function errors', 'failed requests', 'worker memory']) {
      expect(r.stdout).toContain(label);
    }
    expect(r.stdout).toContain('400/s target (open loop)');
    expect(r.stdout).toMatch(/invocations\s+100 in/);
    expect(r.stdout).toMatch(/worker memory\s+\d+ workers?, RSS/);
  }, 90_000);

  it('writes an SVG with the latency distribution and latency over time', async () => {
    const svg = path.join(dir, 'bench.svg');
    const r = await cli(['bench', 'echo', group, '--endpoint', started.endpoint, '--count', '300', '--svg', svg, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const text = fs.readFileSync(svg, 'utf8');
    expect(text.startsWith('<?xml')).toBe(true);
    const root = /<svg\b[^>]*>/.exec(text);
    expect(root?.[0]).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    const distribution = /<g id="latency-distribution">([\s\S]*?)<\/g>/.exec(text);
    const overTime = /<g id="latency-over-time">([\s\S]*?)<\/g>/.exec(text);
    expect(distribution?.[1]).toMatch(/<rect [^>]*fill="#4878a8"/);
    // Every measured invocation is one dot (fewer than the sample's capacity).
    expect(overTime?.[1]?.match(/<circle /g)?.length).toBe(300);
    // Balanced tags: each opened element is closed or self-closed.
    const opened = text.match(/<[a-z]+\b[^>]*[^/]>/g)!.filter((t) => !t.startsWith('<?')).length;
    const closed = text.match(/<\/[a-z]+>/g)!.length;
    expect(opened).toBe(closed);
    expect(json(r).invocations).toBe(300);
  }, 90_000);

  it('counts function errors apart from failed requests, with the first message, and exits 1', async () => {
    const r = await cli(['bench', 'crasher', group, '--endpoint', started.endpoint, '--payload', 'segv', '--count', '4', '--warmup', '0', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = json(r);
    expect(report.coldStart.outcome).toBe('function-error');
    expect(report.errors.functionErrors).toBe(4);
    expect(report.errors.failedRequests).toBe(0);
    expect(report.errors.firstFunctionError).toMatch(/SIGSEGV|segmentation/i);
  }, 90_000);

  it('exits 2 with the API message for a function that does not exist', async () => {
    const r = await cli(['bench', 'nope', group, '--endpoint', started.endpoint, '--count', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ResourceNotFoundException \(HTTP 404\): Function not found: \S*nope/);
    expect(r.stdout).toBe('');
  });

  it('drives the TS API in-process with --via api', async () => {
    const apiDir = tempDir('bench-cli-api');
    const apiGroup = writeGroup(apiDir, functions);
    const r = await runCli(['bench', 'echo', apiGroup, '--via', 'api', '--count', '200', '--concurrency', '4', '--json'], { cwd: apiDir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report).toMatchObject({ via: 'api', invocations: 200, coldStart: { workerExisted: false, outcome: 'ok' } });
    expect(report.latencyUs.p50).toBeLessThanOrEqual(report.latencyUs.p99);
    expect(report.throughputPerS).toBeGreaterThan(0);
    expect(report.errors.functionErrors + report.errors.failedRequests).toBe(0);
    if (!('workers' in report.memory)) throw new Error(`no memory figures: ${report.memory.unavailable}`);
    expect(report.memory.totalRssKb).toBeGreaterThan(0);

    const missing = await runCli(['bench', 'nope', apiGroup, '--via', 'api'], { cwd: apiDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope/);
  }, 90_000);

  it.each([
    [['--concurrency', '0'], "'--concurrency': '0' is not an integer from 1 to 10000"],
    [['--rate', '-5'], "'--rate': '-5' is not a number above 0"],
    [['--rate', 'fast'], "'--rate': 'fast' is not a number above 0"],
    [['--duration', '0'], "'--duration': '0' is not a number above 0"],
    [['--count', '10', '--duration', '3'], "options '--count' and '--duration' exclude each other"],
    [['--rate', '10', '--concurrency', '3'], "options '--concurrency' and '--rate' exclude each other"],
    [['--payload', 'a', '--payload-size', '3'], "options '--payload' and '--payload-size' exclude each other"],
    [['--payload-size', '7000000'], "'--payload-size': '7000000' is not an integer from 0 to 6291456"],
    [['--payload-file', '/nonexistent/p.bin'], "'--payload-file': cannot read '/nonexistent/p.bin'"],
    [['--via', 'carrier-pigeon'], "'--via': 'carrier-pigeon' is not one of http, api, gg-invoke"],
    [['--via', 'gg-invoke', '--endpoint', 'http://127.0.0.1:1'], "option '--endpoint' applies to --via http only"],
    [['--endpoint', 'ftp://x'], "'--endpoint': 'ftp://x': only http:// endpoints"],
    [['--warmups', '3'], "unknown option '--warmups'"],
    [['--via', 'gg-invoke', '--concurrency', '1001'], "option '--concurrency': 1001 is over 1000, the most callers --via gg-invoke runs"],
  ])('refuses %j, naming the option', async (extra, message) => {
    const r = await cli(['bench', 'echo', group, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses --via api and --via gg-invoke without a group file, and no function at all', async () => {
    const api = await cli(['bench', 'echo', '--via', 'api']);
    expect(api.code).toBe(2);
    expect(api.stderr).toContain("'--via api' starts the group in this process: name its group file");
    const gg = await cli(['bench', 'echo', '--via', 'gg-invoke']);
    expect(gg.code).toBe(2);
    expect(gg.stderr).toContain("'--via gg-invoke' starts the group in this process: name its group file");
    const none = await cli(['bench']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing <function>');
  });

  describe('--via gg-invoke (the C bench invoker calls the function with gg_invoke)', () => {
    let ggDir: string;
    let ggGroup: string;
    const gg = (args: string[]): Promise<Run> => runCli(['bench', ...args, '--via', 'gg-invoke'], { cwd: ggDir, timeoutMs: 90_000 });

    beforeAll(() => {
      ggDir = tempDir('bench-cli-gg');
      ggGroup = writeGroup(ggDir, functions);
    });

    it('times calls in C over several rounds and several invokers, reported as the other entry points are', async () => {
      // 2,500 calls: more than one round of the invoker's (1,000 at most), spread over 3 invokers.
      const r = await gg(['echo', ggGroup, '--count', '2500', '--concurrency', '3', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = json(r);
      expect(report).toMatchObject({ function: 'echo', via: 'gg-invoke', payloadBytes: 64, load: { concurrency: 3 }, length: { count: 2500 }, warmup: 10 });
      expect(report.target).toContain('C bench invoker');
      // The C end times are on the runtime's clock: every call lands in a second of the run, in order.
      expectCleanRun(report, 2500);
      const seconds = report.timeline.map((s) => s.second);
      expect(seconds).toEqual([...new Set(seconds)].sort((a, b) => a - b));
      expect(seconds[0]).toBeGreaterThanOrEqual(0);
      // The memory is the target's (echo, at most its 2 instances), not the invokers'.
      if (!('workers' in report.memory)) throw new Error(`no memory figures: ${report.memory.unavailable}`);
      expect(report.memory.workers.length).toBeGreaterThanOrEqual(1);
      expect(report.memory.workers.length).toBeLessThanOrEqual(2);
      expect(report.memory.totalRssKb).toBeGreaterThan(0);
    }, 120_000);

    it('runs an open loop on a schedule for a duration and prints the table', async () => {
      const r = await gg(['echo', ggGroup, '--rate', '200', '--duration', '1', '--payload', 'abc', '--no-progress']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/via\s+gg-invoke → gg_invoke from the C bench invoker/);
      expect(r.stdout).toContain('200/s target (open loop)');
      expect(r.stdout).toMatch(/invocations\s+[1-9][\d,]* in/);
      expect(r.stdout).toMatch(/failed requests\s+0/);
    }, 90_000);

    it('runs all --concurrency N invokers, so N target workers serve the run', async () => {
      // Four instances allowed: four callers at once need four workers.
      const wideDir = tempDir('bench-cli-gg-wide');
      const wide = writeGroup(wideDir, [{ name: 'echo', executable: echo, maxInstances: 4 }]);
      const r = await runCli(['bench', 'echo', wide, '--via', 'gg-invoke', '--count', '400', '--concurrency', '4', '--json'], { cwd: wideDir, timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
      const report = json(r);
      expect(report.invocations).toBe(400);
      expect(report.timeline.reduce((n, s) => n + s.count, 0)).toBe(400);
      if (!('workers' in report.memory)) throw new Error(`no memory figures: ${report.memory.unavailable}`);
      expect(report.memory.workers.length).toBe(4);
    }, 120_000);

    it('keeps calling at rates below one call per round', async () => {
      // 3/s: a call every 333 ms, more than a round's 250 ms.
      const counted = await gg(['echo', ggGroup, '--rate', '3', '--count', '4', '--warmup', '0', '--json']);
      expect(counted.code, counted.stderr).toBe(0);
      expect(json(counted).invocations).toBe(4);
      // 2/s for 1.2 s: calls due at 0, 0.5 and 1 s.
      const timed = await gg(['echo', ggGroup, '--rate', '2', '--duration', '1.2', '--warmup', '0', '--json']);
      expect(timed.code, timed.stderr).toBe(0);
      expect(json(timed).invocations).toBe(3);
    }, 90_000);

    it('stops the run with exit 2, naming the invoker, when a round of the C bench invoker fails', async () => {
      const child = spawn(process.execPath, [bin, 'bench', 'echo', ggGroup, '--via', 'gg-invoke', '--duration', '60', '--warmup', '0', '--json', '--no-progress'], { cwd: ggDir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        let invokers: number[] = [];
        await waitFor(() => (invokers = descendantsNamed(child.pid!, 'bench_invoker')).length > 0, 30_000, 'a bench_invoker process');
        // Past the first call: the measured run is under way.
        await sleep(1500);
        for (const pid of invokers) process.kill(pid, 'SIGKILL');
        expect(await exited, stderr).toBe(2);
        expect(stderr).toMatch(/--via gg-invoke: the run stopped because the C bench invoker (failed|could not be invoked)/);
        expect(stdout).toBe('');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }, 90_000);

    it('counts the target failing as function errors with its message, and exits 1', async () => {
      const r = await gg(['crasher', ggGroup, '--payload', 'segv', '--count', '3', '--warmup', '0', '--json']);
      expect(r.code, r.stderr).toBe(1);
      const report = json(r);
      expect(report.coldStart.outcome).toBe('function-error');
      expect(report.coldStart.message).toMatch(/SIGSEGV|segmentation/i);
      expect(report.invocations).toBe(3);
      expect(report.errors.functionErrors).toBe(3);
      expect(report.errors.failedRequests).toBe(0);
      expect(report.errors.firstFunctionError).toMatch(/SIGSEGV|segmentation/i);
      expect(report.latencyUs.min).toBeGreaterThan(0);
    }, 90_000);

    it('refuses an unknown target and a payload the invoker cannot pass on, naming them', async () => {
      const missing = await gg(['nope', ggGroup, '--count', '5']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--via gg-invoke: Function not found: \S*function:nope/);
      expect(missing.stdout).toBe('');
      const big = await gg(['echo', ggGroup, '--payload-size', '6291456']);
      expect(big.code).toBe(2);
      expect(big.stderr).toContain("option '--payload-size': 6291456 bytes is too large for --via gg-invoke");
      expect(big.stderr).toMatch(/at most 6291408 bytes to 'echo'/);
    }, 90_000);

    it('has a C invoker that refuses malformed requests, naming the field, and answers a good one', async () => {
      const wireDir = tempDir('bench-cli-gg-wire');
      const wireGroup = writeGroup(wireDir, [{ name: 'echo', executable: echo }, { name: 'hanger', executable: path.join(examplesDir, 'hanger'), timeout: 1 }]);
      const { group: withInvoker, invokerArn } = groupWithInvoker(wireGroup, 1);
      const runtime = await Runtime.start({ group: withInvoker, http: false });
      try {
        const round = { count: 2, intervalNs: 0n, firstDueNs: 0n, budgetNs: 0n, name: 'echo', qualifier: undefined, payload: Buffer.from('hi') };
        const good = encodeRoundRequest(round);
        const zeroCount = Buffer.from(good);
        zeroCount.writeUInt32LE(0, 4);
        const nulInName = Buffer.from(good);
        nulInName[44] = 0;
        const oldMagic = Buffer.from(good);
        oldMagic.write('NLB1', 0, 'latin1');
        // A name longer than the bytes after the header, and a payload length that makes the
        // three lengths' sum wrap a 32-bit size_t to the request's size (8 + 2^32 - 2 = 6).
        const wrapping = Buffer.from(good);
        wrapping.writeUInt32LE(8, 32);
        wrapping.writeUInt32LE(0xffff_fffe, 40);
        const day = 86_400_000_000_000n;
        const cases: Array<[Buffer, string]> = [
          [Buffer.alloc(0), 'does not start with the NLB2 header'],
          [Buffer.from('x'.repeat(100)), 'does not start with the NLB2 header'],
          [oldMagic, 'does not start with the NLB2 header'],
          [good.subarray(0, good.length - 1), 'lengths do not add up'],
          [wrapping, 'lengths do not add up'],
          [zeroCount, 'count must be from 1 to 100000'],
          [nulInName, 'must not contain NUL bytes'],
          [encodeRoundRequest({ ...round, firstDueNs: 5n }), 'first_due_ns must be 0 when interval_ns is 0'],
          [encodeRoundRequest({ ...round, intervalNs: 1n, firstDueNs: -9n * day }), 'first_due_ns must be within 8 days'],
          [encodeRoundRequest({ ...round, intervalNs: 9n * day }), 'interval_ns must be at most 8 days'],
          [encodeRoundRequest({ ...round, count: 100_000, intervalNs: day }), 'count * interval_ns spans more than 8 days'],
          [encodeRoundRequest({ ...round, budgetNs: 9n * day }), 'budget_ns must be at most 8 days'],
        ];
        for (const [request, message] of cases) {
          const result = await runtime.invoke(invokerArn, request);
          expect(result.functionError).toBe('Handled');
          expect(result.payload.toString()).toContain(message);
        }
        const answer = await runtime.invoke(invokerArn, good);
        expect(answer.functionError, answer.payload.toString()).toBeUndefined();
        const calls = decodeRoundResponse(answer.payload);
        expect(calls.map((c) => c.outcome.kind)).toEqual(['ok', 'ok']);
        for (const call of calls) expect(call.latencyNs).toBeGreaterThan(0n);

        // A caller far behind its schedule stops when the round's budget is spent, not when the
        // calls' due times reach it: hanger takes its 1 s Timeout per call, the budget is 1 ms.
        const late = await runtime.invoke(
          invokerArn,
          encodeRoundRequest({ ...round, name: 'hanger', count: 5, intervalNs: 1_000_000n, firstDueNs: -10_000_000_000n, budgetNs: 1_000_000n }),
        );
        expect(late.functionError, late.payload.toString()).toBeUndefined();
        const lateCalls = decodeRoundResponse(late.payload);
        expect(lateCalls.map((c) => c.outcome.kind)).toEqual(['function-error']);
        // Timed from its due time, 10 s before the round was received.
        expect(lateCalls[0]!.latencyNs).toBeGreaterThan(10_000_000_000n);
      } finally {
        await runtime.stop();
      }
    }, 90_000);
  });
});
