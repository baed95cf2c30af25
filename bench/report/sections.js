// One Markdown section per case, built from the JSON the case wrote. Each
// renderer knows its script's JSON shape; rows it does not know are still
// shown (as JSON) so nothing a case measured is dropped from the report.
'use strict';
const { table, fenced } = require('./markdown.js');
const { invokeTargets, mark } = require('./targets.js');
const { p50BySizeChart } = require('./charts.js');


function leftovers(rows) {
  return rows.length ? `\nOther figures:\n\n${fenced(rows.map((r) => JSON.stringify(r)).join('\n'))}\n` : '';
}

function renderInvoke(json, charts) {
  const rows = json.results;
  const latency = rows.filter((r) => r.p50_us !== undefined);
  const vsFloor = (r) => (r.p50_vs_c_floor !== undefined ? `${r.p50_vs_c_floor}× / ${r.p99_vs_c_floor}× / ${r.ops_vs_c_floor}×` : '');
  const vsHttp = (r) => (r.p50_vs_http_floor !== undefined ? `${r.p50_vs_http_floor}× / ${r.p99_vs_http_floor}× / ${r.ops_vs_http_floor}× (plain Node HTTP)` : '');
  const lat = table(
    ['case', 'bytes', 'in flight', 'n', 'p50 µs', 'p99 µs', 'p99.9 µs', 'ops/s', 'against its floor: p50 / p99 / ops'],
    latency.map((r) => [r.case, r.bytes, r.in_flight, r.n, r.p50_us, r.p99_us, r.p999_us, r.ops_per_s, vsFloor(r) || vsHttp(r)]),
    [1, 2, 3, 4, 5, 6, 7],
  );
  const targets = table(['target (issue 8)', 'figure', 'verdict'], invokeTargets(rows).map((t) => [t.target, t.figure, mark(t.verdict)]));
  const oneInFlight = latency.filter((r) => r.in_flight === 1);
  const many = latency.filter((r) => r.in_flight > 1);
  return [
    'The echo example invoked through the TypeScript API, one in flight and many (256 up to 4 KiB, then 64, 16 and 4 as payloads grow, so the queued bytes stay bounded), beside the C floor (`bench/floor/pingpong.c`: a C host doing the same round trip over the same transport, with as many in flight), size by size in the same run; and the local HTTP endpoint (SigV4-signed, keep-alive, from a separate client process) beside a plain Node HTTP echo server with the same client. `echo-warn` is the same executable with `SystemLogLevel: WARN`, no per-invocation log lines. Each comparison runs in rounds that alternate its series (`rounds`), so each series sees the machine in each of its states: a TS API row merges its rounds\' samples, a floor row is the median of its rounds\' figures, and a ratio is the median of the rounds\' own ratios.',
    '',
    '**Targets**',
    '',
    targets,
    '',
    '**Latency**',
    '',
    p50BySizeChart(charts, 'invoke-p50-1-in-flight', 'Hot invoke, one in flight: p50 by payload size', oneInFlight, ['c-floor', 'ts-api-1-in-flight']),
    '',
    p50BySizeChart(charts, 'invoke-p50-many-in-flight', 'Hot invoke, many in flight: p50 by payload size', many,
      ['c-floor-many-in-flight', ...new Set(many.filter((r) => r.case.startsWith('ts-api-') && !r.case.endsWith('echo-warn')).map((r) => r.case))]),
    '',
    lat,
    leftovers(rows.filter((r) => r.p50_us === undefined)),
  ].join('\n');
}

function renderContention(json, charts) {
  const rows = json.results;
  const timed = rows.filter((r) => r.p50_us !== undefined);
  const load = rows.find((r) => r.case === 'background load');
  const out = [
    "The echo function's latency (64 B, one in flight) while other functions misbehave, in one runtime, conditions interleaved in short slices: A idle, B more busy-looping workers than cores, C a fork bomb invoked again and again. `p50/A` compares with A of the same run; loop = the runtime's event-loop delay.",
    '',
    table(
      ['condition', 'n', 'p50 µs', 'p90 µs', 'p99 µs', 'max µs', 'ops/s', 'p50/A', 'p99/A', 'loop p50 µs', 'loop p99 µs'],
      timed.map((r) => [r.case, r.n, r.p50_us, r.p90_us, r.p99_us, r.max_us, r.ops_per_s, r.p50_vs_A, r.p99_vs_A, r.loop_delay_p50_us, r.loop_delay_p99_us]),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ),
    '',
    charts.add('contention-latency', {
      kind: 'bars',
      title: 'Echo latency while other functions misbehave',
      yTitle: 'µs (log scale)',
      yLog: true,
      groups: timed.map((r) => ({ label: r.case, bars: [{ name: 'p50', value: r.p50_us }, { name: 'p90', value: r.p90_us }, { name: 'p99', value: r.p99_us }] })),
    }),
  ];
  if (load) {
    const { case: _name, ...facts } = load;
    out.push('', '**Background load**', '', table(['figure', 'value'], Object.entries(facts)));
  }
  out.push(leftovers(rows.filter((r) => r.p50_us === undefined && r !== load)));
  return out.join('\n');
}

module.exports = { renderInvoke, renderContention };
