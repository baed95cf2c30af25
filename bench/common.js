// What every benchmark here shares: its options, its scratch directory (and
// what an interrupted run must undo), its percentiles, and its JSON file.
// Node built-ins only: test/bench-peers.test.ts runs peers.js from a copy of
// bench/ holding just peers.js and this file.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * `--quick` (fewer rounds), `--smoke` (the fewest rounds that show the case
 * runs end to end: for the tests, its figures mean nothing; implies quick)
 * and `--json FILE` (write the figures there).
 */
function benchOptions(argv = process.argv.slice(2)) {
  const smoke = argv.includes('--smoke');
  return {
    quick: smoke || argv.includes('--quick'),
    smoke,
    jsonOut: argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined,
  };
}

const root = path.resolve(__dirname, '..');
const examplesDir = path.join(root, 'sdk', 'libexec', 'nanolambda', 'examples');
/** The C echo example: what most cases invoke. */
const ECHO = path.join(examplesDir, 'echo');
const SDK_LIB = path.join(root, 'sdk', 'lib');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long an interrupted run may spend stopping before its directory is removed regardless. */
const INTERRUPT_LIMIT_MS = 10000;

/**
 * A fresh scratch directory, `nanolambda-bench-<prefix>-XXXXXX` (0700),
 * announced on stderr as `# scratch <dir>` (the tests read that line).
 * `onCleanup(stop)` registers what must be undone (a runtime, a child, a
 * cgroup) and returns a function that forgets it once the script has undone
 * it itself. `cleanup()` runs the registered stops, newest first, then
 * removes the directory; it runs once however often it is called. SIGINT
 * and SIGTERM (Ctrl-C, the suite's timeout) do the same, then exit 130 or
 * 143 as a killed process would, so an interrupted run leaves no worker and
 * no files.
 */
function scratchDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nanolambda-bench-${prefix}-`));
  process.stderr.write(`# scratch ${dir}\n`);
  const stops = new Set();
  let done;
  let interrupted = false;
  const cleanup = () => {
    done ??= (async () => {
      for (const stop of [...stops].reverse()) {
        try {
          await stop();
        } catch (error) {
          process.stderr.write(`# cleanup: ${error.message}\n`);
        }
      }
      stops.clear();
      fs.rmSync(dir, { recursive: true, force: true });
    })();
    return done;
  };
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`# ${signal}: stopping and removing ${dir}\n`);
      // A stop that hangs must not keep the process: the directory goes anyway.
      setTimeout(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        process.exit(code);
      }, INTERRUPT_LIMIT_MS).unref();
      cleanup().finally(() => process.exit(code));
    });
  }
  const onCleanup = (stop) => {
    // A wrapper per registration: the same function registered twice is forgotten once each.
    const entry = () => stop();
    stops.add(entry);
    return () => stops.delete(entry);
  };
  // `interrupted`: a signal is stopping the run, so failures from here on are its doing, not the case's.
  return { dir, onCleanup, cleanup, get interrupted() { return interrupted; } };
}

/**
 * Run a case's `main`, then clean `scratch` up; a failure is printed, cleaned
 * up after too, and the exit status is 1.
 */
function runCase(scratch, main) {
  main().then(
    () => scratch.cleanup(),
    async (error) => {
      // Interrupted: the signal's handler is cleaning up and sets the exit status.
      if (scratch.interrupted) return;
      console.error(error);
      await scratch.cleanup();
      process.exit(1);
    },
  );
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** A payload size as the cases name it and the report shows it: whole MiB, whole KiB, else bytes (`space` between number and unit). */
function sizeLabel(bytes, space = ' ') {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB}${space}MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB}${space}KiB`;
  return `${bytes}${space}B`;
}

/** The p-th percentile of an ascending array (nearest rank). */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * The latency figures of a row: `n`, then `p<p>_<unit>` for each of
 * `percents` (99.9 → p999), then `max_<unit>` when `max`, each rounded to
 * `digits` decimals.
 */
function latencyFigures(samples, { unit, percents, digits, max = false }) {
  const sorted = Float64Array.from(samples).sort();
  const rounded = (v) => +v.toFixed(digits);
  const figures = { n: sorted.length };
  for (const p of percents) figures[`p${String(p).replace('.', '')}_${unit}`] = rounded(percentile(sorted, p));
  if (max) figures[`max_${unit}`] = rounded(sorted[sorted.length - 1]);
  return figures;
}

/** Write `{ date, host, ...extra, results }` to the --json file, when given. */
function writeJson(jsonOut, results, extra = {}) {
  if (!jsonOut) return;
  fs.writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), host: os.cpus()[0]?.model, ...extra, results }, null, 2));
}

module.exports = { root, examplesDir, ECHO, SDK_LIB, KiB, MiB, benchOptions, sleep, scratchDir, runCase, sizeLabel, percentile, latencyFigures, writeJson };
