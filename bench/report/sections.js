// One Markdown section per case, built from the JSON the case wrote. Each
// renderer knows its script's JSON shape; rows it does not know are still
// shown (as JSON) so nothing a case measured is dropped from the report.
'use strict';
const { table, fenced } = require('./markdown.js');
const { invokeTargets } = require('./targets.js');

const mark = (v) => (v === 'met' ? '✅ met' : v === 'missed' ? '❌ missed' : v ?? '–');

function leftovers(rows) {
  return rows.length ? `\nOther figures:\n\n${fenced(rows.map((r) => JSON.stringify(r)).join('\n'))}\n` : '';
}

function renderInvoke(json) {
  const rows = json.results;
  const latency = rows.filter((r) => r.p50_us !== undefined);
  const floorP50 = new Map(latency.filter((r) => r.case === 'c-floor').map((r) => [r.bytes, r.p50_us]));
  const lat = table(
    ['case', 'bytes', 'n', 'p50 µs', 'p99 µs', 'p99.9 µs', 'ops/s', 'p50 / C floor (1 in flight)'],
    latency.map((r) => {
      const f = floorP50.get(r.bytes);
      const ratio = r.case.startsWith('ts-api-1-in-flight') && f ? `${(r.p50_us / f).toFixed(2)}×` : '';
      return [r.case, r.bytes, r.n ?? r.iterations, r.p50_us, r.p99_us, r.p999_us, r.ops_per_s, ratio];
    }),
    [1, 2, 3, 4, 5, 6, 7],
  );
  const idle = rows.find((r) => r.case === 'runtime-idle-rss');
  const worker = rows.find((r) => r.case === 'worker-rss-after-64B-invokes');
  const kb = (v) => (v === undefined ? '' : `${v} kB`);
  const mem = table(
    ['process', 'RSS', 'anon', 'file', 'private', 'cost over the bare executable (RSS / private)'],
    [
      ...(idle ? [['runtime (this Node process), idle', kb(idle.rss_kb), kb(idle.anon_kb), kb(idle.file_kb), '', '']] : []),
      ...(worker
        ? [
            ['echo worker after 10,000 64 B invokes', kb(worker.rss_kb), kb(worker.anon_kb), kb(worker.file_kb), kb(worker.worker_private_kb),
              `${kb(worker.worker_cost_kb)} / ${kb(worker.worker_private_cost_kb)}`],
            ['bare executable (SDK linked, never a worker)', kb(worker.bare_executable_rss_kb), kb(worker.bare_anon_kb), kb(worker.bare_file_kb), kb(worker.bare_private_kb), ''],
          ]
        : []),
    ],
    [1, 2, 3, 4],
  );
  const targets = table(['target (issue 8)', 'figure', 'verdict'], invokeTargets(rows).map((t) => [t.target, t.figure, mark(t.verdict)]));
  const known = new Set(['runtime-idle-rss', 'worker-rss-after-64B-invokes']);
  const rest = rows.filter((r) => r.p50_us === undefined && !known.has(r.case));
  return [
    'The echo example invoked through the TypeScript API (one and many in flight), through the local HTTP endpoint (SigV4-signed, keep-alive, from a separate client process) beside a plain Node HTTP echo server, and the C floor (`bench/floor/pingpong.c`: a C host doing the same round trip over the same transport), all in the same run. `echo-warn` is the same executable without per-invocation log lines.',
    '',
    '**Targets**',
    '',
    targets,
    '',
    '**Latency**',
    '',
    lat,
    '',
    '**Memory**',
    '',
    mem,
    leftovers(rest),
  ].join('\n');
}

function renderColdStart(json) {
  const rows = json.results;
  const timed = rows.filter((r) => r.p50_ms !== undefined);
  const skipped = rows.filter((r) => r.skipped !== undefined);
  const out = [
    'Each round invokes every function cold (no worker: the invocation starts one), then once warm, then stops the worker; the cases rotate round by round. Time of `runtime.invoke()` with 64 B, call to response.',
    '',
    `Functions ran as ${json.identity ?? 'an unrecorded identity'}.`,
    '',
    table(
      ['case', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'target', 'p50', 'p99'],
      timed.map((r) => [r.case, r.n, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.target_ms === undefined ? '' : `≤ ${r.target_ms} ms`, mark(r.p50_target), mark(r.p99_target)]),
      [1, 2, 3, 4, 5],
    ),
  ];
  if (skipped.length) out.push('', '**Skipped (this machine cannot isolate them):**', '', ...skipped.map((r) => `- ${r.case}: ${r.skipped}`));
  out.push(leftovers(rows.filter((r) => r.p50_ms === undefined && r.skipped === undefined)));
  return out.join('\n');
}

function renderContention(json) {
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
  ];
  if (load) {
    const { case: _name, ...facts } = load;
    out.push('', '**Background load**', '', table(['figure', 'value'], Object.entries(facts)));
  }
  out.push(leftovers(rows.filter((r) => r.p50_us === undefined && r !== load)));
  return out.join('\n');
}

function renderFootprint(json) {
  return [
    'Sizes on disk of what the runtime installs (read from the build in `sdk/`).',
    '',
    table(
      ['file', 'what', 'bytes', 'KiB'],
      json.results.map((r) => [`\`${r.file}\``, r.what, r.missing ? `missing (${r.missing})` : r.bytes, r.missing ? '' : (r.bytes / 1024).toFixed(1)]),
      [2, 3],
    ),
  ].join('\n');
}

module.exports = { renderInvoke, renderColdStart, renderContention, renderFootprint };
