#!/usr/bin/env node
// The peers benchmark: one Node.js echo handler (bench/peers/echo) invoked
// warm, one call in flight, by each of
//   direct-call        the handler called in this process (no runtime: the floor),
//   lambda-local       npm lambda-local's execute(), in this process, as its
//                      README shows it: with lambdaFunc, and with lambdaPath
//                      (which re-requires the file on every call),
//   nanolambda-node    a nanolambda nodejs20.x function, through runtime.invoke(),
//   aws-lambda-ric     npm aws-lambda-ric running the same handler as a
//                      provided.al2 function through nanolambda's Lambda
//                      Runtime API, through runtime.invoke(),
// for a 64 B and a 64 KiB JSON event. The peers take turns in short slices,
// in a rotating order, so machine noise hits them alike. In-process peers get
// the event as an object (how their users call them: parsing is not theirs);
// runtime.invoke() gets the JSON bytes. Prints a table and the ratios, writes
// JSON with --json; it asserts nothing about speed.
//
//   node bench/peers.js [--quick] [--smoke] [--json FILE]
//
// The peers live in bench/node_modules (cd bench && npm install); a missing
// one is a SKIPPED line and a skipped row, never a silent gap.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Runtime } = require('../dist/index.js');
const { parseGroup } = require('../dist/config/load-group.js');
const { root, benchOptions, scratchDir, runCase, latencyFigures, writeJson } = require('./common.js');

const { quick, smoke, jsonOut } = benchOptions();
const HANDLER_DIR = path.join(__dirname, 'peers', 'echo');
const SIZES = [64, 65536];
// Rounds × slice = samples per peer and size. A slice is long enough to amortise
// the switch between peers and short enough that a burst of noise spans them all.
const ROUNDS = smoke ? 2 : quick ? 10 : 40;
const SLICE = smoke ? 10 : quick ? 100 : 250;
const WARMUP = smoke ? 5 : 200;
const results = [];
const scratch = scratchDir('peers');
let runtime;

// ---- the events ---------------------------------------------------------------

/** A JSON object whose serialisation is exactly `bytes` long: {"data":"xxx…"}. */
function eventJson(bytes) {
  const overhead = JSON.stringify({ data: '' }).length;
  if (bytes < overhead) throw new Error(`an event cannot be smaller than ${overhead} bytes`);
  return JSON.stringify({ data: 'x'.repeat(bytes - overhead) });
}

// ---- the peers ----------------------------------------------------------------

/** A package in bench/node_modules, or the SKIPPED reason. */
function benchPackage(pkg, mustHave) {
  const dir = path.join(__dirname, 'node_modules', pkg);
  if (!fs.existsSync(path.join(dir, 'package.json'))) return { missing: `bench/node_modules has no ${pkg}: run npm install in bench/` };
  for (const file of mustHave) {
    if (!fs.existsSync(path.join(dir, file))) return { missing: `bench/node_modules/${pkg} has no ${file} (its install did not finish): run npm install in bench/ again` };
  }
  return { dir };
}

function skip(name, why) {
  console.log(`SKIPPED ${name}: ${why}`);
  results.push({ case: name, skipped: why });
}

/** The group: the Node.js function, and the aws-lambda-ric one when it is installed. Functions run as this process's user. */
function peersGroup(ricDir) {
  const uid = process.getuid();
  const gid = process.getgid();
  const functions = [];
  const code = {};
  const add = (name, runtimeId, dir) => {
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${name}:1`;
    code[arn] = dir;
    functions.push({
      Id: name,
      FunctionArn: arn,
      FunctionConfiguration: {
        Executable: 'index.handler',
        FunctionRuntimeOverride: runtimeId,
        EncodingType: 'json',
        Timeout: 10,
        Pinned: false,
        Environment: { Execution: { IsolationMode: 'NoContainer', RunAs: { Uid: uid, Gid: gid } } },
      },
    });
  };
  add('peer-node', 'nodejs20.x', HANDLER_DIR);
  if (ricDir) {
    // What a container image for aws-lambda-ric does: a bootstrap that runs the client, which loads $_HANDLER from the code.
    const ricCode = path.join(scratch.dir, 'ric-code');
    fs.mkdirSync(ricCode);
    fs.copyFileSync(path.join(HANDLER_DIR, 'index.js'), path.join(ricCode, 'index.js'));
    fs.writeFileSync(path.join(ricCode, 'bootstrap'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ricDir, 'index.mjs')}"\n`, { mode: 0o755 });
    add('peer-ric', 'provided.al2', ricCode);
  }
  const local = {
    Code: code,
    Functions: Object.fromEntries(Object.keys(code).map((arn) => [arn, { MaxInstances: 1 }])),
    Http: false,
    StateDir: path.join(scratch.dir, 'state'),
    LogDir: path.join(scratch.dir, 'logs'),
    Runtime: { AllowFunctionsToRunAsRoot: uid === 0 || gid === 0 },
  };
  return parseGroup({ FunctionDefinitionVersion: { Functions: functions }, Nanolambda: local }, '<bench-peers>', root);
}

/** runtime.invoke() of `fn`, one in flight; throws unless the echo came back whole. */
function throughRuntime(fn) {
  return async (ev) => {
    const r = await runtime.invoke(fn, ev.bytes);
    if (r.functionError !== undefined || r.payload.length !== ev.bytes.length) {
      throw new Error(`${fn} failed (${r.functionError ?? `${r.payload.length} bytes back, ${ev.bytes.length} sent`}): ${Buffer.from(r.payload).toString().slice(0, 300)}`);
    }
    return r.payload;
  };
}

/** Each peer: { name, label, call(ev) } where ev = { object, bytes }. */
function preparePeers(lambdaLocal, haveRic) {
  const handler = require(path.join(HANDLER_DIR, 'index.js')).handler;
  const peers = [{ name: 'direct-call', label: 'handler called directly (no runtime)', call: (ev) => handler(ev.object) }];
  if (lambdaLocal) {
    // verboseLevel 0: lambda-local prints nothing, so the console is not what is measured.
    const common = { timeoutMs: 10000, verboseLevel: 0 };
    peers.push({
      name: 'lambda-local-func',
      label: 'lambda-local execute({ lambdaFunc })',
      call: (ev) => lambdaLocal.execute({ ...common, event: ev.object, lambdaFunc: { handler } }),
    });
    peers.push({
      name: 'lambda-local-path',
      label: 'lambda-local execute({ lambdaPath })',
      call: (ev) => lambdaLocal.execute({ ...common, event: ev.object, lambdaPath: path.join(HANDLER_DIR, 'index.js'), lambdaHandler: 'handler' }),
    });
  }
  peers.push({ name: 'nanolambda-node', label: 'nanolambda nodejs20.x function (runtime.invoke)', call: throughRuntime('peer-node') });
  if (haveRic) peers.push({ name: 'aws-lambda-ric', label: 'aws-lambda-ric via nanolambda Runtime API (runtime.invoke)', call: throughRuntime('peer-ric') });
  return peers;
}

/** The first call of each peer must answer the event itself: a peer that echoes wrongly is not measured. */
async function probe(peers, ev) {
  for (const p of peers) {
    const answer = await p.call(ev);
    const text = answer instanceof Uint8Array ? Buffer.from(answer).toString() : JSON.stringify(answer);
    if (text !== ev.json) {
      throw new Error(`${p.name} answered ${String(text).slice(0, 200)}, not the event`);
    }
  }
}

// ---- measuring ----------------------------------------------------------------

async function slice(peer, ev, count, samples) {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const s = performance.now();
    await peer.call(ev);
    samples?.push((performance.now() - s) * 1000);
  }
  return (performance.now() - t0) / 1000;
}

function summarize(peer, bytes, samplesUs, seconds) {
  const row = {
    case: peer.name,
    label: peer.label,
    bytes,
    ...latencyFigures(samplesUs, { unit: 'us', percents: [50, 90, 99], digits: 2, max: true }),
    ops_per_s: Math.round(samplesUs.length / seconds),
  };
  results.push(row);
  process.stderr.write(`# ${JSON.stringify(row)}\n`);
  return row;
}

/** Ratio rows: `of` p50 / `to` p50 for each size (how many times slower `of` is). */
function ratio(name, of, to, rows) {
  for (const bytes of SIZES) {
    const a = rows.find((r) => r.case === of && r.bytes === bytes);
    const b = rows.find((r) => r.case === to && r.bytes === bytes);
    if (!a || !b) continue;
    results.push({ case: 'ratio', name, of, to, bytes, p50_ratio: +(a.p50_us / b.p50_us).toFixed(2) });
  }
}

async function main() {
  const ll = benchPackage('lambda-local', ['build/lambdalocal.js']);
  if (ll.missing) skip('lambda-local', ll.missing);
  const ric = benchPackage('aws-lambda-ric', ['index.mjs', 'rapid-client.node']);
  if (ric.missing) skip('aws-lambda-ric', ric.missing);
  const lambdaLocal = ll.dir ? require(ll.dir) : undefined;

  runtime = await Runtime.start({ group: peersGroup(ric.dir), http: false });
  const forgetRuntime = scratch.onCleanup(() => runtime.stop());
  const peers = preparePeers(lambdaLocal, ric.dir !== undefined);
  const events = SIZES.map((bytes) => {
    const json = eventJson(bytes);
    return { size: bytes, json, object: JSON.parse(json), bytes: Buffer.from(json) };
  });
  console.log(`${peers.length} peers, ${ROUNDS} rounds of ${SLICE} invokes each per size; ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Linux ${os.release()}, Node ${process.version}`);

  const samples = new Map();
  const seconds = new Map();
  const key = (p, ev) => `${p.name}/${ev.size}`;
  try {
    for (const ev of events) {
      await probe(peers, ev);
      for (const p of peers) await slice(p, ev, WARMUP); // JIT, page cache, the workers' first calls
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const ev of events) {
        for (let k = 0; k < peers.length; k++) {
          const p = peers[(round + k) % peers.length];
          if (!samples.has(key(p, ev))) samples.set(key(p, ev), []);
          const s = await slice(p, ev, SLICE, samples.get(key(p, ev)));
          seconds.set(key(p, ev), (seconds.get(key(p, ev)) ?? 0) + s);
        }
      }
      process.stderr.write(`bench/peers.js: round ${round + 1}/${ROUNDS}\n`);
    }
  } finally {
    if (!scratch.interrupted) {
      await runtime.stop();
      forgetRuntime();
    }
  }

  const rows = [];
  for (const ev of events) for (const p of peers) rows.push(summarize(p, ev.size, samples.get(key(p, ev)), seconds.get(key(p, ev))));
  ratio('lambda-local (lambdaFunc) / nanolambda Node.js', 'lambda-local-func', 'nanolambda-node', rows);
  ratio('lambda-local (lambdaPath) / nanolambda Node.js', 'lambda-local-path', 'nanolambda-node', rows);
  ratio('aws-lambda-ric via our Runtime API / nanolambda Node.js', 'aws-lambda-ric', 'nanolambda-node', rows);
  ratio('nanolambda Node.js / direct call', 'nanolambda-node', 'direct-call', rows);

  const pad = (v, n) => String(v ?? '-').padStart(n);
  console.log('\npeer                 bytes      n    p50 µs    p90 µs    p99 µs      ops/s');
  for (const r of rows) {
    console.log(`${r.case.padEnd(18)}${pad(r.bytes, 8)}${pad(r.n, 7)}${pad(r.p50_us, 10)}${pad(r.p90_us, 10)}${pad(r.p99_us, 10)}${pad(r.ops_per_s, 11)}`);
  }
  console.log('');
  for (const r of results.filter((x) => x.case === 'ratio')) console.log(`${r.name}, ${r.bytes} B, p50: ${r.p50_ratio}×`);
  for (const r of results.filter((x) => x.case === 'ratio' && x.of.startsWith('lambda-local') && x.bytes === 64)) {
    console.log(`target (issue 8) Node.js function ≥ 10× faster per warm invoke than ${r.of}: ${r.p50_ratio}× → ${r.p50_ratio >= 10 ? 'met' : 'MISSED'}`);
  }
  const versions = {
    lambdaLocal: ll.dir ? require(path.join(ll.dir, 'package.json')).version : undefined,
    awsLambdaRic: ric.dir ? require(path.join(ric.dir, 'package.json')).version : undefined,
  };
  writeJson(jsonOut, results, { node: process.version, versions, rounds: ROUNDS, slice: SLICE });
}

runCase(scratch, main);
