#!/usr/bin/env node
// The scaling benchmark: how throughput, latency and cost grow as a group
// gets more functions, a function gets more workers, and payloads get larger.
// The C echo example through the TypeScript API (runtime.invoke), three sweeps:
//   functions  1..32 echo functions (MaxInstances 1 each), a fixed window of
//              invocations in flight spread over them round robin;
//   workers    one echo function with MaxInstances 1..16, a window larger than
//              the largest count so every worker has work;
//   payload    0 B .. 6 MiB, one in flight and a window, MaxInstances 1.
// Every point is a closed loop (each lane sends its next invocation when its
// last one answers) in its own fresh runtime: warm up, then measure for a
// fixed time. The points of a sweep are measured in rounds, in a rotating
// order, so machine noise hits them alike; the rounds' samples are merged.
// Figures per point: invocations/s, p50/p99/max latency, the Node process's
// CPU per invocation (runtime and this driver: they share the process), the
// workers' CPU per invocation (/proc/<pid>/schedstat), RSS of both. Each
// sweep ends with a fitted slope saying how cost grows. It asserts nothing.
//
//   node bench/scaling.js [--quick] [--smoke] [--json FILE]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Runtime } = require('../dist/index.js');
const { LatencyHistogram } = require('../dist/bench/histogram.js');
const { ECHO, KiB: KIB, MiB: MIB, benchOptions, scratchDir, runCase, sizeLabel, writeJson } = require('./common.js');
const { functionGroup, identityOf } = require('./function-group.js');
const { rssKb, cpuNs } = require('./proc.js');

const { quick, smoke, jsonOut } = benchOptions();

/** Rounds per sweep, warm-up and measured time per point and round. */
const PLAN = smoke
  ? { rounds: 1, warmupMs: 40, measureMs: 120 }
  : quick
    ? { rounds: 2, warmupMs: 150, measureMs: 600 }
    : { rounds: 4, warmupMs: 400, measureMs: 2500 };
/** A point's latency percentiles need a few samples even when each invocation is slow (6 MiB). */
const MIN_SAMPLES = smoke ? 10 : 50;
const SMALL_PAYLOAD = 64;
const FUNCTIONS_WINDOW = 32;
const WORKERS_WINDOW = 32;
const PAYLOAD_WINDOWS = [1, 8];

const SWEEPS = [
  {
    name: 'functions',
    points: [1, 2, 4, 8, 16, 32].map((n) => ({ x: n, functions: n, maxInstances: 1, window: FUNCTIONS_WINDOW, bytes: SMALL_PAYLOAD })),
  },
  {
    name: 'workers',
    points: [1, 2, 4, 8, 16].map((n) => ({ x: n, functions: 1, maxInstances: n, window: WORKERS_WINDOW, bytes: SMALL_PAYLOAD })),
  },
  {
    name: 'payload',
    points: PAYLOAD_WINDOWS.flatMap((window) =>
      [0, 64, KIB, 16 * KIB, 256 * KIB, MIB, 6 * MIB].map((bytes) => ({ x: bytes, functions: 1, maxInstances: 1, window, bytes })),
    ),
  },
];

const scratch = scratchDir('scaling');
let runs = 0;

function caseName(sweep, p) {
  if (sweep === 'functions') return `functions-${p.functions}`;
  if (sweep === 'workers') return `workers-${p.maxInstances}`;
  return `payload-${sizeLabel(p.bytes, '')}-${p.window}-in-flight`;
}

/** The group: `functions` copies of the echo executable, echo-0 .. echo-(n-1), each MaxInstances `maxInstances`. */
function scalingGroup(point, dir, asRoot) {
  const functions = Array.from({ length: point.functions }, (_, i) => ({ name: `echo-${i}`, settings: { MaxInstances: point.maxInstances } }));
  // Room for every worker of the largest point (32 functions, 16 workers).
  return functionGroup(functions, { dir, timeout: 30, asRoot, runtime: { MaxConcurrentWorkers: 64 } }, '<bench-scaling>');
}

/** Start a runtime for one point in a scratch directory of its own (its logs go with it). */
async function startPoint(point, asRoot) {
  const dir = path.join(scratch.dir, `run-${runs++}`);
  const runtime = await Runtime.start({ group: scalingGroup(point, dir, asRoot), http: false });
  return { runtime, dir, forget: scratch.onCleanup(() => runtime.stop()) };
}

async function stopPoint(run) {
  await run.runtime.stop();
  run.forget();
  fs.rmSync(run.dir, { recursive: true, force: true });
}

function workersOf(runtime, point) {
  const all = [];
  for (let i = 0; i < point.functions; i++) all.push(...runtime.poolFor(runtime.registry.resolve(`echo-${i}`).fn).workers);
  return all;
}

/** Worker pid → on-CPU ns now. */
function workerCpu(workers) {
  const cpu = new Map();
  for (const w of workers) {
    const pid = w.functionPid ?? w.pid;
    const ns = pid === undefined ? undefined : cpuNs(pid);
    if (ns !== undefined) cpu.set(pid, ns);
  }
  return cpu;
}

/**
 * The closed loop: `window` lanes, each invoking the next function round
 * robin as soon as its previous invocation answered, until `ms` have passed
 * and at least `minCount` answered. Latencies go to `histogram` (if any).
 */
async function closedLoop(runtime, names, payload, window, ms, minCount, histogram) {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const end = start + ms;
  const lane = async () => {
    while (performance.now() < end || done < minCount) {
      const name = names[next++ % names.length];
      const t0 = performance.now();
      const r = await runtime.invoke(name, payload);
      const t1 = performance.now();
      if (r.functionError !== undefined || r.payload.length !== payload.length) {
        throw new Error(`${name} failed (${r.functionError ?? `${r.payload.length} bytes back for ${payload.length}`}): ${Buffer.from(r.payload).toString().slice(0, 300)}`);
      }
      histogram?.record((t1 - t0) * 1e6);
      done++;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { n: done, seconds: (performance.now() - start) / 1000 };
}

/** What the rounds of one point add up to. */
function newTally(sweep, point) {
  return { sweep, point, histogram: new LatencyHistogram(), n: 0, seconds: 0, runtimeCpuUs: 0, workerCpuNs: 0, runtimeRssKb: [], workersRssKb: [], workers: 0 };
}

/** One round of one point: a fresh runtime, warm-up, the measured loop. */
async function measureRound(tally, asRoot) {
  const { point } = tally;
  const run = await startPoint(point, asRoot);
  try {
    const names = Array.from({ length: point.functions }, (_, i) => `echo-${i}`);
    const payload = Buffer.alloc(point.bytes, 0x73);
    // Warm-up starts the workers (as many as the window makes the pools want) and the JIT.
    await closedLoop(run.runtime, names, payload, point.window, PLAN.warmupMs, point.window, undefined);
    const workers = workersOf(run.runtime, point);
    const cpu0 = process.cpuUsage();
    const workers0 = workerCpu(workers);
    const { n, seconds } = await closedLoop(run.runtime, names, payload, point.window, PLAN.measureMs, MIN_SAMPLES, tally.histogram);
    const cpu = process.cpuUsage(cpu0);
    // A worker started during the measurement counts from 0, one that left is not counted.
    const after = workersOf(run.runtime, point);
    for (const [pid, ns] of workerCpu(after)) tally.workerCpuNs += ns - (workers0.get(pid) ?? 0);
    tally.n += n;
    tally.seconds += seconds;
    tally.runtimeCpuUs += cpu.user + cpu.system;
    tally.runtimeRssKb.push(rssKb(process.pid));
    tally.workersRssKb.push(after.reduce((sum, w) => sum + rssKb(w.functionPid ?? w.pid), 0));
    tally.workers = Math.max(tally.workers, after.length);
  } finally {
    await stopPoint(run);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (v, digits) => +v.toFixed(digits);

function summarize(tally) {
  const { sweep, point, histogram } = tally;
  const opsPerS = tally.n / tally.seconds;
  const row = {
    case: caseName(sweep, point),
    sweep,
    x: point.x,
    functions: point.functions,
    max_instances: point.maxInstances,
    window: point.window,
    bytes: point.bytes,
    workers: tally.workers,
    n: tally.n,
    seconds: round(tally.seconds, 3),
    ops_per_s: Math.round(opsPerS),
    mb_per_s: round((opsPerS * point.bytes) / 1e6, 2),
    p50_us: round(histogram.quantileNs(0.5) / 1000, 2),
    p99_us: round(histogram.quantileNs(0.99) / 1000, 2),
    max_us: round(histogram.maxNs / 1000, 2),
    runtime_cpu_us_per_op: round(tally.runtimeCpuUs / tally.n, 3),
    workers_cpu_us_per_op: round(tally.workerCpuNs / 1000 / tally.n, 3),
    runtime_rss_kb: median(tally.runtimeRssKb),
    workers_rss_kb: median(tally.workersRssKb),
  };
  // Wall time per invocation per KiB carried (each way): the cost of a byte at
  // this window. Below 1 KiB the fixed cost of an invocation would swamp it.
  if (point.bytes >= KIB) row.us_per_kib = round(1e6 / opsPerS / (point.bytes / KIB), 4);
  process.stderr.write(`# ${JSON.stringify(row)}\n`);
  return row;
}

/** Least-squares slope of y on x. */
function slope(xs, ys) {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The log-log slope: how y grows with x (1 = proportionally, 0 = not at all). */
const logSlope = (xs, ys) => slope(xs.map(Math.log), ys.map(Math.log));

/** A log-log slope in words. */
function growth(b) {
  if (b < -0.15) return 'falls';
  if (b < 0.15) return 'stays about flat';
  if (b < 0.8) return 'grows sub-linearly';
  if (b <= 1.2) return 'grows ~linearly';
  return 'grows faster than linearly';
}

const fmt = (v) => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(+v.toPrecision(3)));

function fitFunctions(rows) {
  const xs = rows.map((r) => r.x);
  const p99 = logSlope(xs, rows.map((r) => r.p99_us));
  const ops = logSlope(xs, rows.map((r) => r.ops_per_s));
  const perFn = slope(xs, rows.map((r) => r.p99_us));
  const cpu = slope(xs, rows.map((r) => r.runtime_cpu_us_per_op + r.workers_cpu_us_per_op));
  const [a, z] = [rows[0], rows[rows.length - 1]];
  return {
    case: 'fit-functions',
    sweep: 'functions',
    p99_log_slope: round(p99, 3),
    ops_log_slope: round(ops, 3),
    p99_us_per_function: round(perFn, 3),
    cpu_us_per_op_per_function: round(cpu, 4),
    sentence:
      `With ${a.window} in flight spread over ${a.x} to ${z.x} functions, p99 ${growth(p99)} with the number of functions ` +
      `(log-log slope ${p99.toFixed(2)}: ${fmt(a.p99_us)} → ${fmt(z.p99_us)} µs, ${fmt(perFn)} µs per added function) and throughput ${growth(ops)} ` +
      `(slope ${ops.toFixed(2)}: ${fmt(a.ops_per_s)} → ${fmt(z.ops_per_s)}/s); CPU per invocation (runtime + workers) changes by ${fmt(cpu * 1000)} ns per added function.`,
  };
}

/**
 * Where adding workers stops helping: the smallest count within 10% of the
 * best throughput (more workers can add at most 10%). Comparing each point
 * with the best, not with its neighbour, keeps one noisy point from moving it.
 */
function kneeOf(rows) {
  const best = Math.max(...rows.map((r) => r.ops_per_s));
  return rows.find((r) => r.ops_per_s >= best * 0.9);
}

function fitWorkers(rows, cpus) {
  const xs = rows.map((r) => r.x);
  const ops = logSlope(xs, rows.map((r) => r.ops_per_s));
  const p99 = logSlope(xs, rows.map((r) => r.p99_us));
  const knee = kneeOf(rows);
  const best = rows.reduce((a, b) => (b.ops_per_s > a.ops_per_s ? b : a));
  const last = rows[rows.length - 1];
  return {
    case: 'fit-workers',
    sweep: 'workers',
    cpus,
    ops_log_slope: round(ops, 3),
    p99_log_slope: round(p99, 3),
    knee_workers: knee.x,
    best_workers: best.x,
    sentence:
      `On this ${cpus}-CPU machine adding workers stops helping at ${knee.x} worker(s) (more add at most 10% throughput): ` +
      `the most throughput was ${fmt(best.ops_per_s)}/s with ${best.x}, ${fmt(last.ops_per_s)}/s with ${last.x}; over the sweep throughput ${growth(ops)} ` +
      `(log-log slope ${ops.toFixed(2)}) and p99 ${growth(p99)} (slope ${p99.toFixed(2)}) with ${rows[0].window} in flight.`,
  };
}

function fitPayload(rows) {
  const fits = PAYLOAD_WINDOWS.map((window) => {
    // From 1 KiB up the per-byte cost dominates; below it the fixed cost hides it.
    const big = rows.filter((r) => r.window === window && r.bytes >= KIB);
    const kib = big.map((r) => r.bytes / KIB);
    const wallUs = big.map((r) => 1e6 / r.ops_per_s);
    return {
      window,
      p50_log_slope: round(logSlope(kib, big.map((r) => r.p50_us)), 3),
      p50_us_per_kib: round(slope(kib, big.map((r) => r.p50_us)), 4),
      wall_us_per_kib: round(slope(kib, wallUs), 4),
      best_mb_per_s: Math.max(...rows.filter((r) => r.window === window).map((r) => r.mb_per_s)),
    };
  });
  const words = fits.map((f) =>
    `at ${f.window} in flight p50 ${growth(f.p50_log_slope)} with payload size from 1 KiB (log-log slope ${f.p50_log_slope.toFixed(2)}), ` +
    `${fmt(f.p50_us_per_kib)} µs of p50 and ${fmt(f.wall_us_per_kib)} µs of wall time per invocation per added KiB, at best ${fmt(f.best_mb_per_s)} MB/s`);
  const sentence = `${words.join('; ')}.`;
  return { case: 'fit-payload', sweep: 'payload', fits, sentence: sentence[0].toUpperCase() + sentence.slice(1) };
}

function printTable(rows) {
  const cols = [
    ['case', 28, (r) => r.case],
    ['workers', 8, (r) => r.workers],
    ['ops/s', 10, (r) => r.ops_per_s],
    ['MB/s', 9, (r) => r.mb_per_s],
    ['p50 µs', 10, (r) => r.p50_us],
    ['p99 µs', 10, (r) => r.p99_us],
    ['rt cpu µs', 10, (r) => r.runtime_cpu_us_per_op],
    ['wk cpu µs', 10, (r) => r.workers_cpu_us_per_op],
    ['rt RSS kB', 10, (r) => r.runtime_rss_kb],
    ['wk RSS kB', 10, (r) => r.workers_rss_kb],
  ];
  console.log(cols.map(([h, w], i) => (i === 0 ? h.padEnd(w) : h.padStart(w))).join(''));
  for (const r of rows) console.log(cols.map(([, w, f], i) => (i === 0 ? String(f(r)).padEnd(w) : String(f(r) ?? '-').padStart(w))).join(''));
}

/** Whether the echo example answers as the default identity; else the bench runs it as root (and says so). */
async function chooseIdentity() {
  const probe = { functions: 1, maxInstances: 1 };
  for (const asRoot of [false, true]) {
    const run = await startPoint(probe, asRoot);
    try {
      const r = await run.runtime.invoke('echo-0', Buffer.from('probe'));
      if (r.functionError === undefined && Buffer.from(r.payload).toString() === 'probe') {
        return { asRoot, identity: identityOf(run.runtime, 'echo-0', asRoot) };
      }
      if (asRoot) throw new Error(`the echo example fails even as root: ${r.functionError}: ${Buffer.from(r.payload).toString().slice(0, 300)}`);
    } catch (error) {
      if (asRoot) throw error;
    } finally {
      await stopPoint(run);
    }
  }
  throw new Error('unreachable');
}

async function main() {
  if (!fs.existsSync(ECHO)) throw new Error(`${ECHO} is missing: build the SDK (npm run build:csdk) first`);
  const cpus = os.cpus().length;
  const { asRoot, identity } = await chooseIdentity();
  console.log(`functions run as ${identity}; ${PLAN.rounds} round(s) of ${PLAN.measureMs} ms per point after ${PLAN.warmupMs} ms warm-up; ${cpus} CPUs (${os.cpus()[0]?.model}), Linux ${os.release()}`);
  const results = [];
  for (const sweep of SWEEPS) {
    const tallies = sweep.points.map((p) => newTally(sweep.name, p));
    for (let r = 0; r < PLAN.rounds; r++) {
      for (let k = 0; k < tallies.length; k++) {
        const tally = tallies[(r + k) % tallies.length];
        process.stderr.write(`scaling: ${sweep.name} round ${r + 1}/${PLAN.rounds} ${caseName(sweep.name, tally.point)}\n`);
        await measureRound(tally, asRoot);
      }
    }
    const rows = tallies.map(summarize);
    results.push(...rows);
    const fit = sweep.name === 'functions' ? fitFunctions(rows) : sweep.name === 'workers' ? fitWorkers(rows, cpus) : fitPayload(rows);
    results.push(fit);
  }
  const points = results.filter((r) => r.ops_per_s !== undefined);
  console.log('');
  printTable(points);
  console.log('');
  for (const fit of results.filter((r) => r.sentence)) console.log(`${fit.sweep}: ${fit.sentence}`);
  console.log('');
  for (const r of results) console.log(JSON.stringify(r));
  writeJson(jsonOut, results, { cpus, identity, plan: { ...PLAN, minSamples: MIN_SAMPLES } });
}

runCase(scratch, main);
