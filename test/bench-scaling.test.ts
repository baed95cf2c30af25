// bench/scaling.js run as the suite runs it (a real process, --smoke, real
// runtimes and echo workers) and its report section built from what it wrote.
// No figure is compared with a speed: what is checked is that every point of
// every sweep is there with its figures, and that the section shows them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { examplesDir, tempDir } from './helpers/sdk';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'bench', 'scaling.js');
const built = fs.existsSync(path.join(root, 'dist', 'index.js'));
const echo = fs.existsSync(path.join(examplesDir, 'echo'));
if (!built) console.warn('bench-scaling tests skipped: dist/ is not built (npm run build:ts)');
if (!echo) console.warn('bench-scaling tests skipped: the echo example is not built (npm run build:csdk)');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { render } = require('../bench/report/scaling-section.js') as { render(json: unknown, charts: unknown): string };

interface Row {
  case: string;
  sweep?: string;
  x?: number;
  window?: number;
  bytes?: number;
  sentence?: string;
  skipped?: string;
  [figure: string]: unknown;
}
interface ScalingJson {
  cpus: number;
  identity: string;
  results: Row[];
}

const FUNCTIONS = [1, 2, 4, 8, 16, 32];
const WORKERS = [1, 2, 4, 8, 16];
const SIZES = [0, 64, 1024, 16384, 262144, 1048576, 6291456];
const WINDOWS = [1, 8];

/** A charts stub: records each chart and returns the image line the real one would. */
function recordingCharts() {
  const specs = new Map<string, { kind: string; xLog?: boolean; series: { name: string; points: number[][] }[] }>();
  return {
    specs,
    add(name: string, spec: { kind: string; xLog?: boolean; series: { name: string; points: number[][] }[] }) {
      specs.set(name, spec);
      return `![${name}](x.svg)`;
    },
  };
}

describe.skipIf(!built || !echo)('bench/scaling.js --smoke', () => {
  let json: ScalingJson;
  let stdout: string;

  beforeAll(() => {
    const out = path.join(tempDir('bench-scaling'), 'scaling.json');
    stdout = execFileSync(process.execPath, [script, '--smoke', '--json', out], { cwd: root, encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] });
    json = JSON.parse(fs.readFileSync(out, 'utf8')) as ScalingJson;
  }, 100_000);

  it('measures every point of the three sweeps, with figures', () => {
    const points = json.results.filter((r) => r.ops_per_s !== undefined);
    const cases = points.map((r) => r.case);
    expect(cases).toEqual([
      ...FUNCTIONS.map((n) => `functions-${n}`),
      ...WORKERS.map((n) => `workers-${n}`),
      ...WINDOWS.flatMap((w) => ['0B', '64B', '1KiB', '16KiB', '256KiB', '1MiB', '6MiB'].map((s) => `payload-${s}-${w}-in-flight`)),
    ]);
    for (const r of points) {
      for (const figure of ['n', 'ops_per_s', 'p50_us', 'p99_us', 'max_us', 'runtime_cpu_us_per_op', 'workers_cpu_us_per_op', 'runtime_rss_kb', 'workers_rss_kb']) {
        expect(r[figure], `${r.case} ${figure}`).toBeGreaterThan(0);
      }
      if (r.bytes! > 0) expect(r.mb_per_s, `${r.case} mb_per_s`).toBeGreaterThan(0);
      if (r.bytes! >= 1024) expect(r.us_per_kib, `${r.case} us_per_kib`).toBeGreaterThan(0);
    }
    // Each function of the functions sweep got its own worker; the workers sweep started up to MaxInstances.
    for (const n of FUNCTIONS) expect(points.find((r) => r.case === `functions-${n}`)!.workers).toBe(n);
    for (const n of WORKERS) expect(points.find((r) => r.case === `workers-${n}`)!.workers).toBeLessThanOrEqual(n);
    expect(points.filter((r) => r.sweep === 'payload').map((r) => r.bytes)).toEqual([...SIZES, ...SIZES]);
    expect(json.cpus).toBeGreaterThan(0);
    expect(json.identity).toMatch(/^uid \d+ gid \d+/);
  });

  it('fits how cost grows in each sweep and says it in a sentence', () => {
    const fits = json.results.filter((r) => r.sentence !== undefined);
    expect(fits.map((r) => r.sweep)).toEqual(['functions', 'workers', 'payload']);
    const [functions, workers, payload] = fits;
    expect(Number.isFinite(functions!.p99_log_slope)).toBe(true);
    expect(functions!.sentence).toMatch(/p99 (falls|stays about flat|grows)/);
    expect(WORKERS).toContain(workers!.knee_workers);
    expect(workers!.sentence).toContain(`On this ${json.cpus}-CPU machine adding workers stops helping at ${String(workers!.knee_workers)} worker(s)`);
    expect(payload!.sentence).toMatch(/µs of p50 and .* µs of wall time per invocation per added KiB/);
    for (const fit of fits) expect(stdout).toContain(`${fit.sweep}: ${fit.sentence}`);
  });

  it('renders the tables, the sentences and the charts', () => {
    const charts = recordingCharts();
    const md = render(json, charts);
    expect(md).toContain('| functions | workers | n | invocations/s |');
    expect(md).toContain('| MaxInstances | workers started | n | invocations/s |');
    expect(md).toContain('| payload | in flight | n | invocations/s | MB/s |');
    for (const n of FUNCTIONS) expect(md).toMatch(new RegExp(`^\\| ${n} \\| ${n} \\| \\d+ \\|`, 'm'));
    for (const size of ['0 B', '64 B', '1 KiB', '16 KiB', '256 KiB', '1 MiB', '6 MiB']) {
      for (const w of WINDOWS) expect(md).toMatch(new RegExp(`^\\| ${size} \\| ${w} \\| \\d+ \\|`, 'm'));
    }
    for (const fit of json.results.filter((r) => r.sentence !== undefined)) expect(md).toContain(`How cost grows: ${fit.sentence}`);
    expect(md).toContain(`This machine has ${json.cpus} CPUs`);
    for (const sweep of ['functions', 'workers', 'payload']) {
      for (const what of ['throughput', 'p99']) {
        const name = `scaling-${sweep}-${what}`;
        expect(md).toContain(`![${name}](x.svg)`);
        const spec = charts.specs.get(name)!;
        expect(spec.kind).toBe('lines');
        expect(spec.xLog).toBe(true);
        // Every point on a log axis is above 0 (0 B stays in the table).
        for (const s of spec.series) for (const [x, y] of s.points) expect(x! > 0 && y! > 0).toBe(true);
      }
    }
    expect(charts.specs.get('scaling-payload-throughput')!.series.map((s) => s.points.length)).toEqual([6, 6]);
  });

  it('shows a skipped row with its reason and a row it does not know as JSON', () => {
    const extra = { ...json, results: [...json.results, { case: 'payload-7MiB', skipped: 'over the 6 MiB limit' }, { case: 'odd', value: 3 }] };
    const md = render(extra, recordingCharts());
    expect(md).toContain('- payload-7MiB: over the 6 MiB limit');
    expect(md).toContain('{"case":"odd","value":3}');
  });
});
