// The cold-start section of docs/benchmarks.md, from bench/cold-start.js's
// JSON: cold against warm-pool side by side, every timed row, a bar chart of
// p50 and p99 per case, and the cases this machine could not isolate.
'use strict';
const { mark } = require('./targets.js');
const { table, fenced } = require('./markdown.js');

const pair = (r) => (r ? `${r.p50_ms} / ${r.p99_ms}` : '–');

/** One row per function: its cold, warm-pool first, warm and refill figures (p50 / p99 ms). */
function sideBySide(timed) {
  const labels = [...new Set(timed.map((r) => r.label).filter((l) => l !== undefined))];
  const of = (label, kind) => timed.find((r) => r.label === label && r.kind === kind);
  return table(
    ['function', 'cold (on demand)', 'first invoke, warm pool (MinWarm 1)', 'warm', 'refill after a stop', 'cold p50 / warm-pool p50'],
    labels.map((label) => {
      const cold = of(label, 'cold');
      const pool = of(label, 'warm-pool first');
      const ratio = cold && pool && pool.p50_ms > 0 ? `${(cold.p50_ms / pool.p50_ms).toFixed(1)}×` : '';
      return [label, pair(cold), pair(pool), pair(of(label, 'warm')), pair(of(label, 'warm-pool refill')), ratio];
    }),
    [1, 2, 3, 4, 5],
  );
}

function render(json, charts) {
  const rows = json.results;
  const timed = rows.filter((r) => r.p50_ms !== undefined);
  const skipped = rows.filter((r) => r.skipped !== undefined);
  const chart = charts.add('cold-start', {
    kind: 'bars',
    title: 'Cold start, warm pool and warm invoke (64 B, runtime.invoke)',
    yTitle: 'ms',
    yLog: true,
    groups: timed.map((r) => ({ label: r.case, bars: [{ name: 'p50', value: r.p50_ms }, { name: 'p99', value: r.p99_ms }] })),
  });
  const out = [
    'Time of `runtime.invoke()` with 64 B, from the call to the response, for the echo example as on-demand functions (each round: one cold invocation that starts the worker, one warm, then the worker is stopped) and as the same functions with a warm pool (`MinWarm` 1: the first invocation once the pool has pre-started its worker; then the worker is stopped and the refill is the time from that stop until the pool has a ready worker again). The cases rotate round by round in one runtime.',
    '',
    `Functions ran as ${json.identity ?? 'an unrecorded identity'}.`,
    '',
    '**Cold against warm pool** (p50 / p99 ms)',
    '',
    sideBySide(timed),
    '',
    chart,
    '',
    '**All cases**',
    '',
    table(
      ['case', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'target', 'p50', 'p99'],
      timed.map((r) => [r.case, r.n, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms, r.target_ms === undefined ? '' : `≤ ${r.target_ms} ms`, mark(r.p50_target), mark(r.p99_target)]),
      [1, 2, 3, 4, 5],
    ),
  ];
  if (skipped.length) out.push('', '**Skipped (this machine cannot isolate them):**', '', ...skipped.map((r) => `- ${r.case}: ${r.skipped}`));
  const rest = rows.filter((r) => r.p50_ms === undefined && r.skipped === undefined);
  if (rest.length) out.push('', 'Other figures:', '', fenced(rest.map((r) => JSON.stringify(r)).join('\n')));
  return out.join('\n');
}

module.exports = { render };
