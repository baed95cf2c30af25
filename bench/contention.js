#!/usr/bin/env node
// The contention benchmark: do misbehaving functions slow the others down?
// The echo example's latency (64-byte payload, one in flight, runtime.invoke)
// in three conditions, one runtime, one run, interleaved in short slices
// (A, B, C, A, B, C, ...) so machine noise hits them alike:
//   A idle       nothing else running;
//   B busy       4 `spinner` workers (test/fixtures/probe.c) busy-looping, each
//                re-invoked as it finishes: more spinning workers than cores;
//   C fork bomb  `bomb` (test/fixtures/forkbomb.c, MaxProcesses 64) invoked again and
//                again, its worker stopped after each answer (killing what it forked).
// Between invokes the measuring loop yields to the event loop, as requests
// from I/O would (else invokes answered during the runtime's spin starve the
// background load). Also the runtime's event-loop delay per condition.
// Prints a table and JSON lines; it asserts nothing.
//
//   node bench/contention.js [--quick | --smoke] [--json FILE]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { Runtime } = require('../dist/index.js');
const { root, SDK_LIB, benchOptions, sleep, scratchDir, runCase, latencyFigures, writeJson } = require('./common.js');
const { functionGroupJson } = require('./function-group.js');

const { quick, smoke, jsonOut } = benchOptions();
const ROUNDS = smoke ? 1 : quick ? 6 : 40;
const SLICE_MS = quick ? 250 : 500;
const SPIN_MS = 250;
const SPINNERS = 4;
const PAYLOAD = Buffer.alloc(64, 0x65);
const CONDITIONS = ['A idle', `B busy (${SPINNERS} spinners)`, 'C fork bomb'].map((label) => ({ key: label[0], label }));
const results = [];
const scratch = scratchDir('contention'); // 0700: root only

/** Compile a fixture against the SDK, as test/helpers/sdk.ts buildExecutable does. */
function build(name) {
  const out = path.join(scratch.dir, name);
  const src = path.join(root, 'test', 'fixtures', `${name}.c`);
  const flags = ['-std=c99', '-D_GNU_SOURCE', '-I', path.join(root, 'sdk', 'include'), src, '-o', out];
  execFileSync('gcc', [...flags, '-L', SDK_LIB, '-laws-greengrass-core-sdk-c', `-Wl,-rpath,${SDK_LIB}`], { stdio: 'pipe' });
  return out;
}

/** The group file: echo, spinner and bomb, NoContainer, as root (the fixtures are in a root-only directory). */
function writeGroup() {
  const json = functionGroupJson(
    [
      { name: 'echo', settings: { MaxInstances: 1 } },
      { name: 'spinner', exe: build('probe'), settings: { MaxInstances: SPINNERS } },
      { name: 'bomb', exe: build('forkbomb'), settings: { MaxInstances: 1, MaxProcesses: 64 } },
    ],
    { dir: scratch.dir, timeout: 30, asRoot: true },
  );
  const file = path.join(scratch.dir, 'group.json');
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

function check(r, what) {
  if (r.functionError !== undefined) throw new Error(`${what} failed (${r.functionError}): ${Buffer.from(r.payload).toString().slice(0, 300)}`);
  return Buffer.from(r.payload).toString();
}

/** B's load: SPINNERS lanes, each re-invoking spinner as its spin ends. Returns stop(), which waits for the spins. */
function startSpinners(runtime, stats) {
  let on = true;
  const lane = async () => {
    for (; on; stats.spins++) check(await runtime.invoke('spinner', `busy spin=${SPIN_MS}`), 'spinner');
  };
  const t0 = performance.now();
  const lanes = Promise.all(Array.from({ length: SPINNERS }, lane));
  lanes.catch(() => {}); // handled: stop() rethrows it
  return async () => {
    on = false;
    await lanes;
    stats.spinSeconds += (performance.now() - t0) / 1000;
  };
}

/** C's load: invoke bomb, stop its worker (and what it forked), again. Returns stop(). */
function startBomb(runtime, stats) {
  let on = true;
  const pool = runtime.poolFor(runtime.registry.resolve('bomb').fn);
  const loop = (async () => {
    while (on) {
      const t0 = performance.now();
      const answer = check(await runtime.invoke('bomb', ''), 'bomb');
      const t1 = performance.now();
      const m = /^forked (\d+): (.*)$/.exec(answer);
      if (!m) throw new Error(`bomb answered ${JSON.stringify(answer)}`);
      await Promise.all(pool.workers.map((worker) => worker.stop(2000)));
      Object.assign(stats, { bombs: stats.bombs + 1, forked: stats.forked + Number(m[1]), why: m[2], bombMs: stats.bombMs + t1 - t0 });
      stats.stopMs += performance.now() - t1;
    }
  })();
  loop.catch(() => {}); // handled: stop() rethrows it
  return async () => {
    on = false;
    await loop;
  };
}

/** Echo, one in flight, for ms; samples in µs. Returns the seconds measured. */
async function slice(runtime, samples, ms) {
  const start = performance.now();
  while (performance.now() - start < ms) {
    await new Promise((resolve) => setImmediate(resolve));
    const t0 = performance.now();
    const r = await runtime.invoke('echo', PAYLOAD);
    samples.push((performance.now() - t0) * 1000);
    if (r.payload.length !== PAYLOAD.length) throw new Error(`echo returned ${r.payload.length} bytes for ${PAYLOAD.length}`);
  }
  return (performance.now() - start) / 1000;
}

function summarize(label, samples, seconds, loop, idle) {
  const r1 = (x) => +x.toFixed(1);
  const row = { case: label, ...latencyFigures(samples, { unit: 'us', percents: [50, 90, 99], digits: 1, max: true }) };
  row.ops_per_s = Math.round(row.n / seconds);
  row.p50_vs_A = idle ? +(row.p50_us / idle.p50_us).toFixed(2) : 1;
  row.p99_vs_A = idle ? +(row.p99_us / idle.p99_us).toFixed(2) : 1;
  row.loop_delay_p50_us = r1(loop.percentile(50) / 1000);
  row.loop_delay_p99_us = r1(loop.percentile(99) / 1000);
  results.push(row);
  process.stderr.write(`# ${JSON.stringify(row)}\n`);
  return row;
}

async function main() {
  const without = [];
  process.on('warning', (w) => w.code === 'NANOLAMBDA_NO_CGROUPS' && without.push(w.message));
  const runtime = await Runtime.start({ group: writeGroup(), http: false });
  scratch.onCleanup(() => runtime.stop());
  const stats = { spins: 0, spinSeconds: 0, bombs: 0, forked: 0, why: '', bombMs: 0, stopMs: 0 };
  const samples = new Map(CONDITIONS.map((c) => [c.key, []]));
  const seconds = new Map(CONDITIONS.map((c) => [c.key, 0]));
  const loops = new Map(CONDITIONS.map((c) => [c.key, monitorEventLoopDelay({ resolution: 1 })]));
  try {
    for (let i = 0; i < 2000; i++) await runtime.invoke('echo', PAYLOAD); // warm
    await Promise.all(Array.from({ length: SPINNERS }, () => runtime.invoke('spinner', 'warm spin=1')));
    await startBomb(runtime, { ...stats })();
    console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Linux ${os.release()}; cgroups: ${runtime.cgroups?.describe() || 'none'}`);
    for (const w of without) console.log(`WITHOUT A LIMIT: ${w}: the results below are without that limit`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CONDITIONS) {
        const stop = c.key === 'B' ? startSpinners(runtime, stats) : c.key === 'C' ? startBomb(runtime, stats) : async () => {};
        await sleep(20); // the load gets going
        loops.get(c.key).enable();
        seconds.set(c.key, seconds.get(c.key) + (await slice(runtime, samples.get(c.key), SLICE_MS)));
        loops.get(c.key).disable();
        await stop();
      }
    }
  } finally {
    await scratch.cleanup();
  }
  const idle = summarize(CONDITIONS[0].label, samples.get('A'), seconds.get('A'), loops.get('A'));
  for (const c of CONDITIONS.slice(1)) summarize(c.label, samples.get(c.key), seconds.get(c.key), loops.get(c.key), idle);
  const per = (x) => (stats.bombs ? +(x / stats.bombs).toFixed(1) : 0);
  const spinning = +((stats.spins * SPIN_MS) / 1000 / stats.spinSeconds).toFixed(2);
  const load = { case: 'background load', spinner_invocations: stats.spins, spinning_workers_avg_in_B: spinning, bomb_invocations: stats.bombs };
  Object.assign(load, { forks_per_bomb: per(stats.forked), bomb_fork_failed_with: stats.why, bomb_invoke_ms_avg: per(stats.bombMs) });
  load.bomb_worker_stop_ms_avg = per(stats.stopMs);
  results.push(load);
  process.stderr.write(`# ${JSON.stringify(load)}\n`);

  const pad = (v, n) => String(v).padStart(n);
  console.log(`\n"usual latency" = A (idle), measured in this same run; ${ROUNDS} rounds of ${SLICE_MS} ms slices, A B C interleaved`);
  const widths = [24, 8, 9, 9, 9, 9, 8, 7, 7, 13, 13];
  const line = (cells) => cells.map((v, i) => (i === 0 ? String(v).padEnd(widths[0]) : pad(v, widths[i]))).join('');
  console.log(line(['echo, 64 B, 1 in flight', 'n', 'p50 µs', 'p90 µs', 'p99 µs', 'max µs', 'ops/s', 'p50/A', 'p99/A', 'loop p50 µs', 'loop p99 µs']));
  for (const r of results.filter((x) => x.p50_us !== undefined)) {
    console.log(line([r.case, r.n, r.p50_us, r.p90_us, r.p99_us, r.max_us, r.ops_per_s, r.p50_vs_A, r.p99_vs_A, r.loop_delay_p50_us, r.loop_delay_p99_us]));
  }
  console.log("(loop: the runtime's event-loop delay during the slices, perf_hooks.monitorEventLoopDelay; includes its 1 ms interval)");
  console.log(`B: ${stats.spins} spins of ${SPIN_MS} ms, ${spinning} workers spinning on average`);
  console.log(
    `C: ${stats.bombs} bombs, ${load.forks_per_bomb} forks each until "${stats.why}"; ` +
      `each: invoke ${load.bomb_invoke_ms_avg} ms, then worker stop ${load.bomb_worker_stop_ms_avg} ms`,
  );
  writeJson(jsonOut, results);
}

runCase(scratch, main);
