// The peers benchmark (bench/peers.js) as the suite runs it: a real process
// with --smoke --json, real peers from bench/node_modules, a real runtime.
// No speed is checked (speed belongs in bench/): what is checked is that every
// peer has its row or a skipped row with the reason, that the ratios are
// there, and that the renderer turns it all into the report's section with
// the published figures beside it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/sdk';

const root = path.resolve(__dirname, '..');
const bench = path.join(root, 'bench');
const built = fs.existsSync(path.join(root, 'dist', 'index.js'));
if (!built) console.warn('bench-peers tests skipped: dist/ is not built (npm run build:ts)');

// bench/report/*.js are CommonJS without types: what the test uses of them.
type Row = { case: string; skipped?: string; bytes?: number; n?: number; p50_us?: number; p90_us?: number; p99_us?: number; ops_per_s?: number; of?: string; to?: string; p50_ratio?: number };
type PeersJson = { results: Row[]; versions: Record<string, string | undefined> };
type Published = { subject: string; measures: string; figure: string; source: string[]; retrieved: string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { render } = require('../bench/report/peers-section.js') as { render: (json: PeersJson, charts?: unknown) => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PUBLISHED_FIGURES, NOT_FOUND } = require('../bench/report/published-figures.js') as { PUBLISHED_FIGURES: Published[]; NOT_FOUND: string };

const SIZES = [64, 65536];
const installed = (pkg: string, file: string) => fs.existsSync(path.join(bench, 'node_modules', pkg, file));
const haveLambdaLocal = installed('lambda-local', 'package.json');
const haveRic = installed('aws-lambda-ric', 'rapid-client.node');
if (!haveLambdaLocal) console.warn('bench-peers: bench/node_modules has no lambda-local (cd bench && npm ci): its rows are checked as skipped');
if (!haveRic) console.warn('bench-peers: bench/node_modules has no working aws-lambda-ric (cd bench && npm ci): its rows are checked as skipped');

function runPeers(script: string, dir: string): { json: PeersJson; stdout: string } {
  const out = path.join(dir, 'peers.json');
  const r = spawnSync(process.execPath, [script, '--smoke', '--json', out], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
  // Its scratch directory (the runtime's state and logs, the aws-lambda-ric code) is gone once it exits.
  const scratch = /^# scratch (.+)$/m.exec(r.stderr)?.[1];
  expect(scratch, r.stderr).toBeDefined();
  expect(fs.existsSync(scratch!)).toBe(false);
  return { json: JSON.parse(fs.readFileSync(out, 'utf8')) as PeersJson, stdout: r.stdout };
}

function expectMeasured(rows: Row[], name: string) {
  for (const bytes of SIZES) {
    const row = rows.find((r) => r.case === name && r.bytes === bytes);
    expect(row, `${name} ${bytes} B`).toBeDefined();
    for (const figure of ['n', 'p50_us', 'p90_us', 'p99_us', 'ops_per_s'] as const) expect(row![figure], `${name} ${bytes} B ${figure}`).toBeGreaterThan(0);
  }
}

/** `why`: the reason expected, or by default the one for a package that is not there at all. */
function expectSkipped(run: { json: PeersJson; stdout: string }, name: string, why = `bench/node_modules has no ${name}: run npm install in bench/`) {
  const row = run.json.results.find((r) => r.case === name);
  expect(row?.skipped).toContain(why);
  const lines = run.stdout.split('\n').filter((l) => l.startsWith(`SKIPPED ${name}: `));
  expect(lines.length, run.stdout).toBe(1);
  expect(lines[0]).toContain(why);
  expect(run.json.results.filter((r) => r.case === name && r.p50_us !== undefined)).toEqual([]);
}

const stubCharts = () => {
  const specs: Array<{ name: string; spec: { kind: string; yLog?: boolean; groups: Array<{ label: string; bars: Array<{ name: string; value: number }> }> } }> = [];
  return { specs, add: (name: string, spec: (typeof specs)[number]['spec']) => (specs.push({ name, spec }), `![${name}](x.svg)`) };
};

describe.skipIf(!built)('bench/peers.js', () => {
  let run: { json: PeersJson; stdout: string };

  beforeAll(() => {
    run = runPeers(path.join(bench, 'peers.js'), tempDir('bench-peers'));
  }, 120_000);

  it('measures every installed peer at 64 B and 64 KiB, and gives the ratios', () => {
    const rows = run.json.results;
    expectMeasured(rows, 'direct-call');
    expectMeasured(rows, 'nanolambda-node');
    const ratios = rows.filter((r) => r.case === 'ratio');
    const ratioOf = (of: string) => SIZES.map((bytes) => ratios.find((r) => r.of === of && r.to === 'nanolambda-node' && r.bytes === bytes)?.p50_ratio);
    if (haveLambdaLocal) {
      expectMeasured(rows, 'lambda-local-func');
      expectMeasured(rows, 'lambda-local-path');
      for (const r of [...ratioOf('lambda-local-func'), ...ratioOf('lambda-local-path')]) expect(r).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/target \(issue 8\) Node\.js function ≥ 10× faster per warm invoke than lambda-local-func: [\d.]+× → (met|MISSED)/);
    } else {
      expectSkipped(run, 'lambda-local');
    }
    if (haveRic) {
      expectMeasured(rows, 'aws-lambda-ric');
      for (const r of ratioOf('aws-lambda-ric')) expect(r).toBeGreaterThan(0);
    } else {
      // Installed but not built (its native client failed to compile) is its own reason.
      expectSkipped(run, 'aws-lambda-ric', installed('aws-lambda-ric', 'package.json') ? 'run npm install in bench/ again' : undefined);
    }
  });

  it('renders the section: measured rows, the target verdict, the chart and the published figures', () => {
    const charts = stubCharts();
    const md = render(run.json, charts);
    expect(md).toContain('| handler called directly (no runtime) | 64 B |');
    expect(md).toContain('| nanolambda nodejs20.x function (runtime.invoke) | 64 KiB |');
    if (haveLambdaLocal) {
      expect(md).toContain('| lambda-local execute({ lambdaFunc }) | 64 B |');
      expect(md).toMatch(/\| lambda-local \(lambdaFunc\) \/ nanolambda Node\.js \| 64 B \| [\d.]+× \| (✅ met|❌ missed) \|/);
    }
    if (haveRic) expect(md).toContain('| aws-lambda-ric via nanolambda Runtime API (runtime.invoke) | 64 B |');
    expect(md).toContain('![peers-p50](x.svg)');
    expect(charts.specs).toHaveLength(1);
    const spec = charts.specs[0]!.spec;
    expect(spec).toMatchObject({ kind: 'bars', yLog: true });
    expect(spec.groups.map((g) => g.label)).toEqual(['64 B', '64 KiB']);
    expect(spec.groups[0]!.bars.map((b) => b.name)).toContain('nanolambda-node');
    expect(md).toContain('### Published figures (not measured here)');
    for (const p of PUBLISHED_FIGURES) {
      expect(md).toContain(p.figure);
      for (const url of p.source) expect(md).toContain(`<${url}>`);
    }
  });

  it('quotes each published figure with a source URL and a retrieval date, or says none was found', () => {
    expect(PUBLISHED_FIGURES.length).toBeGreaterThan(0);
    for (const p of PUBLISHED_FIGURES) {
      expect(p.source.length, p.measures).toBeGreaterThan(0);
      for (const url of p.source) expect(url).toMatch(/^https:\/\/\S+$/);
      expect(p.retrieved).toBe('2026-12-01');
      if (p.figure !== NOT_FOUND) expect(p.figure).toMatch(/^".+"/);
    }
  });

  it('records a skipped row with the reason for each peer missing from bench/node_modules', () => {
    // The same script in a copy of bench/ that has no node_modules (dist/ linked): both npm peers are missing.
    const dir = tempDir('bench-peers-bare');
    const copy = path.join(dir, 'bench');
    fs.mkdirSync(copy);
    for (const f of ['peers.js', 'common.js']) fs.copyFileSync(path.join(bench, f), path.join(copy, f));
    fs.cpSync(path.join(bench, 'peers'), path.join(copy, 'peers'), { recursive: true });
    fs.symlinkSync(path.join(root, 'dist'), path.join(dir, 'dist'));
    const bare = runPeers(path.join(copy, 'peers.js'), dir);
    expectSkipped(bare, 'lambda-local');
    expectSkipped(bare, 'aws-lambda-ric');
    expectMeasured(bare.json.results, 'nanolambda-node');
    const md = render(bare.json);
    expect(md).toContain('- **lambda-local skipped:** bench/node_modules has no lambda-local: run npm install in bench/');
    expect(md).toContain('no figure in this run (lambda-local was not measured)');
  }, 120_000);
});
