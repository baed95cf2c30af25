#!/usr/bin/env node
// The hot-invoke benchmark: the C echo example invoked from the TypeScript
// API with payloads of 0 B to 6 MiB (Lambda's synchronous limit), one in
// flight and many in flight, each beside the C floor (bench/floor/pingpong.c:
// a C host doing the same round trip over the same shared-memory channel),
// size by size in the same run, with the ratios; and the local HTTP endpoint
// (SigV4-signed, keep-alive) beside a plain Node HTTP echo server. Prints a
// table, writes JSON (--json); it asserts nothing about speed.
//
//   node bench/invoke.js [--quick] [--smoke] [--json FILE]
'use strict';
const path = require('node:path');
const { Runtime } = require('../dist/index.js');
const { examplesDir, MiB, benchOptions, scratchDir, runCase, writeJson } = require('./common.js');
const { exampleGroupJson } = require('../dist/examples/example-group.js');
const { parseGroup } = require('../dist/config/load-group.js');
const { loadCredentials } = require('../dist/system/credentials.js');
const { SYNC_PAYLOAD_LIMIT } = require('../dist/limits.js');
const { summarize, windowFor, timeInvokes, buildFloor, runFloor, printRows, median, merged, roundFigures, medianRatios } = require('./echo-bench.js');
const { httpInvokes, withPlainEchoServer } = require('./http-floor.js');

const { quick, smoke, jsonOut } = benchOptions();
// 6 MiB is the largest payload a synchronous invoke takes: the ring must carry it.
const SIZES = [0, 64, 4096, 65536, MiB, SYNC_PAYLOAD_LIMIT];
const results = [];
const scratch = scratchDir('invoke');
/** Rounds per payload size (see size()). */
const ROUNDS = smoke ? 1 : quick ? 3 : 5;

/** Invocations per series: fewer for large payloads, so each series takes about as long. */
function iterationsFor(bytes, base) {
  if (smoke) return bytes >= MiB ? 8 : 200;
  const n = bytes >= 4 * MiB ? base / 400 : bytes >= MiB ? base / 100 : bytes >= 65536 ? base / 10 : base;
  return Math.max(100, Math.floor(quick ? n / 10 : n));
}

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
  json.Nanolambda.LogDir = path.join(scratch.dir, 'logs');
  json.Nanolambda.StateDir = path.join(scratch.dir, 'state');
  return parseGroup(json, '<bench>', examplesDir);
}

/** `ts-api-<window>-in-flight[-fn]`, the names the report and its targets read. */
const seriesName = (window, fn) => `ts-api-${window}-in-flight${fn === 'echo' ? '' : `-${fn}`}`;

/** One round of a TS API series: warm, then timed. → { samples, seconds } */
async function tsApiRound(runtime, bytes, window, fn) {
  const n = Math.max(Math.ceil(iterationsFor(bytes, window === 1 ? 200000 : 500000) / ROUNDS), 2 * window);
  await timeInvokes(runtime, fn, bytes, Math.min(n, smoke ? 20 : 5000), window); // warm
  return timeInvokes(runtime, fn, bytes, n, window);
}

/**
 * One payload size: ROUNDS rounds, each the C floor then the TS API (one and
 * many in flight, and for 64 B the same without log lines), so every series
 * sees the machine in each of its states. A TS API row merges its rounds'
 * samples; a floor row is the median of its rounds' figures (pingpong prints
 * figures, not samples); a ratio is the median of the rounds' own ratios, so
 * the machine speeding up or slowing down between rounds does not move it.
 */
async function size(runtime, floorDir, bytes) {
  const window = windowFor(bytes);
  const fns = bytes === 64 ? ['echo', 'echo-warn'] : ['echo'];
  const floorRounds = [];
  const rounds = new Map(); // series name → [{ samples, seconds, floor }]
  for (let round = 0; round < ROUNDS; round++) {
    const floors = runFloor(floorDir, {
      sizes: [bytes],
      windows: [window],
      iterations: Math.ceil(iterationsFor(bytes, 200000) / ROUNDS),
      warmup: smoke ? 10 : 1000,
    });
    floorRounds.push(floors);
    for (const fn of fns) {
      for (const w of [1, window]) {
        const timed = await tsApiRound(runtime, bytes, w, fn);
        const floor = floors.find((r) => r.case === (w === 1 ? 'c-floor' : 'c-floor-many-in-flight'));
        const name = seriesName(w, fn);
        if (!rounds.has(name)) rounds.set(name, []);
        rounds.get(name).push({ ...timed, floor, window: w });
      }
    }
  }
  const floorRows = floorRounds[0].map((first) => {
    const all = floorRounds.map((rows) => rows.find((r) => r.case === first.case));
    const row = { ...first, rounds: ROUNDS, n: all.reduce((sum, r) => sum + r.n, 0) };
    for (const f of ['p50_us', 'p99_us', 'p999_us', 'ops_per_s']) row[f] = median(all.map((r) => r[f]));
    return row;
  });
  results.push(...floorRows);
  for (const [name, timedRounds] of rounds) {
    const { samples, seconds } = merged(timedRounds);
    const row = summarize(name, { bytes, in_flight: timedRounds[0].window, rounds: ROUNDS }, samples, seconds);
    if (name.endsWith('-echo-warn')) {
      results.push(row);
      continue;
    }
    medianRatios(row, timedRounds.map((r) => ({ figures: roundFigures(r), base: r.floor })), 'c_floor');
    results.push(row);
  }
}

/**
 * Signed (SigV4) as the AWS CLI and SDKs sign: verifying is part of the cost.
 * The endpoint and the plain server alternate round by round, as in size().
 */
async function overHttp(runtime, bytes) {
  const key = loadCredentials(runtime.group.stateDir).keys[0];
  const n = Math.ceil(iterationsFor(bytes, 20000) / ROUNDS);
  const endpoint = [];
  const plain = [];
  await withPlainEchoServer(async (plainPort) => {
    for (let round = 0; round < ROUNDS; round++) {
      endpoint.push(await httpInvokes({ port: runtime.httpAddress.port, fn: 'echo', bytes, n, key }));
      plain.push(await httpInvokes({ port: plainPort, fn: 'echo', bytes, n }));
    }
  });
  const e = merged(endpoint);
  const p = merged(plain);
  const row = summarize('http-keepalive-1-in-flight', { bytes, in_flight: 1, rounds: ROUNDS }, e.samples, e.seconds);
  const floor = summarize('http-plain-node-echo-server', { bytes, in_flight: 1, rounds: ROUNDS }, p.samples, p.seconds);
  medianRatios(row, endpoint.map((r, i) => ({ figures: roundFigures(r), base: roundFigures(plain[i]) })), 'http_floor');
  results.push(row, floor);
}

async function main() {
  const floorDir = buildFloor();
  const runtime = await Runtime.start({ group: benchGroup(), http: { host: '127.0.0.1', port: 0 } });
  scratch.onCleanup(() => runtime.stop());
  // HTTP first, while the process is fresh: after the megabyte runs its heap
  // and caches are not what a gateway serving small requests looks like.
  for (const bytes of smoke ? [64] : [64, 65536]) await overHttp(runtime, bytes);
  for (const bytes of SIZES) await size(runtime, floorDir, bytes);
  await scratch.cleanup();
  printRows(results, ['bytes', 'in_flight']);
  writeJson(jsonOut, results);
}

runCase(scratch, main);
