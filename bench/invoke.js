#!/usr/bin/env node
// The invocation benchmark: the echo executable invoked from the TypeScript
// API (one in flight, and many in flight) for several payload sizes, the
// local HTTP endpoint, and beside them in the same run the C floor: a C host
// doing the same round trip over the same transport. Also the runtime's idle
// RSS and what a worker costs in RSS. Prints a table and JSON lines; it
// asserts nothing (the targets are in the README, the figures are measured).
//
//   node bench/invoke.js [--quick] [--json FILE]
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { Runtime } = require('../dist/index.js');
const { benchOptions, percentile } = require('./common.js');
const { exampleGroupJson } = require('../dist/examples/example-group.js');
const { parseGroup } = require('../dist/config/load-group.js');
const { loadCredentials } = require('../dist/system/credentials.js');

const { quick, jsonOut } = benchOptions();
const root = path.resolve(__dirname, '..');
const SIZES = [0, 64, 4096, 65536, 1048576];
const results = [];

function summarize(name, bytes, samplesUs, seconds) {
  const sorted = Float64Array.from(samplesUs).sort();
  const row = {
    case: name,
    bytes,
    n: sorted.length,
    p50_us: +percentile(sorted, 50).toFixed(2),
    p99_us: +percentile(sorted, 99).toFixed(2),
    p999_us: +percentile(sorted, 99.9).toFixed(2),
    ops_per_s: Math.round(sorted.length / seconds),
  };
  results.push(row);
  process.stderr.write(`# ${JSON.stringify(row)}\n`);
  return row;
}

function iterationsFor(bytes, base) {
  const n = bytes >= 1048576 ? base / 100 : bytes >= 65536 ? base / 10 : base;
  return Math.max(200, Math.floor(quick ? n / 10 : n));
}

/** Where the benchmark's logs and state go; removed at the end. */
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-bench-'));

/**
 * A group with the echo example only, one worker each, so many-in-flight
 * pipelines into its ring: `echo` writes Lambda's START/END/REPORT lines
 * for every invocation (the default), `echo-warn` the same executable with
 * SystemLogLevel WARN (lines only for failures), to show what the lines cost.
 */
function benchGroup() {
  const json = exampleGroupJson();
  const echoArn = 'arn:aws:lambda:us-east-1:123456789012:function:echo:1';
  const warnArn = 'arn:aws:lambda:us-east-1:123456789012:function:echo-warn:1';
  const [echo] = json.FunctionDefinitionVersion.Functions.filter((f) => f.FunctionArn === echoArn);
  json.FunctionDefinitionVersion.Functions = [echo, { ...echo, Id: 'echo-warn', FunctionArn: warnArn }];
  json.SubscriptionDefinitionVersion = { Subscriptions: [] };
  json.Nanolambda.Aliases = {};
  json.Nanolambda.Code = { [echoArn]: json.Nanolambda.Code[echoArn], [warnArn]: json.Nanolambda.Code[echoArn] };
  json.Nanolambda.Functions = { [echoArn]: { MaxInstances: 1 }, [warnArn]: { MaxInstances: 1, SystemLogLevel: 'WARN' } };
  json.Nanolambda.Http = false;
  json.Nanolambda.LogDir = path.join(scratch, 'logs');
  json.Nanolambda.StateDir = path.join(scratch, 'state');
  return parseGroup(json, '<bench>', path.join(root, 'sdk', 'libexec', 'nanolambda', 'examples'));
}

async function oneInFlight(runtime, bytes, fn = 'echo') {
  const payload = Buffer.alloc(bytes, 0x61);
  const n = iterationsFor(bytes, 200000);
  for (let i = 0; i < Math.min(n, 5000); i++) await runtime.invoke(fn, payload); // warm
  const samples = new Float64Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await runtime.invoke(fn, payload);
    samples[i] = (performance.now() - t0) * 1000;
    if (r.payload.length !== bytes) throw new Error(`${fn} returned ${r.payload.length} bytes for ${bytes}`);
  }
  return summarize(`ts-api-1-in-flight${fn === 'echo' ? '' : `-${fn}`}`, bytes, samples, (performance.now() - start) / 1000);
}

async function manyInFlight(runtime, bytes, window, fn = 'echo') {
  const payload = Buffer.alloc(bytes, 0x62);
  const n = iterationsFor(bytes, 500000);
  const samples = new Float64Array(n);
  let next = 0;
  const start = performance.now();
  async function lane() {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      await runtime.invoke(fn, payload);
      samples[i] = (performance.now() - t0) * 1000;
    }
  }
  await Promise.all(Array.from({ length: window }, lane));
  return summarize(`ts-api-${window}-in-flight${fn === 'echo' ? '' : `-${fn}`}`, bytes, samples, (performance.now() - start) / 1000);
}

/** HTTP keep-alive invokes from a separate client process (bench/http-client.js), signed with `key` when given. */
async function overHttp(port, bytes, key) {
  const n = iterationsFor(bytes, 20000);
  const env = { ...process.env };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  if (key) Object.assign(env, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
  const child = spawn(process.execPath, [path.join(__dirname, 'http-client.js'), String(port), String(bytes), String(n)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`http-client exited with ${code}`);
  const { samples, seconds } = JSON.parse(out);
  return summarize('http-keepalive-1-in-flight', bytes, samples, seconds);
}

/** The HTTP floor: a plain Node http echo server, same client, same run. */
async function plainHttpFloor(bytes) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(Buffer.concat(chunks));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const row = await overHttp(server.address().port, bytes);
    row.case = 'http-plain-node-echo-server';
    return row;
  } finally {
    server.close();
  }
}

/** Build bench/floor (the C floor and the bare executable); incremental. */
function buildFloor() {
  const dir = path.join(root, 'build-floor');
  if (!fs.existsSync(path.join(dir, 'CMakeCache.txt'))) {
    execFileSync('cmake', ['-S', path.join(root, 'bench', 'floor'), '-B', dir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'ignore' });
  }
  execFileSync('cmake', ['--build', dir], { stdio: 'ignore' });
  return dir;
}

function cFloor(floorDir) {
  const out = execFileSync(
    path.join(floorDir, 'pingpong'),
    [
      '--lib', path.join(root, 'sdk', 'lib'),
      '--sizes', SIZES.join(','),
      '--iterations', quick ? '20000' : '200000',
      path.join(root, 'sdk', 'libexec', 'nanolambda', 'examples', 'echo'),
    ],
    { encoding: 'utf8' },
  );
  for (const line of out.split('\n')) {
    if (line.startsWith('{')) results.push(JSON.parse(line));
  }
}

function rssKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number((status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm')) || [])[1] || 0);
  // Private pages are what this process alone costs (shared library code
  // and the shared ring are paid once, however many processes map them).
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const roll = (name) => Number((rollup.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm')) || [])[1] || 0);
  return {
    rss: field('VmRSS'),
    anon: field('RssAnon'),
    file: field('RssFile'),
    shmem: field('RssShmem'),
    private: roll('Private_Clean') + roll('Private_Dirty'),
  };
}

async function memory(runtime, floorDir) {
  global.gc?.();
  const idle = rssKb(process.pid);
  results.push({ case: 'runtime-idle-rss', rss_kb: idle.rss, anon_kb: idle.anon, file_kb: idle.file });
  await runtime.invoke('echo', Buffer.alloc(64));
  const pool = runtime.poolFor(runtime.registry.resolve('echo').fn);
  const worker = pool.workers[0];
  for (let i = 0; i < 10000; i++) await runtime.invoke('echo', Buffer.alloc(64));
  const w = rssKb(worker.pid);
  // The bare executable: linked against the SDK and initialised like a
  // function, but never a worker (bench/floor/bare_idle.c).
  const bare = path.join(floorDir, 'bare_idle');
  let bareRss;
  {
    const child = spawn(bare, [], { env: { LD_LIBRARY_PATH: path.join(root, 'sdk', 'lib') }, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    bareRss = rssKb(child.pid);
    child.kill('SIGKILL');
  }
  results.push({
    case: 'worker-rss-after-64B-invokes',
    rss_kb: w.rss,
    anon_kb: w.anon,
    file_kb: w.file,
    shmem_kb: w.shmem,
    bare_executable_rss_kb: bareRss?.rss,
    bare_anon_kb: bareRss?.anon,
    bare_file_kb: bareRss?.file,
    worker_cost_kb: bareRss ? w.rss - bareRss.rss : undefined,
    worker_private_kb: w.private,
    bare_private_kb: bareRss?.private,
    worker_private_cost_kb: bareRss ? w.private - bareRss.private : undefined,
  });
}

async function main() {
  const floorDir = buildFloor();
  cFloor(floorDir);
  const runtime = await Runtime.start({ group: benchGroup(), http: { host: '127.0.0.1', port: 0 } });
  try {
    await memory(runtime, floorDir);
    // HTTP first, while the process is fresh: after the 1 MB runs its heap
    // and caches are not what a gateway serving small requests looks like.
    for (const bytes of [64, 65536]) {
      // Signed (SigV4), as the AWS CLI and SDKs sign: verifying is part of the cost.
      await overHttp(runtime.httpAddress.port, bytes, loadCredentials(runtime.group.stateDir).keys[0]);
      await plainHttpFloor(bytes);
    }
    for (const bytes of SIZES) await oneInFlight(runtime, bytes);
    // Many in flight; large payloads use a smaller window so the pool's
    // queued-bytes bound (64 MB) holds them without throttling.
    for (const bytes of SIZES) await manyInFlight(runtime, bytes, bytes >= 1048576 ? 16 : bytes >= 65536 ? 64 : 256);
    // The same 64 B cases without a log line per invocation.
    await oneInFlight(runtime, 64, 'echo-warn');
    await manyInFlight(runtime, 64, 256, 'echo-warn');
  } finally {
    await runtime.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log('\ncase                          bytes        n    p50 µs    p99 µs  p99.9 µs      ops/s');
  for (const r of results) {
    if (r.p50_us === undefined) continue;
    console.log(
      `${r.case.padEnd(28)} ${String(r.bytes).padStart(7)} ${String(r.n).padStart(8)} ${String(r.p50_us).padStart(9)} ${String(r.p99_us).padStart(9)} ${String(r.p999_us).padStart(9)} ${String(r.ops_per_s).padStart(10)}`,
    );
  }
  for (const r of results) if (r.p50_us === undefined) console.log(JSON.stringify(r));
  console.log('');
  for (const r of results) console.log(JSON.stringify(r));
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), host: os.cpus()[0]?.model, results }, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
