// The peers section of docs/benchmarks.md, from bench/peers.js's JSON: the
// measured table, the ratios with the issue's target (met or missed, with the
// figure), a bar chart of p50 per peer, and AWS's published figures as
// context, labelled as published, not measured here.
'use strict';
const { table, fenced } = require('./markdown.js');
const { verdict, PEER_RATIO_TARGET: TARGET_RATIO, mark } = require('./targets.js');
const { PUBLISHED_FIGURES } = require('./published-figures.js');
const { sizeLabel } = require('../common.js');

const times = (x) => `${x >= 0.01 ? x.toFixed(2) : x.toPrecision(2)}×`;

/** json: { date, node, versions, results: [...] } as bench/peers.js writes it; charts: { add(name, spec) } or undefined. */
function render(json, charts) {
  const rows = json.results;
  const measured = rows.filter((r) => r.p50_us !== undefined);
  const ratios = rows.filter((r) => r.case === 'ratio');
  const skipped = rows.filter((r) => r.skipped !== undefined);
  const known = new Set([...measured, ...ratios, ...skipped]);
  const rest = rows.filter((r) => !known.has(r));
  const nodeP50 = new Map(measured.filter((r) => r.case === 'nanolambda-node').map((r) => [r.bytes, r.p50_us]));
  const v = json.versions ?? {};

  const parts = [
    'The same Node.js echo handler (`bench/peers/echo`, returns its event) invoked warm, one call in flight, by each peer in the same run, ' +
      'taking turns in short slices in a rotating order: called directly in the benchmark process (the floor: no runtime), ' +
      `by lambda-local${v.lambdaLocal ? ` ${v.lambdaLocal}` : ''} \`execute()\` in-process (with \`lambdaFunc\`, and with \`lambdaPath\`, which re-requires the file each call; logging off), ` +
      'as a nanolambda `nodejs20.x` function, and run by aws-lambda-ric' +
      `${v.awsLambdaRic ? ` ${v.awsLambdaRic}` : ''} as a \`provided.al2\` function through nanolambda's Lambda Runtime API (both through \`runtime.invoke()\` from the TypeScript API). ` +
      'In-process peers get the event as an object; `runtime.invoke()` gets its JSON bytes. Latency is from the call to the answer.',
    '',
    table(
      ['peer', 'event', 'n', 'p50 µs', 'p90 µs', 'p99 µs', 'ops/s', 'p50 / nanolambda Node.js'],
      measured.map((r) => {
        const node = nodeP50.get(r.bytes);
        return [r.label ?? r.case, sizeLabel(r.bytes), r.n, r.p50_us, r.p90_us, r.p99_us, r.ops_per_s, node ? times(r.p50_us / node) : ''];
      }),
      [2, 3, 4, 5, 6, 7],
    ),
  ];
  if (skipped.length) parts.push('', ...skipped.map((r) => `- **${r.case} skipped:** ${r.skipped}`));

  const targetRows = ratios.filter((r) => r.of.startsWith('lambda-local'));
  parts.push(
    '',
    table(
      ['ratio (p50 ÷ p50)', 'event', 'ratio', `target (issue 8): Node.js function ≥ ${TARGET_RATIO}× faster than lambda-local`],
      ratios.map((r) => [r.name, sizeLabel(r.bytes), `${r.p50_ratio}×`, targetRows.includes(r) ? mark(verdict(r.p50_ratio, TARGET_RATIO, true)) : '']),
      [2],
    ),
  );
  if (!targetRows.length) parts.push('', `Target (issue 8, Node.js function ≥ ${TARGET_RATIO}× faster per warm invoke than lambda-local): no figure in this run (lambda-local was not measured).`);

  if (charts && measured.length) {
    const sizes = [...new Set(measured.map((r) => r.bytes))];
    const image = charts.add('peers-p50', {
      kind: 'bars',
      title: 'Warm invoke p50 per peer (echo handler, 1 in flight)',
      yTitle: 'p50 µs (log)',
      yLog: true,
      groups: sizes.map((bytes) => ({
        label: sizeLabel(bytes),
        bars: measured.filter((r) => r.bytes === bytes).map((r) => ({ name: r.case, value: r.p50_us })),
      })),
    });
    parts.push('', image);
  }

  parts.push(
    '',
    '### Published figures (not measured here)',
    '',
    'What AWS published for peers this suite does not run; quoted, with their sources. Where no figure was found, the row says so.',
    '',
    table(
      ['subject', 'what it measures', 'published figure', 'source', 'retrieved'],
      PUBLISHED_FIGURES.map((p) => [p.subject, p.measures, p.figure, p.source.map((u) => `<${u}>`).join(' '), p.retrieved]),
    ),
  );
  if (rest.length) parts.push('', 'Other figures:', '', fenced(rest.map((r) => JSON.stringify(r)).join('\n')));
  parts.push('');
  return parts.join('\n');
}

module.exports = { render };
