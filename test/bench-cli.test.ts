// `nanolambda bench` end to end: the built CLI against a real runtime (HTTP
// endpoint) and in-process (--via api), its JSON, table and SVG, its
// refusals; and the bounded histogram its percentiles come from.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/bench/histogram';
import type { BenchReport } from '../src/bench/report';
import { cli as runCli, ensureBuilt, startCli, type Run, type StartedCli } from './helpers/cli';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';

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
    expect(report.invocations).toBe(200);
    // A fresh runtime and an on-demand function: the first invocation started its worker.
    expect(report.coldStart).toMatchObject({ workerExisted: false, outcome: 'ok' });
    expect(report.coldStart.latencyUs).toBeGreaterThan(0);
    const l = report.latencyUs;
    expect(l.min).toBeGreaterThan(0);
    expect([l.min, l.p50, l.p90, l.p99, l.p999, l.max]).toEqual([l.min, l.p50, l.p90, l.p99, l.p999, l.max].sort((a, b) => a - b));
    expect(report.throughputPerS).toBeGreaterThan(0);
    expect(report.errors).toEqual({ functionErrors: 0, firstFunctionError: null, failedRequests: 0, firstFailedRequest: null });
    expect(report.timeline.reduce((n, s) => n + s.count, 0)).toBe(200);
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
    [['--via', 'gg-invoke'], "'gg-invoke' (C-to-C gg_invoke) is not supported yet"],
    [['--endpoint', 'ftp://x'], "'--endpoint': 'ftp://x': only http:// endpoints"],
    [['--warmups', '3'], "unknown option '--warmups'"],
  ])('refuses %j, naming the option', async (extra, message) => {
    const r = await cli(['bench', 'echo', group, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses --via api without a group file, and no function at all', async () => {
    const api = await cli(['bench', 'echo', '--via', 'api']);
    expect(api.code).toBe(2);
    expect(api.stderr).toContain("'--via api' starts the group in this process: name its group file");
    const none = await cli(['bench']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('missing <function>');
  });
});
