// The benchmark suite's runner (bench/suite.js) as a user runs it: a real
// process writing a real report. No figures are checked (speed belongs in
// bench/): what is checked is that the report says what ran and what failed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/sdk';

const root = path.resolve(__dirname, '..');
const suite = path.join(root, 'bench', 'suite.js');
const built = fs.existsSync(path.join(root, 'dist', 'index.js'));
if (!built) console.warn('bench-suite tests skipped: dist/ is not built (npm run build:ts)');

describe.skipIf(!built)('bench/suite.js', () => {
  it('writes a case with the machine, the command and its charts beside the report', () => {
    const out = path.join(tempDir('bench-suite-'), 'report.md');
    execFileSync(process.execPath, [suite, '--smoke', '--only', 'contention', '--out', out], { cwd: root });
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toContain(`--smoke --only contention --out ${out}`);
    expect(md).toContain('a **--smoke** run');
    expect(md).toMatch(/\| CPU \| .+ × \d+ \|/);
    expect(md).toContain(`| Node.js | ${process.version} |`);
    expect(md).toMatch(/\| A idle \| \d+ \|/);
    // The chart is linked relative to the report and is an SVG a browser opens.
    expect(md).toContain('](report/contention-latency.svg)');
    const svg = fs.readFileSync(path.join(path.dirname(out), 'report', 'contention-latency.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('A idle');
    expect(svg.match(/<rect [^>]*fill="#/g)?.length).toBeGreaterThanOrEqual(9); // 3 conditions × p50, p90, p99
  }, 120_000);

  it('refuses an unknown option and an unknown case, naming them', () => {
    const bad = spawnSync(process.execPath, [suite, '--fast'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option "--fast"');
    const unknown = spawnSync(process.execPath, [suite, '--only', 'invoke,nope'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown case "nope"');
  });

  it('reports a case that runs out of time as failed in the report and exits non-zero', () => {
    const out = path.join(tempDir('bench-suite-'), 'report.md');
    // The killed case cannot clean its scratch directory up: the test does.
    const scratch = () => new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('nanolambda-bench-')));
    const before = scratch();
    const run = spawnSync(process.execPath, [suite, '--quick', '--only', 'contention', '--timeout', '1', '--out', out], { encoding: 'utf8' });
    for (const name of scratch()) if (!before.has(name)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    expect(run.status).toBe(1);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toContain('**FAILED: timed out after 1 s.**');
    expect(md).toContain('1 case(s) failed: contention');
  }, 30_000);
});
