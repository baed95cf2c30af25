#!/usr/bin/env node
// nanolambda's benchmark suite: runs each benchmark in a fresh `node` process
// (one after the other, each with a timeout) and
// writes a Markdown report with the machine, the command and a table per case.
//
//   node bench/suite.js [--quick | --smoke] [--only name,name] [--out FILE] [--timeout SECONDS]
//
//   --smoke: every case with the fewest rounds (the tests use it; figures meaningless).
//
// Needs the library built (npm run build:ts) and the SDK built (sdk/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseSuiteArgs, USAGE } = require('./report/args.js');
const { runCase } = require('./report/run-case.js');
const { describeMachine } = require('./report/machine.js');
const { buildDocument } = require('./report/document.js');
const { chartsBeside } = require('./report/charts.js');
const { CASES } = require('./report/cases.js');

const root = path.resolve(__dirname, '..');

/** Lines a script prints on stdout that qualify its figures (skips, missing limits). */
const NOTE = /^(SKIPPED|WITHOUT A LIMIT|functions as the default identity failed)/;

async function main() {
  let opts;
  try {
    opts = parseSuiteArgs(process.argv.slice(2), CASES.map((c) => c.name), path.join(root, 'docs', 'benchmarks.md'));
  } catch (e) {
    console.error(`bench/suite.js: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(`${USAGE}\ncases: ${CASES.map((c) => c.name).join(', ')}`);
    return;
  }
  if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) {
    console.error(`bench/suite.js: ${path.join(root, 'dist', 'index.js')} is missing: run \`npm run build:ts\` in ${root} first`);
    process.exit(2);
  }
  const machine = describeMachine();
  const command = ['node', path.relative(process.cwd(), __filename) || __filename, ...process.argv.slice(2)].join(' ');
  const chosen = CASES.filter((c) => !opts.only || opts.only.includes(c.name));
  const charts = chartsBeside(opts.out);
  const outcomes = [];
  for (const c of chosen) {
    process.stderr.write(`bench/suite.js: ${c.name} ... `);
    const timeoutS = opts.timeoutS ?? (opts.quick || opts.smoke ? c.quickS : c.fullS);
    const outcome = await runCase(path.join(__dirname, c.script), { quick: opts.quick, smoke: opts.smoke, timeoutMs: timeoutS * 1000, cwd: root });
    outcome.notes = outcome.stdout.split('\n').filter((l) => NOTE.test(l));
    // A renderer that throws on an unexpected JSON shape is a failure of the case's report, shown as such.
    if (outcome.ok) {
      try {
        outcome.section = c.render(outcome.json, charts);
        outcome.targetRows = c.targets?.(outcome.json.results);
      } catch (e) {
        Object.assign(outcome, { ok: false, error: `its JSON could not be turned into a table (${e.message})` });
      }
    }
    process.stderr.write(`${outcome.ok ? 'ok' : `FAILED: ${outcome.error}`} (${outcome.seconds.toFixed(1)} s)\n`);
    outcomes.push({ name: c.name, title: c.title, hasTargets: Boolean(c.targets), ...outcome });
  }
  const doc = buildDocument({ machine, command, cwd: process.cwd(), quick: opts.quick, smoke: opts.smoke, outcomes });
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, doc);
  // The raw figures beside the report, so a second run can be compared with it (bench/compare.js).
  const figures = opts.out.replace(/\.md$/, '.json');
  const byCase = Object.fromEntries(outcomes.map((o) => [o.name, o.ok ? o.json : { failed: o.error }]));
  fs.writeFileSync(figures, `${JSON.stringify({ machine, command, quick: opts.quick, smoke: opts.smoke, cases: byCase }, null, 1)}\n`);
  console.log(`bench/suite.js: report written to ${opts.out}, figures to ${figures}`);
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
