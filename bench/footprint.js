#!/usr/bin/env node
// The footprint benchmark: what nanolambda costs in memory and on disk, as a
// user runs it.
//   - The runtime: `node dist/cli/main.js start <group.json>` (the example
//     group, state and logs in scratch) as a child process; its RSS idle,
//     sampled while keep-alive HTTP clients drive echo, and after the load.
//     Beside it, in the same run and measured the same way, a bare `node`
//     process: what Node alone costs.
//   - One echo worker after the load's invokes, beside the bare executable
//     (bench/floor/bare_idle.c: the SDK linked and initialised, never a worker).
//   - Sizes on disk of what is installed.
//   - The 2 MB memory limit, through nanolambda and bisected with a raw
//     cgroup: bench/memory-limit.js.
// Prints tables and JSON lines; asserts nothing.
//
//   node bench/footprint.js [--quick] [--smoke] [--json FILE]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { root, ECHO, SDK_LIB, benchOptions, sleep, scratchDir, runCase, writeJson } = require('./common.js');
const { exampleGroupJson } = require('../dist/examples/example-group.js');
const { loadCredentials } = require('../dist/system/credentials.js');
const { buildFloor } = require('./echo-bench.js');
const { memoryOf, childrenOf, exeOf } = require('./proc.js');
const { memoryLimits } = require('./memory-limit.js');

const { quick, smoke, jsonOut } = benchOptions();
const CLI = path.join(root, 'dist', 'cli', 'main.js');
/** How long a process is left alone before its idle memory is read (lazy loads, JIT, GC settle). */
const SETTLE_MS = smoke ? 1000 : quick ? 3000 : 5000;
/** Keep-alive client processes, sockets (invokes in flight) each, and invokes each during the load. */
const LOAD_CLIENTS = 2;
const LOAD_WINDOW = 2;
const LOAD_INVOKES = smoke ? 200 : quick ? 3000 : 15000;
const LOAD_SAMPLE_MS = 50;
const IDLE_TARGET_KB = 45 * 1024;

const results = [];
const scratch = scratchDir('footprint');
const say = (text) => process.stderr.write(`# ${text}\n`);

/**
 * A child that must not outlive the script: `stop` (default SIGKILL) runs at
 * the end or on a signal unless it has exited by then.
 */
function track(child, stop = () => child.kill('SIGKILL')) {
  const forget = scratch.onCleanup(stop);
  child.on('exit', forget);
  return child;
}

function record(row) {
  results.push(row);
  say(JSON.stringify(row));
  return row;
}

function skip(what, why) {
  console.log(`SKIPPED ${what}: ${why}`);
  return record({ case: what, skipped: why });
}

// ---------------------------------------------------------------- sizes on disk

function dirBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

function addonPath() {
  try {
    return path.relative(root, require('node-gyp-build').path(root));
  } catch {
    return 'build/Release/nanolambda.node';
  }
}

/** Sizes of what nanolambda installs; a missing file is reported as missing, not as zero. */
function sizesOnDisk() {
  const files = [
    { what: 'C SDK shared library', rel: 'sdk/lib/libaws-greengrass-core-sdk-c.so' },
    { what: 'launcher executable', rel: 'sdk/bin/nanolambda-launcher' },
    { what: 'Node addon', rel: addonPath() },
    { what: 'echo example executable', rel: 'sdk/libexec/nanolambda/examples/echo' },
    { what: 'compiled TypeScript (dist/, all files)', rel: 'dist', dir: true },
  ];
  for (const { what, rel, dir } of files) {
    try {
      // stat follows symlinks: the size of the library itself, not of a link to it.
      const bytes = dir ? dirBytes(path.join(root, rel)) : fs.statSync(path.join(root, rel)).size;
      record({ case: 'size-on-disk', what, file: rel, bytes });
    } catch (e) {
      console.log(`SKIPPED size of ${rel}: ${e.code || e.message}; build it (npm run build)`);
      record({ case: 'size-on-disk', what, file: rel, skipped: `missing (${e.code || e.message})` });
    }
  }
}

// ---------------------------------------------------------------- the runtime through the CLI

/** The example group as a file in scratch, its state and logs there too. */
function writeGroupFile() {
  const json = exampleGroupJson();
  json.Nanolambda.StateDir = path.join(scratch.dir, 'cli', 'state');
  json.Nanolambda.LogDir = path.join(scratch.dir, 'cli', 'logs');
  const file = path.join(scratch.dir, 'group.json');
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return { file, stateDir: json.Nanolambda.StateDir };
}

/** `nanolambda start group.json --port 0`; resolves with the child and its port once it says it listens. */
function startCli(groupFile) {
  const child = spawn(process.execPath, [CLI, 'start', groupFile, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // SIGTERM, not SIGKILL: the runtime then removes its own cgroups and workers.
  track(child, () => stopChild(child));
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nanolambda start did not listen within 30 s:\n${out}\n${err}`)), 30000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`nanolambda start exited (${code ?? signal}) before listening:\n${out}\n${err}`));
    });
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, port: Number(m[1]) });
      }
    });
  });
}

/** SIGTERM, as a user's Ctrl+C or systemd would stop it; waits for the exit (SIGKILL after 10 s). */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** One signed keep-alive client process (bench/http-client.js) invoking echo `n` times with 64 B, LOAD_WINDOW in flight. */
function httpClient(port, key, n) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
  const args = [path.join(__dirname, 'http-client.js'), String(port), 'echo', '64', String(n), String(LOAD_WINDOW)];
  const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env }));
  child.stdout.resume();
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`http-client exited with ${code}`)))));
}

async function runtimeMemory(floorDir) {
  const { file, stateDir } = writeGroupFile();
  // Node alone, started beside the runtime so both settle over the same seconds.
  const bare = track(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' }));
  const { child, port } = await startCli(file);
  try {
    say(`runtime (pid ${child.pid}) listening on port ${port}; settling ${SETTLE_MS} ms`);
    await sleep(SETTLE_MS);
    const idle = memoryOf(child.pid);
    const node = memoryOf(bare.pid);
    bare.kill('SIGKILL');
    record({ case: 'runtime-idle', process: 'nanolambda start (example group)', ...idle });
    record({ case: 'node-bare-idle', process: 'node -e (an idle timer)', ...node });
    record({
      case: 'target-idle-runtime-rss',
      target: 'idle runtime ≤ 45 MiB RSS',
      target_kb: IDLE_TARGET_KB,
      rss_kb: idle.rss_kb,
      verdict: idle.rss_kb <= IDLE_TARGET_KB ? 'met' : 'missed',
    });

    // Under load: RSS sampled while the clients run; the sample with the highest RSS is the peak.
    const key = loadCredentials(stateDir).keys[0];
    let peak = memoryOf(child.pid);
    let samples = 0;
    let loading = true;
    const sampler = (async () => {
      while (loading) {
        const m = memoryOf(child.pid);
        samples++;
        if (m.rss_kb > peak.rss_kb) peak = m;
        await sleep(LOAD_SAMPLE_MS);
      }
    })();
    const t0 = performance.now();
    try {
      await Promise.all(Array.from({ length: LOAD_CLIENTS }, () => httpClient(port, key, LOAD_INVOKES)));
    } finally {
      loading = false;
      await sampler;
    }
    // http-client.js warms up with min(500, n) invokes before its n timed ones.
    const invokes = LOAD_CLIENTS * (LOAD_INVOKES + Math.min(500, LOAD_INVOKES));
    const seconds = (performance.now() - t0) / 1000;
    record({ case: 'runtime-under-load-peak', clients: LOAD_CLIENTS, in_flight: LOAD_CLIENTS * LOAD_WINDOW, invokes, seconds: +seconds.toFixed(2), samples, ...peak });

    // The echo workers the load started; the largest is reported.
    const workers = childrenOf(child.pid).filter((pid) => exeOf(pid) === ECHO);
    if (workers.length === 0) throw new Error(`no echo worker among the runtime's children (${childrenOf(child.pid).join(', ')})`);
    const sized = workers.map((pid) => memoryOf(pid)).sort((a, b) => b.rss_kb - a.rss_kb);
    const bareExe = await bareExecutable(floorDir);
    record({ case: 'echo-worker', invokes, workers: workers.length, ...sized[0] });
    record({ case: 'bare-executable', process: 'build-floor/bare_idle (SDK linked, gg_global_init, never a worker)', ...bareExe });

    await sleep(SETTLE_MS);
    record({ case: 'runtime-after-load', ...memoryOf(child.pid) });
  } finally {
    bare.kill('SIGKILL');
    await stopChild(child);
  }
}

async function bareExecutable(floorDir) {
  const child = track(spawn(path.join(floorDir, 'bare_idle'), [], { env: { LD_LIBRARY_PATH: SDK_LIB }, stdio: 'ignore' }));
  try {
    await sleep(300);
    return memoryOf(child.pid);
  } finally {
    child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- report

function printTables() {
  const kb = (v) => (v === undefined || Number.isNaN(v) ? '-' : String(v)).padStart(9);
  console.log('\nprocess                          RSS kB   anon kB   file kB    Pss kB   priv kB');
  for (const r of results.filter((x) => x.rss_kb !== undefined && x.anon_kb !== undefined)) {
    console.log(`${r.case.padEnd(30)}${kb(r.rss_kb)}${kb(r.anon_kb)}${kb(r.file_kb)}${kb(r.pss_kb)}${kb(r.private_kb)}`);
  }
  const target = results.find((r) => r.case === 'target-idle-runtime-rss');
  if (target) console.log(`\ntarget ${target.target}: ${(target.rss_kb / 1024).toFixed(1)} MiB: ${target.verdict}`);
  console.log('\nfile                                              bytes');
  for (const r of results.filter((x) => x.case === 'size-on-disk')) console.log(`${r.file.padEnd(44)}${String(r.bytes ?? r.skipped).padStart(12)}`);
  console.log('\nmemory limit checks');
  for (const r of results.filter((x) => x.case === 'limit-through-nanolambda')) {
    console.log(`  ${r.isolation} MemorySize ${r.memory_kb} KB, ${r.bytes} B: ${r.ran}/${r.n} ran, ${r.failed} failed, cgroup peak ${r.peak_kb ?? '-'} KiB`);
  }
  for (const r of results.filter((x) => x.case === 'smallest-limit')) {
    console.log(`  smallest limit (${r.bytes} B): ${r.min_kb ?? '-'} KiB (${r.note ?? `peak ${r.peak_kb_at_min} KiB there`})`);
  }
  console.log('');
  for (const r of results) console.log(JSON.stringify(r));
}

// ---------------------------------------------------------------- main

async function main() {
  sizesOnDisk();
  const floorDir = buildFloor();
  await runtimeMemory(floorDir);
  await memoryLimits(floorDir, scratch, { record, skip });
  const limits = results.filter((r) => r.case === 'limit-through-nanolambda');
  const allRan = limits.length > 0 && limits.every((r) => r.failed === 0);
  record({
    case: 'target-2mb-limit',
    target: 'a C echo function runs within a 2 MB memory limit',
    checked: limits.map((r) => `${r.isolation} ${r.bytes} B`).join(', ') || 'nothing (skipped)',
    verdict: limits.length === 0 ? 'no figure' : allRan ? 'met' : 'missed',
  });
  printTables();
  writeJson(jsonOut, results, { smoke, quick });
}

runCase(scratch, main);
