// bench/cold-start.js as the suite runs it: a real process starting real
// workers, cold and from a warm pool, writing real JSON; its section
// renderer; and its cleanup when interrupted. No figure is judged (speed
// belongs in bench/): what is checked is that the rows are there.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'bench', 'cold-start.js');
const missing = ['dist/index.js', 'sdk/libexec/nanolambda/examples/echo'].filter((rel) => !fs.existsSync(path.join(root, rel)));
if (missing.length) console.warn(`bench-cold-start tests skipped: not built: ${missing.join(', ')} (npm run build)`);

type Row = Record<string, unknown> & { case: string; skipped?: string };
const { render } = createRequire(__filename)(path.join(root, 'bench', 'report', 'cold-start-section.js')) as {
  render(json: unknown, charts: { add(name: string, spec: unknown): string }): string;
};
const LABELS = ['NoContainer', 'GreengrassContainer 16MB', 'NoContainer+MemorySize 16MB'];

describe.skipIf(missing.length > 0)('bench/cold-start.js', () => {
  it('--smoke times cold, warm, warm-pool first and refill for each function, and renders them side by side', () => {
    const json = path.join(tempDir('bench-cold-'), 'out.json');
    const run = spawnSync(process.execPath, [script, '--smoke', '--json', json], { cwd: root, encoding: 'utf8', timeout: 55_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(fs.readFileSync(json, 'utf8')) as { identity: string; results: Row[] };
    for (const label of LABELS) {
      const skippedCold = out.results.find((r) => r.case === `cold ${label}` && r.skipped !== undefined);
      const skippedPool = out.results.find((r) => r.case === `warm-pool ${label}` && r.skipped !== undefined);
      if (skippedCold || skippedPool) {
        // A machine that cannot isolate a function skips both forms of it, with the reason.
        expect(skippedCold?.skipped).toMatch(/\S/);
        expect(skippedPool?.skipped).toMatch(/\S/);
        continue;
      }
      for (const kind of ['cold', 'warm', 'warm-pool first', 'warm-pool refill']) {
        const r = out.results.find((x) => x.label === label && x.kind === kind);
        expect(r, `${kind} ${label}`).toBeDefined();
        expect(r!.case).toBe(`${kind} ${label}`);
        expect(r!.n).toBeGreaterThan(0);
        for (const field of ['p50_ms', 'p90_ms', 'p99_ms', 'max_ms']) expect(r![field], `${kind} ${label} ${field}`).toBeGreaterThan(0);
      }
      expect(['met', 'missed']).toContain(out.results.find((x) => x.case === `cold ${label}`)!.p50_target);
    }
    expect(fs.existsSync(/# scratch (\S+)/.exec(run.stderr)![1]!)).toBe(false);

    const charts: Array<{ name: string; spec: { kind: string; yLog?: boolean; groups: Array<{ label: string; bars: Array<{ name: string; value: number }> }> } }> = [];
    const md = render(out, { add: (name, spec) => (charts.push({ name, spec: spec as never }), `![${name}](x.svg)`) });
    expect(md).toContain('| function | cold (on demand) | first invoke, warm pool (MinWarm 1) | warm | refill after a stop |');
    for (const r of out.results.filter((x) => x.p50_ms !== undefined)) expect(md).toContain(`| ${r.case} | ${r.n} | ${r.p50_ms} |`);
    expect(md).toContain('![cold-start](x.svg)');
    expect(charts).toHaveLength(1);
    expect(charts[0]!.spec.kind).toBe('bars');
    expect(charts[0]!.spec.yLog).toBe(true);
    expect(charts[0]!.spec.groups.map((g) => g.label)).toEqual(out.results.filter((x) => x.p50_ms !== undefined).map((x) => x.case));
    for (const g of charts[0]!.spec.groups) expect(g.bars.map((b) => b.name)).toEqual(['p50', 'p99']);
  }, 60_000);

  it('on SIGTERM stops its runtime, removes its scratch directory and exits 143', async () => {
    const child = spawn(process.execPath, [script, '--quick'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Once it says how the functions run, the rounds (and their workers) are under way.
    await waitFor(() => stdout.includes('functions run as'), 30_000, 'the cold-start rounds to begin');
    const scratch = /# scratch (\S+)/.exec(stderr)![1]!;
    expect(fs.existsSync(scratch)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(fs.existsSync(scratch)).toBe(false);
  }, 60_000);
});
