#!/usr/bin/env node
// The entry-path benchmark: the same echo, payloads of 64 B up to 6 MiB, one
// in flight and a window of many, through every way into nanolambda, in one
// runtime and one run, size by size:
//   ts-api-c          TS API -> the C echo executable (the reference)
//   http-c            the local HTTP invoke endpoint (SigV4-signed, keep-alive,
//                     a separate client process) -> the C echo executable
//   http-plain-node   a plain Node http echo server, same client: the floor
//                     of the HTTP paths
//   ipc-nodejs        TS API -> a Node.js echo function (Greengrass IPC)
//   ipc-python        TS API -> a Python echo function (Greengrass IPC)
//   runtime-api-c     TS API -> a `provided` function whose bootstrap is
//                     bench/floor/runtime_api_echo.c (Lambda Runtime API)
// Each row carries its ratios to ts-api-c of the same size and window. A
// size a path refuses is a SKIPPED row with the refusal, never dropped.
//
//   node bench/paths.js [--quick] [--smoke] [--json FILE]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Runtime } = require('../dist/index.js');
const { parseGroup } = require('../dist/config/load-group.js');
const { loadCredentials } = require('../dist/system/credentials.js');
const { SYNC_PAYLOAD_LIMIT } = require('../dist/limits.js');
const { ECHO, MiB, benchOptions, scratchDir, runCase, writeJson } = require('./common.js');
const { summarize, windowFor, timeInvokes, buildFloor, printRows, merged, roundFigures, medianRatios } = require('./echo-bench.js');
const { httpInvokes, withPlainEchoServer } = require('./http-floor.js');

const { quick, smoke, jsonOut } = benchOptions();
const SIZES = smoke ? [64, 65536] : [64, 4096, 65536, MiB, SYNC_PAYLOAD_LIMIT];
const REFERENCE = 'ts-api-c';
const scratch = scratchDir('paths');
const results = [];

const arnOf = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}:1`;

/** Invocations per series: fewer for large payloads, so each series takes about as long. */
function iterationsFor(bytes, window) {
  if (smoke) return Math.max(bytes >= MiB ? 4 : 50, 2 * window);
  const base = window === 1 ? 20000 : 50000;
  const n = bytes >= 4 * MiB ? base / 400 : bytes >= MiB ? base / 100 : bytes >= 65536 ? base / 10 : base;
  return Math.max(Math.floor(quick ? n / 10 : n), 50, 2 * window);
}

/** The code directories of the Node.js, Python and `provided` echo functions. */
function writeFunctionCode(floorDir) {
  const code = (name, files) => {
    const dir = path.join(scratch.dir, name);
    fs.mkdirSync(dir);
    for (const [file, text, mode] of files) fs.writeFileSync(path.join(dir, file), text, { mode });
    return dir;
  };
  return {
    nodejs: code('nodejs-code', [['index.js', "exports.echo = (event, context, callback) => callback(null, event);\n", 0o644]]),
    python: code('python-code', [['app.py', 'def echo(event, context):\n    return event\n', 0o644]]),
    provided: code('provided-code', [['bootstrap', fs.readFileSync(path.join(floorDir, 'runtime_api_echo')), 0o755]]),
  };
}

/**
 * The group: the four echo functions, one worker each (so a window queues
 * and pipelines as it would on a device), binary payloads, and a timeout
 * that large payloads through the slower paths never reach. The functions
 * run as this process so they can read their code in the private scratch
 * directory.
 */
function benchGroup(code) {
  const runAs = { Uid: process.getuid(), Gid: process.getgid() };
  const fn = (name, executable, runtime) => ({
    Id: name,
    FunctionArn: arnOf(name),
    FunctionConfiguration: {
      Executable: executable,
      EncodingType: 'binary',
      Timeout: 60,
      Pinned: false,
      ...(runtime ? { FunctionRuntimeOverride: runtime } : {}),
      Environment: { Execution: { IsolationMode: 'NoContainer', RunAs: runAs } },
    },
  });
  const functions = {
    echo: [fn('echo', 'echo'), ECHO],
    'echo-nodejs': [fn('echo-nodejs', 'index.echo', 'nodejs20.x'), code.nodejs],
    'echo-python': [fn('echo-python', 'app.echo', 'python3.11'), code.python],
    'echo-provided': [fn('echo-provided', 'index.handler', 'provided.al2'), code.provided],
  };
  const json = {
    FunctionDefinitionVersion: { DefaultConfig: { Execution: { IsolationMode: 'NoContainer', RunAs: runAs } }, Functions: Object.values(functions).map(([f]) => f) },
    SubscriptionDefinitionVersion: { Subscriptions: [] },
    Nanolambda: {
      Code: Object.fromEntries(Object.keys(functions).map((name) => [arnOf(name), functions[name][1]])),
      Functions: Object.fromEntries(Object.keys(functions).map((name) => [arnOf(name), { MaxInstances: 1 }])),
      Http: false,
      LogDir: path.join(scratch.dir, 'logs'),
      StateDir: path.join(scratch.dir, 'state'),
      Runtime: runAs.Uid === 0 || runAs.Gid === 0 ? { AllowFunctionsToRunAsRoot: true } : {},
    },
  };
  return parseGroup(json, '<bench paths>', scratch.dir);
}

/**
 * How long one series may start invocations: the paths differ by orders of
 * magnitude, so a slow one times fewer instead of taking minutes.
 */
const BUDGET_MS = smoke ? 3000 : quick ? 2000 : 10000;
/** Rounds per size and window (see echo-bench.js); each round's series gets BUDGET_MS / ROUNDS. */
const ROUNDS = smoke ? 1 : quick ? 3 : 5;

/** One series through the TS API: warm, then timed. */
async function viaTsApi(runtime, fn, bytes, window, n) {
  await timeInvokes(runtime, fn, bytes, Math.min(n, smoke ? 10 : 500), window, BUDGET_MS / ROUNDS / 4);
  return timeInvokes(runtime, fn, bytes, n, window, BUDGET_MS / ROUNDS);
}

/** Every path, in the order they are measured: name -> series(bytes, window, n). */
function paths(runtime) {
  const key = loadCredentials(runtime.group.stateDir).keys[0];
  return [
    [REFERENCE, (bytes, window, n) => viaTsApi(runtime, 'echo', bytes, window, n)],
    ['http-c', (bytes, window, n) => httpInvokes({ port: runtime.httpAddress.port, fn: 'echo', bytes, n, window, budgetMs: BUDGET_MS / ROUNDS, key })],
    ['http-plain-node', (bytes, window, n) => withPlainEchoServer((port) => httpInvokes({ port, fn: 'echo', bytes, n, window, budgetMs: BUDGET_MS / ROUNDS }))],
    ['ipc-nodejs', (bytes, window, n) => viaTsApi(runtime, 'echo-nodejs', bytes, window, n)],
    ['ipc-python', (bytes, window, n) => viaTsApi(runtime, 'echo-python', bytes, window, n)],
    ['runtime-api-c', (bytes, window, n) => viaTsApi(runtime, 'echo-provided', bytes, window, n)],
  ];
}

async function main() {
  const floorDir = buildFloor();
  const runtime = await Runtime.start({ group: benchGroup(writeFunctionCode(floorDir)), http: { host: '127.0.0.1', port: 0 } });
  scratch.onCleanup(() => runtime.stop());
  const all = paths(runtime);
  // Size by size, window by window, every path in turn, in rounds (see
  // echo-bench.js): they all see the machine in the same states, and a slow
  // path cannot skew one size only.
  for (const bytes of SIZES) {
    // A smoke run keeps a small window: it shows the path pipelines, no more.
    for (const window of [1, smoke ? 8 : windowFor(bytes)]) {
      const n = Math.ceil(iterationsFor(bytes, window) / ROUNDS);
      const rounds = new Map(all.map(([name]) => [name, []]));
      const skipped = new Map();
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, series] of all) {
          if (skipped.has(name)) continue;
          try {
            rounds.get(name).push(await series(bytes, window, n));
          } catch (error) {
            if (scratch.interrupted) return;
            skipped.set(name, String(error.message).split('\n')[0]);
          }
        }
      }
      const reference = rounds.get(REFERENCE);
      for (const [name] of all) {
        if (skipped.has(name)) {
          console.log(`SKIPPED ${name} ${bytes} B ${window} in flight: ${skipped.get(name)}`);
          results.push({ case: name, bytes, in_flight: window, skipped: skipped.get(name) });
          continue;
        }
        const { samples, seconds } = merged(rounds.get(name));
        const row = summarize(name, { bytes, in_flight: window, rounds: ROUNDS }, samples, seconds);
        if (!skipped.has(REFERENCE)) {
          medianRatios(row, rounds.get(name).map((r, i) => ({ figures: roundFigures(r), base: roundFigures(reference[i]) })), 'ts_api_c');
          delete row.ts_api_c_p50_us;
        }
        results.push(row);
      }
    }
  }
  await scratch.cleanup();
  printRows(results, ['bytes', 'in_flight']);
  writeJson(jsonOut, results, { reference: REFERENCE });
}

runCase(scratch, main);
