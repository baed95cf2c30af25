// The entry-path benchmark (bench/paths.js) and the hot-invoke benchmark
// (bench/invoke.js) run as users run them, with --smoke: real processes, a
// real runtime, real workers of every kind. No figure is judged (speed
// belongs in bench/): what is checked is that every path and size has a row
// with figures or a skip saying why, that the ratios are there, that the
// report section shows them, and that an interrupted run leaves nothing
// behind.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureSdk, tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const root = path.resolve(__dirname, '..');
const built = fs.existsSync(path.join(root, 'dist', 'index.js'));
const cmake = spawnSync('cmake', ['--version']).status === 0;
const missing = !built ? 'dist/ is not built (npm run build:ts)' : !cmake ? 'cmake is not installed (bench/floor is built with it)' : undefined;
if (missing) console.warn(`bench-paths tests skipped: ${missing}`);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { render } = require('../bench/report/paths-section.js') as { render: (json: unknown, charts: unknown) => string };

interface Row {
  case: string;
  bytes?: number;
  in_flight?: number;
  n?: number;
  p50_us?: number;
  p99_us?: number;
  p999_us?: number;
  ops_per_s?: number;
  skipped?: string;
  [ratio: string]: unknown;
}

/** Run a bench script with --smoke --json; its JSON rows and its stdout. */
function runSmoke(script: string): { results: Row[]; stdout: string } {
  const json = path.join(tempDir('bench-paths'), 'out.json');
  const run = spawnSync(process.execPath, [path.join(root, 'bench', script), '--smoke', '--json', json], { cwd: root, encoding: 'utf8', timeout: 170_000 });
  expect(run.status, `${script} failed:\n${run.stderr.slice(-3000)}`).toBe(0);
  return { results: (JSON.parse(fs.readFileSync(json, 'utf8')) as { results: Row[] }).results, stdout: run.stdout };
}

function expectFigures(row: Row | undefined, what: string): void {
  expect(row, `no row for ${what}`).toBeDefined();
  for (const field of ['n', 'p50_us', 'p99_us', 'p999_us', 'ops_per_s'] as const) {
    expect(row![field], `${what} ${field}`).toBeGreaterThan(0);
  }
}

const PATHS = ['ts-api-c', 'http-c', 'http-plain-node', 'ipc-nodejs', 'ipc-python', 'runtime-api-c'];

describe.skipIf(missing !== undefined)('bench/paths.js --smoke', () => {
  it('measures every entry path at each size, one and many in flight, with ratios to the TS API C path, and renders them', () => {
    ensureSdk();
    const { results, stdout } = runSmoke('paths.js');
    for (const bytes of [64, 65536]) {
      for (const many of [false, true]) {
        const rowsOf = (name: string) => results.filter((r) => r.case === name && r.bytes === bytes && (r.in_flight! > 1) === many);
        // The reference is never skipped: every ratio divides by it.
        const [reference] = rowsOf('ts-api-c');
        expectFigures(reference, `ts-api-c ${bytes} B many=${many}`);
        expect(reference!.p50_vs_ts_api_c).toBe(1);
        for (const name of PATHS) {
          const rows = rowsOf(name);
          expect(rows, `${name} ${bytes} B many=${many}`).toHaveLength(1);
          const row = rows[0]!;
          if (row.skipped !== undefined) {
            expect(row.skipped.length).toBeGreaterThan(0);
            expect(stdout).toContain(`SKIPPED ${name} ${bytes} B`);
            continue;
          }
          expectFigures(row, `${name} ${bytes} B many=${many}`);
          expect(row.in_flight).toBe(reference!.in_flight);
          for (const ratio of ['p50_vs_ts_api_c', 'p99_vs_ts_api_c', 'ops_vs_ts_api_c']) expect(row[ratio], `${name} ${ratio}`).toBeGreaterThan(0);
        }
      }
    }

    const added: Array<{ name: string; spec: { kind: string; xLog?: boolean; yLog?: boolean; series: Array<{ name: string; points: number[][] }> } }> = [];
    const charts = { add: (name: string, spec: (typeof added)[number]['spec']) => (added.push({ name, spec }), `![${name}](x.svg)`) };
    const md = render({ results }, charts);
    for (const name of PATHS) expect(md).toContain(`| ${name} |`);
    expect(md).toMatch(/\| ts-api-c \| 64 B \| 1 \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \| 1× \| 1× \| 1× \|/);
    expect(md).toContain('local HTTP invoke 64 B p50 ≤ 100 µs');
    expect(md).toContain('![paths-p50-1-in-flight](x.svg)');
    const one = added.find((c) => c.name === 'paths-p50-1-in-flight')!.spec;
    expect(one).toMatchObject({ kind: 'lines', xLog: true, yLog: true });
    expect(one.series.find((s) => s.name === 'ts-api-c')!.points.map((p) => p[0])).toEqual([64, 65536]);
  }, 180_000);

  it('stops its runtime and removes its scratch directory on SIGTERM, exiting 143', async () => {
    ensureSdk();
    const before = new Set(fs.readdirSync(os.tmpdir()));
    const child = spawn(process.execPath, [path.join(root, 'bench', 'paths.js'), '--smoke'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The first row means the runtime and its workers are up.
    await waitFor(() => stderr.includes('# {"case":"ts-api-c"'), 60_000, 'the first row of paths.js');
    const [scratch] = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('nanolambda-bench-paths-') && !before.has(name));
    expect(scratch, 'the scratch directory').toBeDefined();
    const dir = path.join(os.tmpdir(), scratch!);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(fs.existsSync(dir)).toBe(false);
    // No process of the run is left: none has the scratch directory on its command line or as its executable.
    const leftovers = fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) || fs.readlinkSync(`/proc/${pid}/exe`).startsWith(dir);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    });
    expect(leftovers).toEqual([]);
  }, 90_000);
});

describe.skipIf(missing !== undefined)('bench/invoke.js --smoke', () => {
  it('times 0 B to 6 MiB one and many in flight beside the C floor of the same run, with ratios', () => {
    ensureSdk();
    const { results } = runSmoke('invoke.js');
    for (const bytes of [0, 64, 4096, 65536, 1048576, 6 * 1024 * 1024]) {
      const floor = results.find((r) => r.case === 'c-floor' && r.bytes === bytes);
      const floorMany = results.find((r) => r.case === 'c-floor-many-in-flight' && r.bytes === bytes);
      const one = results.find((r) => r.case === 'ts-api-1-in-flight' && r.bytes === bytes);
      const many = results.find((r) => /^ts-api-\d+-in-flight$/.test(r.case) && r.case !== 'ts-api-1-in-flight' && r.bytes === bytes);
      for (const [row, what] of [[floor, 'c-floor'], [floorMany, 'c-floor-many-in-flight'], [one, 'ts-api-1-in-flight'], [many, 'ts-api-N-in-flight']] as const) {
        expectFigures(row, `${what} ${bytes} B`);
      }
      expect(many!.in_flight).toBe(floorMany!.in_flight);
      expect(many!.case).toBe(`ts-api-${many!.in_flight}-in-flight`);
      for (const row of [one!, many!]) for (const ratio of ['p50_vs_c_floor', 'p99_vs_c_floor', 'ops_vs_c_floor']) expect(row[ratio]).toBeGreaterThan(0);
    }
    expectFigures(results.find((r) => r.case === 'ts-api-256-in-flight' && r.bytes === 64), 'ts-api-256-in-flight 64 B');
    expectFigures(results.find((r) => r.case === 'http-keepalive-1-in-flight' && r.bytes === 64), 'http-keepalive-1-in-flight');
    expectFigures(results.find((r) => r.case === 'http-plain-node-echo-server' && r.bytes === 64), 'http-plain-node-echo-server');
    expectFigures(results.find((r) => r.case === 'ts-api-1-in-flight-echo-warn'), 'ts-api-1-in-flight-echo-warn');
    // The memory figures moved to the footprint case.
    expect(results.some((r) => /rss/.test(r.case))).toBe(false);
  }, 180_000);
});
