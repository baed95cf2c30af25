// The footprint section of docs/benchmarks.md, from bench/footprint.js's
// JSON: the runtime's memory idle, under load and after (beside bare Node),
// a worker's against the bare executable, sizes on disk, and the memory
// limit checks, each target marked met or missed with its figure.
'use strict';
const { mark } = require('./targets.js');
const { table, fenced } = require('./markdown.js');

const kb = (v) => (v === undefined || v === null || Number.isNaN(v) ? '' : `${v} kB`);

const PROCESS_ROWS = [
  ['runtime-idle', 'runtime (`nanolambda start`, example group), idle'],
  ['runtime-under-load-peak', 'runtime under load (highest RSS sample)'],
  ['runtime-after-load', 'runtime after the load'],
  ['node-bare-idle', 'bare `node -e` process, idle (what Node alone costs)'],
  ['echo-worker', 'echo worker after the load'],
  ['bare-executable', 'bare executable (SDK linked, never a worker)'],
];

function memoryTable(rows) {
  const byCase = new Map(rows.map((r) => [r.case, r]));
  return table(
    ['process', 'RSS', 'anon', 'file', 'Pss', 'private'],
    PROCESS_ROWS.filter(([name]) => byCase.has(name)).map(([name, what]) => {
      const r = byCase.get(name);
      return [what, kb(r.rss_kb), kb(r.anon_kb), kb(r.file_kb), kb(r.pss_kb), kb(r.private_kb)];
    }),
    [1, 2, 3, 4, 5],
  );
}

function render(json, charts) {
  const rows = json.results;
  const byCase = (name) => rows.filter((r) => r.case === name);
  const [idle] = byCase('runtime-idle');
  const [node] = byCase('node-bare-idle');
  const [load] = byCase('runtime-under-load-peak');
  const [worker] = byCase('echo-worker');
  const [bare] = byCase('bare-executable');
  const [idleTarget] = byCase('target-idle-runtime-rss');
  const [limitTarget] = byCase('target-2mb-limit');
  const limits = byCase('limit-through-nanolambda');
  const smallest = byCase('smallest-limit').filter((r) => r.skipped === undefined);
  const sizes = byCase('size-on-disk');
  const known = new Set([...PROCESS_ROWS.map(([n]) => n), 'target-idle-runtime-rss', 'target-2mb-limit', 'limit-through-nanolambda', 'smallest-limit', 'size-on-disk']);

  const targets = [];
  if (idleTarget) targets.push([idleTarget.target, `${(idleTarget.rss_kb / 1024).toFixed(1)} MiB (bare Node: ${node ? (node.rss_kb / 1024).toFixed(1) : '?'} MiB)`, mark(idleTarget.verdict)]);
  if (limitTarget) {
    const failed = limits.reduce((n, r) => n + r.failed, 0);
    targets.push([limitTarget.target, `${limits.length} checks (${limitTarget.checked}), ${failed} failed invocations`, mark(limitTarget.verdict)]);
  }
  const out = [
    'Memory read from `/proc/<pid>/status` (VmRSS, RssAnon, RssFile) and `/proc/<pid>/smaps_rollup` (Pss, private = Private_Clean + Private_Dirty) of `node dist/cli/main.js start` on the example group, started as a user starts it, after it settled, sampled while keep-alive clients invoked echo over signed HTTP, and after; beside it a bare `node -e` process measured the same way in the same run. Then the echo function with `MemorySize` 2048 KB (the config minimum) through nanolambda, and the smallest limit it runs in, bisected with a raw cgroup v1 memory group around the echo worker driven by the C floor host.',
    '',
    '**Targets**',
    '',
    table(['target (issue 8)', 'figure', 'verdict'], targets),
    '',
    '**Memory**',
    '',
    memoryTable(rows),
  ];
  if (load) out.push('', `Load: ${load.clients} client processes, ${load.in_flight} invocations in flight, ${load.invokes} invocations of 64 B in ${load.seconds} s, RSS sampled ${load.samples} times.`);
  if (worker && bare) {
    out.push('', `The echo worker (the largest of ${worker.workers}) after ${worker.invokes} invocations costs ${worker.rss_kb - bare.rss_kb} kB of RSS and ${worker.private_kb - bare.private_kb} kB of private memory over the bare executable.`);
  }
  const barGroups = [];
  if (idle) barGroups.push({ label: 'runtime idle', bars: [{ name: 'RSS', value: idle.rss_kb / 1024 }, { name: 'private', value: idle.private_kb / 1024 }] });
  if (load) barGroups.push({ label: 'runtime under load', bars: [{ name: 'RSS', value: load.rss_kb / 1024 }, { name: 'private', value: load.private_kb / 1024 }] });
  if (node) barGroups.push({ label: 'bare node', bars: [{ name: 'RSS', value: node.rss_kb / 1024 }, { name: 'private', value: node.private_kb / 1024 }] });
  if (barGroups.length) {
    out.push('', charts.add('footprint-runtime-rss', { kind: 'bars', title: 'Runtime memory against bare Node', yTitle: 'MiB', groups: barGroups }));
  }
  out.push(
    '',
    '**Memory limit: MemorySize 2048 KB through nanolambda**',
    '',
    limits.length
      ? table(
          ['isolation', 'payload', 'invocations', 'ran', 'failed', "worker's cgroup peak"],
          limits.map((r) => [r.isolation, `${r.bytes} B`, r.n, r.ran, r.failed, kb(r.peak_kb)]),
          [1, 2, 3, 4, 5],
        )
      : 'Not measured (see the skipped rows below).',
    '',
    '**Smallest memory limit the echo worker runs in** (raw cgroup v1 group, swap off, bisected)',
    '',
    smallest.length
      ? table(
          ['payload', 'iterations', 'smallest limit', 'peak there', 'largest failing', 'ran at 2048 KiB', 'resolution'],
          smallest.map((r) => [`${r.bytes} B`, r.iterations, r.min_kb === undefined ? r.note : `${r.min_kb} KiB`, kb(r.peak_kb_at_min), r.largest_failing_kb === undefined ? '' : `${r.largest_failing_kb} KiB`, r.ran_at_2mb ? 'yes' : 'no', `${r.resolution_kb ?? ''} KiB`]),
          [1, 2, 3, 4],
        )
      : 'Not measured (see the skipped rows below).',
    '',
    '**Sizes on disk**',
    '',
    table(
      ['file', 'what', 'bytes', 'KiB'],
      sizes.map((r) => [`\`${r.file}\``, r.what, r.skipped ?? r.bytes, r.skipped ? '' : (r.bytes / 1024).toFixed(1)]),
      [2, 3],
    ),
  );
  const skipped = rows.filter((r) => r.skipped !== undefined && r.case !== 'size-on-disk');
  if (skipped.length) out.push('', '**Skipped:**', '', ...skipped.map((r) => `- ${r.case}: ${r.skipped}`));
  const rest = rows.filter((r) => !known.has(r.case) && r.skipped === undefined);
  if (rest.length) out.push('', 'Other figures:', '', fenced(rest.map((r) => JSON.stringify(r)).join('\n')));
  return out.join('\n');
}

module.exports = { render };
