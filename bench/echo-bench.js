// What bench/invoke.js and bench/paths.js share: the timing loops through the
// TypeScript API, the C floor (bench/floor, built into build-floor/; also
// used by bench/footprint.js), the windows of many-in-flight runs, and the
// rows and their table.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { root, ECHO, SDK_LIB, MiB, latencyFigures } = require('./common.js');

/** The row of one timed series: nearest-rank percentiles of µs samples, and throughput. */
function summarize(name, fields, samplesUs, seconds) {
  const figures = latencyFigures(samplesUs, { unit: 'us', percents: [50, 99, 99.9], digits: 2 });
  const row = { case: name, ...fields, ...figures, ops_per_s: Math.round(figures.n / seconds) };
  process.stderr.write(`# ${JSON.stringify(row)}\n`);
  return row;
}

/**
 * How many invocations many-in-flight keeps going for a payload size: large
 * payloads get a smaller window so what is queued stays within the pool's
 * queued-bytes bound (64 MB) and the ring, and is never throttled.
 */
function windowFor(bytes) {
  return bytes >= 4 * MiB ? 4 : bytes >= MiB ? 16 : bytes >= 65536 ? 64 : 256;
}

/**
 * `n` invokes of `fn` with `bytes`, `window` in flight, every answer
 * checked; no new invoke starts after `budgetMs` (slow paths then time
 * fewer). → { samples: µs of those done, seconds }
 */
async function timeInvokes(runtime, fn, bytes, n, window = 1, budgetMs = Infinity) {
  const payload = Buffer.alloc(bytes, 0x61);
  const samples = new Float64Array(n);
  let next = 0;
  const deadline = performance.now() + budgetMs;
  async function lane() {
    while (next < n && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      const r = await runtime.invoke(fn, payload);
      samples[i] = (performance.now() - t0) * 1000;
      if (r.functionError || r.payload.length !== bytes) {
        throw new Error(`${fn} answered ${r.functionError ?? 'success'} with ${r.payload.length} bytes for ${bytes}: ${r.payload.toString().slice(0, 300)}`);
      }
    }
  }
  const start = performance.now();
  await Promise.all(Array.from({ length: window }, lane));
  return { samples: samples.subarray(0, next), seconds: (performance.now() - start) / 1000 };
}

/** Build bench/floor (the C floor, the bare executable, the Runtime API echo) into build-floor/; incremental. */
function buildFloor() {
  const dir = path.join(root, 'build-floor');
  if (!fs.existsSync(path.join(dir, 'CMakeCache.txt'))) {
    execFileSync('cmake', ['-S', path.join(root, 'bench', 'floor'), '-B', dir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'ignore' });
  }
  execFileSync('cmake', ['--build', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

/**
 * The C floor (bench/floor/pingpong.c) on the echo example: rows
 * `c-floor` (1 in flight) and, where windows[i] > 1, `c-floor-many-in-flight`.
 */
function runFloor(floorDir, { sizes, windows, iterations, warmup }) {
  const out = execFileSync(
    path.join(floorDir, 'pingpong'),
    [
      '--lib', SDK_LIB,
      '--sizes', sizes.join(','),
      ...(windows ? ['--windows', windows.join(',')] : []),
      '--iterations', String(iterations),
      '--warmup', String(warmup),
      ECHO,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const rows = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  for (const r of rows) {
    // The same field names as the rows timed in Node.
    r.n = r.iterations;
    delete r.iterations;
  }
  return rows;
}

/** The readable table on stdout: every row with latency figures, then the others as JSON. */
function printRows(rows, columns) {
  const timed = rows.filter((r) => r.p50_us !== undefined);
  const header = [['case', 30], ...columns.map((c) => [c, 10]), ['n', 8], ['p50 µs', 10], ['p99 µs', 10], ['p99.9 µs', 10], ['ops/s', 10]];
  console.log(`\n${header.map(([h, w], i) => (i === 0 ? h.padEnd(w) : h.padStart(w))).join(' ')}`);
  for (const r of timed) {
    const cells = [r.case, ...columns.map((c) => r[c]), r.n, r.p50_us, r.p99_us, r.p999_us, r.ops_per_s];
    console.log(cells.map((v, i) => (i === 0 ? String(v).padEnd(header[i][1]) : String(v ?? '').padStart(header[i][1]))).join(' '));
  }
  for (const r of rows) if (r.p50_us === undefined) console.log(JSON.stringify(r));
}

// Rounds: a comparison is measured in rounds that alternate its series, so
// each series sees the machine in each of its states (these VMs speed up and
// slow down by several times over minutes). A series' figures come from its
// rounds' samples merged; a ratio is the median of the rounds' own ratios.

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

/** p50, p99 and throughput of one round's samples. */
function roundFigures({ samples, seconds }) {
  const f = latencyFigures(samples, { unit: 'us', percents: [50, 99], digits: 3 });
  return { p50_us: f.p50_us, p99_us: f.p99_us, ops_per_s: f.n / seconds };
}

/** `row`'s ratios to its base: the median over the rounds of each round's own ratio. pairs: [{ figures, base }] */
function medianRatios(row, pairs, prefix) {
  row[`${prefix}_p50_us`] = median(pairs.map((p) => p.base.p50_us));
  row[`p50_vs_${prefix}`] = +median(pairs.map((p) => p.figures.p50_us / p.base.p50_us)).toFixed(2);
  row[`p99_vs_${prefix}`] = +median(pairs.map((p) => p.figures.p99_us / p.base.p99_us)).toFixed(2);
  row[`ops_vs_${prefix}`] = +median(pairs.map((p) => p.figures.ops_per_s / p.base.ops_per_s)).toFixed(3);
}

const merged = (rounds) => ({
  samples: Float64Array.from(rounds.flatMap((r) => Array.from(r.samples))),
  seconds: rounds.reduce((sum, r) => sum + r.seconds, 0),
});

module.exports = { summarize, windowFor, timeInvokes, buildFloor, runFloor, printRows, median, merged, roundFigures, medianRatios };
