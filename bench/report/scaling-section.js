// The report's section for bench/scaling.js: per sweep (functions, workers,
// payload) the sentence saying how cost grows (fitted by the script from its
// figures), a table, and line charts of throughput and p99 against x.
'use strict';
const { table, fenced } = require('./markdown.js');
const { sizeLabel } = require('../common.js');

const SWEEPS = ['functions', 'workers', 'payload'];

const mib = (kb) => (kb === undefined ? undefined : (kb / 1024).toFixed(1));
/** Three significant digits (whole numbers from 100 up): the tables compare magnitudes, noise eats the rest. */
const sig = (v) => (typeof v !== 'number' ? v : Math.abs(v) >= 100 ? String(Math.round(v)) : String(+v.toPrecision(3)));

/** The columns every sweep shares after its own. */
const costHeader = ['n', 'invocations/s', 'p50 µs', 'p99 µs', 'runtime CPU µs / inv.', 'workers CPU µs / inv.', 'runtime RSS MiB', 'workers RSS MiB'];
const costCells = (r) => [r.n, r.ops_per_s, sig(r.p50_us), sig(r.p99_us), sig(r.runtime_cpu_us_per_op), sig(r.workers_cpu_us_per_op), mib(r.runtime_rss_kb), mib(r.workers_rss_kb)];
const rightFrom = (first, count) => Array.from({ length: count }, (_, i) => first + i);

/** Throughput and p99 against x (log x), one series per window: two charts. */
function twoCharts(add, sweep, noun, xTitle, seriesOf) {
  const throughput = add(`scaling-${sweep}-throughput`, {
    kind: 'lines',
    title: `Throughput as ${noun} grow`,
    xTitle,
    yTitle: 'invocations/s',
    xLog: true,
    yLog: sweep === 'payload', // 0 B to 6 MiB spans decades
    series: seriesOf((r) => r.ops_per_s),
  });
  const p99 = add(`scaling-${sweep}-p99`, {
    kind: 'lines',
    title: `p99 latency as ${noun} grow`,
    xTitle,
    yTitle: 'p99 µs',
    xLog: true,
    yLog: true,
    series: seriesOf((r) => r.p99_us),
  });
  return [throughput, p99];
}

function functionsPart(rows, add) {
  const window = rows[0]?.window;
  const seriesOf = (y) => [{ name: `${window} in flight`, points: rows.map((r) => [r.x, y(r)]) }];
  return [
    `**Functions**: 1 to ${rows[rows.length - 1]?.x} echo functions (MaxInstances 1 each), ${window} invocations in flight spread over them round robin, ${rows[0]?.bytes} B payloads.`,
    '',
    table(['functions', 'workers', ...costHeader], rows.map((r) => [r.x, r.workers, ...costCells(r)]), rightFrom(0, 10)),
    '',
    ...twoCharts(add, 'functions', 'functions', 'functions (log)', seriesOf),
  ];
}

function workersPart(rows, add, cpus) {
  const window = rows[0]?.window;
  const seriesOf = (y) => [{ name: `${window} in flight`, points: rows.map((r) => [r.x, y(r)]) }];
  return [
    `**Workers**: one echo function with MaxInstances 1 to ${rows[rows.length - 1]?.x}, ${window} invocations in flight (more than the largest count, so every worker has work), ${rows[0]?.bytes} B payloads. ` +
      `This machine has ${cpus ?? 'an unrecorded number of'} CPUs: the runtime's process and the workers share them.`,
    '',
    table(['MaxInstances', 'workers started', ...costHeader], rows.map((r) => [r.x, r.workers, ...costCells(r)]), rightFrom(0, 10)),
    '',
    ...twoCharts(add, 'workers', 'workers', 'MaxInstances (log)', seriesOf),
  ];
}

function payloadPart(rows, add) {
  const windows = [...new Set(rows.map((r) => r.window))];
  // A log axis has no 0: the 0 B points are in the table only.
  const seriesOf = (y) => windows.map((w) => ({ name: `${w} in flight`, points: rows.filter((r) => r.window === w && r.bytes > 0).map((r) => [r.bytes, y(r)]) }));
  const mbps = add('scaling-payload-mb-per-s', {
    kind: 'lines',
    title: 'MB/s as payloads grow',
    xTitle: 'payload bytes (log)',
    yTitle: 'MB/s (payload, each way)',
    xLog: true,
    yLog: true,
    series: seriesOf((r) => r.mb_per_s),
  });
  return [
    `**Payload**: one echo function (MaxInstances 1), 0 B to 6 MiB, at ${windows.join(' and ')} in flight. MB/s counts the payload once (the echo carries it both ways); µs per KiB is wall time per invocation divided by the KiB carried (from 1 KiB up). The charts leave 0 B out (a log axis has no 0).`,
    '',
    table(
      ['payload', 'in flight', 'n', 'invocations/s', 'MB/s', 'p50 µs', 'p99 µs', 'µs per KiB', 'runtime CPU µs / inv.', 'workers CPU µs / inv.'],
      rows.map((r) => [sizeLabel(r.bytes), r.window, r.n, r.ops_per_s, sig(r.mb_per_s), sig(r.p50_us), sig(r.p99_us), sig(r.us_per_kib), sig(r.runtime_cpu_us_per_op), sig(r.workers_cpu_us_per_op)]),
      rightFrom(1, 9),
    ),
    '',
    ...twoCharts(add, 'payload', 'payloads', 'payload bytes (log)', seriesOf),
    mbps,
  ];
}

/** Markdown for bench/scaling.js's JSON; `charts` (required): `charts.add(name, spec)` draws a chart and returns its image line. */
function render(json, charts) {
  const rows = json.results;
  const add = (name, spec) => charts.add(name, spec);
  const plan = json.plan ?? {};
  const out = [
    `Three sweeps of the C echo example through the TypeScript API (\`runtime.invoke\`), each point a closed loop with a fixed number of invocations in flight, in a fresh runtime: ${plan.warmupMs} ms of warm-up, then ${plan.measureMs} ms measured (and at least ${plan.minSamples} invocations), in ${plan.rounds} round(s) whose points rotate so machine noise hits them alike (samples merged). ` +
      'Runtime CPU is the whole Node process per invocation (the runtime and the driver invoking it share it); workers CPU is the workers\' on-CPU time (/proc/<pid>/schedstat) per invocation; RSS is the median over the rounds at the end of each.',
    '',
    `Functions ran as ${json.identity ?? 'an unrecorded identity'}; ${json.cpus ?? '?'} CPUs.`,
    '',
  ];
  const parts = { functions: functionsPart, workers: workersPart, payload: payloadPart };
  const shown = new Set();
  for (const sweep of SWEEPS) {
    const points = rows.filter((r) => r.sweep === sweep && r.ops_per_s !== undefined);
    const fit = rows.find((r) => r.sweep === sweep && r.sentence !== undefined);
    if (points.length === 0) continue;
    points.forEach((r) => shown.add(r));
    if (fit) shown.add(fit);
    out.push(...parts[sweep](points, add, json.cpus), '');
    if (fit) out.push(`How cost grows: ${fit.sentence}`, '');
  }
  const skipped = rows.filter((r) => r.skipped !== undefined);
  skipped.forEach((r) => shown.add(r));
  if (skipped.length) out.push('**Skipped:**', '', ...skipped.map((r) => `- ${r.case}: ${r.skipped}`), '');
  const rest = rows.filter((r) => !shown.has(r));
  if (rest.length) out.push('Other figures:', '', fenced(rest.map((r) => JSON.stringify(r)).join('\n')), '');
  return out.join('\n');
}

module.exports = { render };
