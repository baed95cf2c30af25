#!/usr/bin/env node
// Compares two runs of the suite on one machine: the ratios each case
// measures within its own run (nanolambda ÷ its floor, a path ÷ the TS API,
// a peer ÷ nanolambda, a condition ÷ idle) must hold from run to run even when
// absolute figures move with the machine's load; and each target's verdict.
// Medians and throughput are judged; tail ratios (p99) are shown, not judged:
// on a shared VM a tail is set by what else ran in those seconds.
//
//   node bench/compare.js A.json B.json [--tolerance 0.25]
//
// A.json and B.json are what bench/suite.js writes beside its report
// (docs/benchmarks.json). Prints a Markdown table; exits 1 when a ratio moved
// by more than the tolerance (B/A outside [1/(1+t), 1+t]) or a verdict changed.
'use strict';
const fs = require('node:fs');
const { table } = require('./report/markdown.js');
const { CASES } = require('./report/cases.js');
const { mark } = require('./report/targets.js');

const USAGE = 'usage: node bench/compare.js A.json B.json [--tolerance 0.25]';
/** Row fields that are ratios measured within one run: of medians and throughput (judged), of tails (shown). */
const RATIO_FIELD = /(_vs_|ratio)/;
const TAIL_FIELD = /^p99/;
/** Row fields that say which series a row is (everything else is a figure). */
const IDENTITY_FIELDS = ['case', 'label', 'kind', 'name', 'isolation', 'bytes', 'in_flight', 'functions', 'workers', 'of', 'to'];

function parseArgs(argv) {
  const files = [];
  let tolerance = 0.25;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tolerance') {
      tolerance = Number(argv[++i]);
      if (!(tolerance > 0)) throw new Error(`--tolerance: ${JSON.stringify(argv[i])} is not a positive fraction (0.25 = 25 %)`);
    } else if (argv[i].startsWith('--')) throw new Error(`unknown option ${JSON.stringify(argv[i])}`);
    else files.push(argv[i]);
  }
  if (files.length !== 2) throw new Error(`two figure files are needed, got ${files.length}`);
  return { files, tolerance };
}

function readRun(file) {
  let run;
  try {
    run = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a suite figures file (${e.message})`);
  }
  if (!run || typeof run.cases !== 'object') throw new Error(`${file}: has no "cases": write it with bench/suite.js`);
  return run;
}

const identity = (row) => IDENTITY_FIELDS.filter((f) => row[f] !== undefined).map((f) => (f === 'case' ? row[f] : `${f} ${row[f]}`)).join(', ');

/** [{ caseName, row, field, a, b }] for every ratio both runs measured. */
function pairedRatios(a, b) {
  const pairs = [];
  for (const { name } of CASES) {
    const rowsA = a.cases[name]?.results;
    const rowsB = b.cases[name]?.results;
    if (!rowsA || !rowsB) continue;
    const byId = new Map(rowsB.map((r) => [identity(r), r]));
    for (const ra of rowsA) {
      const rb = byId.get(identity(ra));
      if (!rb) continue;
      for (const field of Object.keys(ra).filter((f) => RATIO_FIELD.test(f))) {
        if (typeof ra[field] === 'number' && typeof rb[field] === 'number') pairs.push({ caseName: name, row: identity(ra), field, a: ra[field], b: rb[field] });
      }
    }
  }
  return pairs;
}

/** [{ caseName, target, a, b }] verdicts of both runs, by target text. */
function pairedVerdicts(a, b) {
  const out = [];
  for (const c of CASES.filter((x) => x.targets)) {
    const ta = a.cases[c.name]?.results ? c.targets(a.cases[c.name].results) : [];
    const tb = new Map((b.cases[c.name]?.results ? c.targets(b.cases[c.name].results) : []).map((t) => [t.target, t]));
    for (const t of ta) if (tb.has(t.target)) out.push({ caseName: c.name, target: t.target, a: t, b: tb.get(t.target) });
  }
  return out;
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`bench/compare.js: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  let a;
  let b;
  try {
    [a, b] = opts.files.map(readRun);
  } catch (e) {
    console.error(`bench/compare.js: ${e.message}`);
    process.exit(2);
  }
  const holds = (r) => r.a > 0 && r.b > 0 && Math.abs(Math.log(r.b / r.a)) <= Math.log(1 + opts.tolerance);
  const ratios = pairedRatios(a, b);
  const verdicts = pairedVerdicts(a, b);
  const judged = ratios.filter((r) => !TAIL_FIELD.test(r.field));
  const tails = ratios.filter((r) => TAIL_FIELD.test(r.field));
  const moved = judged.filter((r) => !holds(r));
  const flipped = verdicts.filter((v) => v.a.verdict !== v.b.verdict);
  console.log(`# ${opts.files[0]} (A, ${a.machine?.date}) against ${opts.files[1]} (B, ${b.machine?.date})\n`);
  const rows = (list, judge) => list.map((r) => [r.caseName, r.row, r.field, r.a, r.b, r.a ? (r.b / r.a).toFixed(2) : '–', ...(judge ? [holds(r) ? 'yes' : '**no**'] : [])]);
  console.log(`## Ratios of medians and throughput within each run (tolerance ±${Math.round(opts.tolerance * 100)} %)\n`);
  console.log(table(['case', 'row', 'ratio', 'A', 'B', 'B ÷ A', 'holds'], rows(judged, true), [3, 4, 5]));
  console.log('\n## Ratios of tails (p99), shown, not judged\n');
  console.log(table(['case', 'row', 'ratio', 'A', 'B', 'B ÷ A'], rows(tails, false), [3, 4, 5]));
  console.log('\n## Targets\n');
  console.log(table(['case', 'target', 'A', 'B'], verdicts.map((v) => [v.caseName, v.target, `${v.a.figure} ${mark(v.a.verdict)}`, `${v.b.figure} ${mark(v.b.verdict)}`])));
  console.log(`\n${judged.length - moved.length} of ${judged.length} ratios of medians and throughput held; ${verdicts.length - flipped.length} of ${verdicts.length} verdicts are the same.`);
  if (moved.length || flipped.length) process.exitCode = 1;
}

main();
