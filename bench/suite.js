#!/usr/bin/env node
// nanolambda's benchmark suite: runs each benchmark in a fresh `node` process
// (one after the other, each with a timeout), measures the footprint, and
// writes a Markdown report with the machine, the command and a table per case.
//
//   node bench/suite.js [--quick] [--only name,name] [--out FILE] [--timeout SECONDS]
//
// Needs the library built (npm run build:ts) and the SDK built (sdk/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseSuiteArgs, USAGE } = require('./report/args.js');
const { runCase } = require('./report/run-case.js');
const { describeMachine } = require('./report/machine.js');
const { measureFootprint } = require('./report/footprint.js');
const { buildDocument } = require('./report/document.js');
const sections = require('./report/sections.js');

const root = path.resolve(__dirname, '..');

// Timeouts are generous multiples of what each case takes on a 2-core machine,
// so only a hung case hits them.
const CASES = [
  { name: 'invoke', title: 'Hot invoke', script: 'invoke.js', quickS: 600, fullS: 3600, render: sections.renderInvoke },
  { name: 'cold-start', title: 'Cold start', script: 'cold-start.js', quickS: 300, fullS: 1800, render: sections.renderColdStart },
  { name: 'contention', title: 'Contention', script: 'contention.js', quickS: 300, fullS: 1200, render: sections.renderContention },
  { name: 'footprint', title: 'Footprint', measure: () => measureFootprint(root), render: sections.renderFootprint },
];

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
  const outcomes = [];
  for (const c of chosen) {
    process.stderr.write(`bench/suite.js: ${c.name} ... `);
    let outcome;
    if (c.measure) {
      const t0 = performance.now();
      outcome = { ...c.measure(), seconds: (performance.now() - t0) / 1000 };
    } else {
      const timeoutS = opts.timeoutS ?? (opts.quick ? c.quickS : c.fullS);
      outcome = await runCase(path.join(__dirname, c.script), { quick: opts.quick, timeoutMs: timeoutS * 1000, cwd: root });
      outcome.notes = outcome.stdout.split('\n').filter((l) => NOTE.test(l));
    }
    // A renderer that throws on an unexpected JSON shape is a failure of the case's report, shown as such.
    if (outcome.ok) {
      try {
        c.render(outcome.json);
      } catch (e) {
        Object.assign(outcome, { ok: false, error: `its JSON could not be turned into a table (${e.message})` });
      }
    }
    process.stderr.write(`${outcome.ok ? 'ok' : `FAILED: ${outcome.error}`} (${outcome.seconds.toFixed(1)} s)\n`);
    outcomes.push({ ...c, ...outcome });
  }
  const doc = buildDocument({ machine, command, cwd: process.cwd(), quick: opts.quick, outcomes });
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, doc);
  console.log(`bench/suite.js: report written to ${opts.out}`);
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
