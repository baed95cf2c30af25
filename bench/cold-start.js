#!/usr/bin/env node
// The cold-start benchmark: what isolation costs when an invocation finds no
// worker. The echo example as three functions, NoContainer, GreengrassContainer
// (16 MB) and NoContainer with a 16 MB MemorySize; each round invokes every
// one of them cold (no worker: the invocation starts one), then once warm
// (the worker it just started), then stops that worker through its pool, so
// the next round is cold again. The cases alternate round by round, in a
// rotating order, so machine noise hits them alike. A cold start is the time
// of runtime.invoke() with a 64-byte payload, from the call to the response.
// Prints a table (targets from issue 4 beside it: met or missed) and JSON
// lines; it asserts nothing.
//
//   node bench/cold-start.js [--quick] [--json FILE]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Runtime } = require('../dist/index.js');
const { benchOptions, percentile } = require('./common.js');
const { parseGroup } = require('../dist/config/load-group.js');

const { quick, jsonOut } = benchOptions();
const root = path.resolve(__dirname, '..');
const ECHO = path.join(root, 'sdk', 'libexec', 'nanolambda', 'examples', 'echo');
const ROUNDS = quick ? 20 : 200;
const PAYLOAD = Buffer.alloc(64, 0x63);
const STOP_GRACE_MS = 2000;
const CASES = [
  { fn: 'cold-nocontainer', label: 'NoContainer', isolation: 'NoContainer', targetMs: 3 },
  { fn: 'cold-container', label: 'GreengrassContainer 16MB', isolation: 'GreengrassContainer', memoryKb: 16384, targetMs: 15 },
  { fn: 'cold-nocontainer-mem', label: 'NoContainer+MemorySize 16MB', isolation: 'NoContainer', memoryKb: 16384, targetMs: 3 },
];
const results = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-bench-cold-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The group: one function per case, the echo executable each; RunAs omitted unless asRoot. */
function benchGroup(cases, asRoot, attempt) {
  const functions = [];
  const code = {};
  const settings = {};
  for (const c of cases) {
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${c.fn}:1`;
    code[arn] = ECHO;
    settings[arn] = { MaxInstances: 1 };
    const execution = { IsolationMode: c.isolation, ...(asRoot ? { RunAs: { Uid: 0, Gid: 0 } } : {}) };
    const memory = c.memoryKb === undefined ? {} : { MemorySize: c.memoryKb };
    const config = { Executable: 'echo', EncodingType: 'binary', Timeout: 10, Pinned: false, ...memory, Environment: { Execution: execution } };
    functions.push({ Id: c.fn, FunctionArn: arn, FunctionConfiguration: config });
  }
  const dir = path.join(scratch, `run-${attempt}`);
  const runtime = { AllowFunctionsToRunAsRoot: asRoot, MaxConcurrentWorkers: 100 };
  const local = { Code: code, Functions: settings, Http: false, StateDir: path.join(dir, 'state'), LogDir: path.join(dir, 'logs'), Runtime: runtime };
  return parseGroup({ FunctionDefinitionVersion: { Functions: functions }, Nanolambda: local }, '<bench-cold-start>', root);
}

/**
 * Start a runtime for the cases this machine can isolate: on
 * ISOLATION_UNAVAILABLE the cases the error names are skipped (said once,
 * with the reason) and the others started again.
 */
async function startRuntime(cases, asRoot, attempt) {
  for (;;) {
    try {
      return { runtime: await Runtime.start({ group: benchGroup(cases, asRoot, attempt++), http: false }), cases, attempt };
    } catch (error) {
      if (error?.code !== 'ISOLATION_UNAVAILABLE') throw error;
      const refused = cases.filter((c) => error.message.includes(`${c.fn}: `));
      if (refused.length === 0 || refused.length === cases.length) throw error;
      for (const c of refused) {
        const why = error.message.split('\n').filter((line) => line.includes(`${c.fn}: `)).map((line) => line.trim());
        console.log(`SKIPPED ${c.label}: this machine cannot isolate it (${why.join('; ')})`);
        results.push({ case: `cold ${c.label}`, skipped: why.join('; ') });
      }
      cases = cases.filter((c) => !refused.includes(c));
    }
  }
}

function poolOf(runtime, c) {
  return runtime.poolFor(runtime.registry.resolve(c.fn).fn);
}

/** One invoke; throws unless the echo came back whole. */
async function timedInvoke(runtime, c) {
  const t0 = performance.now();
  const r = await runtime.invoke(c.fn, PAYLOAD);
  const ms = performance.now() - t0;
  if (r.functionError !== undefined || r.payload.length !== PAYLOAD.length) {
    throw new Error(`${c.fn} failed (${r.functionError ?? `${r.payload.length} bytes back`}): ${Buffer.from(r.payload).toString().slice(0, 300)}`);
  }
  return ms;
}

/** Stop the pool's only worker and wait until it (and its cgroup) is gone, so the next invoke is cold. */
async function stopWorker(runtime, c) {
  const pool = poolOf(runtime, c);
  await Promise.all(pool.workers.map((worker) => worker.stop(STOP_GRACE_MS)));
  await sleep(5); // the cgroup's removal ends just after the exit
  if (pool.workers.length !== 0) throw new Error(`${c.fn}: a worker is still there after stop`);
}

/** Every case once (page cache, code paths) and the identity check: returns the error of a case that fails. */
async function probe(runtime, cases) {
  for (const c of cases) {
    try {
      await timedInvoke(runtime, c);
      await stopWorker(runtime, c);
    } catch (error) {
      return `${c.label}: ${error.message}`;
    }
  }
  return undefined;
}

function summarize(name, samples, targetMs) {
  const sorted = Float64Array.from(samples).sort();
  const r3 = (x) => +x.toFixed(3);
  const row = {
    case: name,
    n: sorted.length,
    p50_ms: r3(percentile(sorted, 50)),
    p90_ms: r3(percentile(sorted, 90)),
    p99_ms: r3(percentile(sorted, 99)),
    max_ms: r3(sorted[sorted.length - 1]),
  };
  if (targetMs !== undefined) {
    row.target_ms = targetMs;
    row.p50_target = row.p50_ms <= targetMs ? 'met' : 'missed';
    row.p99_target = row.p99_ms <= targetMs ? 'met' : 'missed';
  }
  results.push(row);
  process.stderr.write(`# ${JSON.stringify(row)}\n`);
}

async function main() {
  let asRoot = false;
  let { runtime, cases, attempt } = await startRuntime(CASES, asRoot, 0);
  const failed = await probe(runtime, cases);
  if (failed !== undefined) {
    console.log(`functions as the default identity failed (${failed}): running them as root instead`);
    await runtime.stop();
    asRoot = true;
    ({ runtime, cases } = await startRuntime(cases, asRoot, attempt));
    const again = await probe(runtime, cases);
    if (again !== undefined) throw new Error(`even as root: ${again}`);
  }
  const { uid, gid } = runtime.registry.resolve(cases[0].fn).fn.runAs;
  const identity = `uid ${uid} gid ${gid}${asRoot ? ' (root: the default identity failed)' : ' (RunAs omitted: the default)'}`;
  console.log(`functions run as ${identity}; ${ROUNDS} rounds; ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Linux ${os.release()}`);
  const cold = new Map(cases.map((c) => [c, []]));
  const warm = new Map(cases.map((c) => [c, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(round + k) % cases.length];
        if (poolOf(runtime, c).workers.length !== 0) throw new Error(`${c.fn}: a worker exists before the cold invoke`);
        cold.get(c).push(await timedInvoke(runtime, c));
        warm.get(c).push(await timedInvoke(runtime, c));
        await stopWorker(runtime, c);
      }
    }
  } finally {
    await runtime.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  for (const c of cases) summarize(`cold ${c.label}`, cold.get(c), c.targetMs);
  for (const c of cases) summarize(`warm ${c.label}`, warm.get(c));

  const pad = (v, n) => String(v ?? '-').padStart(n);
  console.log('\ncase                              n    p50 ms    p90 ms    p99 ms    max ms  target   p50      p99');
  for (const r of results) {
    if (r.skipped !== undefined) {
      console.log(`${r.case.padEnd(32)} skipped: ${r.skipped}`);
      continue;
    }
    const target = r.target_ms === undefined ? '-' : `<=${r.target_ms}`;
    console.log(
      `${r.case.padEnd(32)}${pad(r.n, 4)}${pad(r.p50_ms, 10)}${pad(r.p90_ms, 10)}${pad(r.p99_ms, 10)}${pad(r.max_ms, 10)}${pad(target, 8)}   ${(r.p50_target ?? '-').padEnd(8)} ${r.p99_target ?? '-'}`,
    );
  }
  const misses = results.filter((r) => r.p50_target === 'missed' || r.p99_target === 'missed');
  for (const r of misses) {
    console.log(`MISSED: ${r.case}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms against a target of ${r.target_ms} ms`);
  }
  console.log('');
  for (const r of results) console.log(JSON.stringify({ ...r, identity }));
  if (jsonOut) {
    fs.writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), host: os.cpus()[0]?.model, identity, results }, null, 2));
  }
}

main().catch((error) => {
  console.error(error);
  fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(1);
});
