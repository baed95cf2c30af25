// bench/compare.js as a user runs it on two figure files of the suite: which
// ratios held, which moved, which verdicts changed, and its exit status.
// The figure files are written here, in the shape bench/suite.js writes, so
// each outcome is known; the suite itself is tested in bench-suite.test.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/sdk';

const compare = path.resolve(__dirname, '..', 'bench', 'compare.js');

/** A suite figures file with the invoke case: the TS API row at `p50Ratio` of its floor, `p99Ratio` at the tail. */
function figures(dir: string, name: string, { p50Ratio, p99Ratio, hotP50 }: { p50Ratio: number; p99Ratio: number; hotP50: number }): string {
  const row = { case: 'ts-api-1-in-flight', bytes: 64, in_flight: 1, n: 1000, p50_us: hotP50, p99_us: 9, ops_per_s: 400000 };
  const results = [
    { case: 'c-floor', bytes: 64, in_flight: 1, n: 1000, p50_us: 0.5, p99_us: 1, ops_per_s: 900000 },
    { ...row, p50_vs_c_floor: p50Ratio, p99_vs_c_floor: p99Ratio, ops_vs_c_floor: 0.45 },
  ];
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ machine: { date: name }, command: 'node bench/suite.js', cases: { invoke: { results } } }));
  return file;
}

const run = (...args: string[]) => spawnSync(process.execPath, [compare, ...args], { encoding: 'utf8' });

describe('bench/compare.js', () => {
  it('says the ratios held and exits 0 when medians moved less than the tolerance, whatever the tails did', () => {
    const dir = tempDir('bench-compare-');
    const a = figures(dir, 'a.json', { p50Ratio: 2.0, p99Ratio: 10, hotP50: 1.0 });
    const b = figures(dir, 'b.json', { p50Ratio: 2.3, p99Ratio: 40, hotP50: 1.1 });
    const r = run(a, b);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| invoke \| ts-api-1-in-flight, bytes 64, in_flight 1 \| p50_vs_c_floor \| 2 \| 2.3 \| 1.15 \| yes \|/);
    // The tail quadrupled: shown, not judged.
    expect(r.stdout).toMatch(/## Ratios of tails \(p99\), shown, not judged[\s\S]*\| p99_vs_c_floor \| 10 \| 40 \| 4.00 \|/);
    expect(r.stdout).toContain('2 of 2 ratios of medians and throughput held');
  });

  it('marks a ratio that moved beyond the tolerance and a verdict that changed, and exits 1', () => {
    const dir = tempDir('bench-compare-');
    const a = figures(dir, 'a.json', { p50Ratio: 2.0, p99Ratio: 10, hotP50: 1.5 });
    const b = figures(dir, 'b.json', { p50Ratio: 3.0, p99Ratio: 10, hotP50: 2.5 });
    const r = run(a, b, '--tolerance', '0.2');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('(tolerance ±20 %)');
    expect(r.stdout).toMatch(/\| p50_vs_c_floor \| 2 \| 3 \| 1.50 \| \*\*no\*\* \|/);
    // The 2 µs p50 target: met in A, missed in B.
    expect(r.stdout).toMatch(/p50 ≤ 2 µs \| 1.5 µs ✅ met \| 2.5 µs ❌ missed \|/);
    expect(r.stdout).toContain('1 of 2 ratios of medians and throughput held');
  });

  it('refuses what is not two suite figure files, naming the file', () => {
    const dir = tempDir('bench-compare-');
    const a = figures(dir, 'a.json', { p50Ratio: 2, p99Ratio: 10, hotP50: 1.5 });
    const notFigures = path.join(dir, 'report.md');
    fs.writeFileSync(notFigures, '# a report\n');
    const bad = run(a, notFigures);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${notFigures}: not a suite figures file`);
    const one = run(a);
    expect(one.status).toBe(2);
    expect(one.stderr).toContain('two figure files are needed, got 1');
    const tolerance = run(a, a, '--tolerance', 'lots');
    expect(tolerance.status).toBe(2);
    expect(tolerance.stderr).toContain('--tolerance: "lots" is not a positive fraction');
  });
});
