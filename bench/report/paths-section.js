// The report's section for bench/paths.js: the same echo through every entry
// path, a table with the ratios to the TS API -> C path of the same run, the
// HTTP target of issue 8, and p50 against payload size per path (log-log).
'use strict';
const { table } = require('./markdown.js');
const { verdict, mark } = require('./targets.js');
const { sizeLabel } = require('../common.js');
const { p50BySizeChart } = require('./charts.js');

/** What each path of bench/paths.js is, in the order the table lists them. */
const PATHS = [
  ['ts-api-c', 'TS API → C echo executable (reference)'],
  ['http-c', 'local HTTP invoke (SigV4, keep-alive) → C echo'],
  ['http-plain-node', 'plain Node http echo server, same client (HTTP floor)'],
  ['ipc-nodejs', 'TS API → Node.js echo (Greengrass IPC)'],
  ['ipc-python', 'TS API → Python echo (Greengrass IPC)'],
  ['runtime-api-c', 'TS API → `provided` C bootstrap (Lambda Runtime API)'],
];
const label = (name) => PATHS.find(([n]) => n === name)?.[1] ?? name;
const order = (name) => {
  const i = PATHS.findIndex(([n]) => n === name);
  return i < 0 ? PATHS.length : i;
};
const ratio = (v) => (v === undefined ? '' : `${v}×`);

/**
 * The Markdown section from paths.js's JSON ({ results: [...] }); `charts`
 * (required) is the report's chart writer ({ add(name, spec) -> Markdown image line }).
 */
function render(json, charts) {
  const rows = json.results;
  const timed = rows
    .filter((r) => r.p50_us !== undefined)
    .sort((a, b) => a.bytes - b.bytes || a.in_flight - b.in_flight || order(a.case) - order(b.case));
  const skipped = rows.filter((r) => r.skipped !== undefined);
  const http = timed.find((r) => r.case === 'http-c' && r.bytes === 64 && r.in_flight === 1);
  const out = [
    'The same echo (payload in, the same bytes out) through each way into nanolambda, in one runtime and one run, size by size: ' +
      'one invocation in flight, then a window of many (`in flight`); latency is call to complete answer, timed by the caller. ' +
      'The paths take turns in rounds (5 in a full run), so each sees the machine in each of its states: a row merges its rounds\' samples, and a ratio is the median of the rounds\' own ratios to the TS API → C path of the same size and window.',
    '',
    table(['path', 'what', 'transport'], [
      ['ts-api-c', label('ts-api-c'), "`runtime.invoke()` → the worker's shared-memory ring"],
      ['http-c', label('http-c'), 'HTTP/1.1 from a separate Node process → the ring'],
      ['http-plain-node', label('http-plain-node'), 'the same HTTP/1.1 client (`bench/http-client.js`) → a plain Node server; no runtime'],
      ['ipc-nodejs', label('ipc-nodejs'), "nanolambda's Node.js runtime over the Greengrass IPC"],
      ['ipc-python', label('ipc-python'), "nanolambda's Python runtime over the Greengrass IPC"],
      ['runtime-api-c', label('runtime-api-c'), '`bench/floor/runtime_api_echo.c`: C89, POSIX sockets, HTTP/1.1 keep-alive'],
    ]),
    '',
    '**Target**',
    '',
    table(['target (issue 8)', 'figure', 'verdict'], [
      ['local HTTP invoke 64 B p50 ≤ 100 µs (keep-alive)', http ? `${http.p50_us} µs` : '', mark(verdict(http?.p50_us, 100))],
    ]),
    '',
    '**Latency and throughput**',
    '',
    table(
      ['path', 'payload', 'in flight', 'n', 'p50 µs', 'p99 µs', 'p99.9 µs', 'ops/s', 'p50 / ts-api-c', 'p99 / ts-api-c', 'ops / ts-api-c'],
      timed.map((r) => [r.case, sizeLabel(r.bytes), r.in_flight, r.n, r.p50_us, r.p99_us, r.p999_us, r.ops_per_s, ratio(r.p50_vs_ts_api_c), ratio(r.p99_vs_ts_api_c), ratio(r.ops_vs_ts_api_c)]),
      [2, 3, 4, 5, 6, 7, 8, 9, 10],
    ),
  ];
  const one = timed.filter((r) => r.in_flight === 1);
  const many = timed.filter((r) => r.in_flight > 1);
  out.push('', p50BySizeChart(charts, 'paths-p50-1-in-flight', 'Entry paths: p50 vs payload, 1 in flight', one, PATHS.map(([n]) => n)));
  const windows = [...new Set(many.map((r) => r.in_flight))].join(', ');
  if (many.length) out.push('', p50BySizeChart(charts, 'paths-p50-many-in-flight', `Entry paths: p50 vs payload, many in flight (windows ${windows} by size)`, many, PATHS.map(([n]) => n)));
  if (skipped.length) {
    out.push('', '**Skipped:**', '', ...skipped.map((r) => `- ${r.case}, ${sizeLabel(r.bytes)}, ${r.in_flight} in flight: ${r.skipped}`));
  }
  return out.join('\n');
}

module.exports = { render };
