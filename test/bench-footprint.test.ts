// bench/footprint.js as the suite runs it: a real process (the CLI runtime,
// HTTP clients, workers, a raw memory cgroup) writing real JSON, and its
// section renderer turning that JSON into Markdown. No figure is judged
// (speed and size belong in bench/): what is checked is that every row the
// report needs is there, measured or skipped with a reason.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/sdk';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'bench', 'footprint.js');
const missing = ['dist/cli/main.js', 'sdk/lib/libaws-greengrass-core-sdk-c.so', 'sdk/libexec/nanolambda/examples/echo']
  .filter((rel) => !fs.existsSync(path.join(root, rel)));
if (missing.length) console.warn(`bench-footprint tests skipped: not built: ${missing.join(', ')} (npm run build)`);

type Row = Record<string, unknown> & { case: string; skipped?: string };
const { render } = createRequire(__filename)(path.join(root, 'bench', 'report', 'footprint-section.js')) as {
  render(json: unknown, charts: { add(name: string, spec: unknown): string }): string;
};

describe.skipIf(missing.length > 0)('bench/footprint.js --smoke', () => {
  it('measures every row the report needs, or says why not, and leaves nothing behind', () => {
    const json = path.join(tempDir('bench-footprint-'), 'out.json');
    const run = spawnSync(process.execPath, [script, '--smoke', '--json', json], { cwd: root, encoding: 'utf8', timeout: 110_000 });
    expect(run.status, run.stderr).toBe(0);
    const rows = (JSON.parse(fs.readFileSync(json, 'utf8')) as { results: Row[] }).results;
    const one = (name: string): Row => {
      const found = rows.filter((r) => r.case === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };

    for (const name of ['runtime-idle', 'node-bare-idle', 'runtime-under-load-peak', 'runtime-after-load', 'echo-worker', 'bare-executable']) {
      const r = one(name);
      for (const field of ['rss_kb', 'anon_kb', 'file_kb', 'pss_kb', 'private_kb']) expect(r[field], `${name}.${field}`).toBeGreaterThan(0);
    }
    expect(one('runtime-under-load-peak').invokes).toBeGreaterThan(0);
    expect(['met', 'missed']).toContain(one('target-idle-runtime-rss').verdict);
    expect(['met', 'missed', 'no figure']).toContain(one('target-2mb-limit').verdict);

    const so = rows.find((r) => r.case === 'size-on-disk' && r.file === 'sdk/lib/libaws-greengrass-core-sdk-c.so');
    expect(so?.bytes).toBeGreaterThan(0);

    // The 2 MB check: each isolation mode and payload measured, or the mode skipped with the runtime's reason.
    for (const isolation of ['NoContainer', 'GreengrassContainer']) {
      const skipped = rows.find((r) => r.case === `limit-2048KB ${isolation}`);
      if (skipped) {
        expect(skipped.skipped).toMatch(/\S/);
        continue;
      }
      for (const bytes of [64, 65536]) {
        const r = rows.find((x) => x.case === 'limit-through-nanolambda' && x.isolation === isolation && x.bytes === bytes);
        expect(r, `${isolation} ${bytes} B`).toBeDefined();
        expect((r!.ran as number) + (r!.failed as number)).toBe(r!.n);
      }
    }
    // The smallest limit: found for each payload, or skipped with a reason (no cgroup v1, not root).
    for (const bytes of [64, 65536]) {
      const skipped = rows.find((r) => r.case === `smallest-limit ${bytes} B`);
      if (skipped) {
        expect(skipped.skipped).toMatch(/\S/);
        expect(run.stdout).toContain(`SKIPPED smallest-limit ${bytes} B: `);
        continue;
      }
      const r = rows.find((x) => x.case === 'smallest-limit' && x.bytes === bytes);
      expect(r, `smallest limit for ${bytes} B`).toBeDefined();
      expect((r!.probes as unknown[]).length).toBeGreaterThan(0);
      if (r!.min_kb !== undefined) expect(r!.min_kb as number % 64).toBe(0);
    }

    // Nothing left: the scratch directory, the raw cgroup (made under this process's memory cgroup, which the script inherits).
    const scratch = /# scratch (\S+)/.exec(run.stderr)?.[1];
    expect(scratch).toBeDefined();
    expect(fs.existsSync(scratch!)).toBe(false);
    const memoryLine = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.split(':')[1] === 'memory');
    if (memoryLine) expect(fs.existsSync(path.join('/sys/fs/cgroup/memory', memoryLine.split(':')[2]!, `nanolambda-bench-footprint-${run.pid}`))).toBe(false);

    const charts: string[] = [];
    const md = render({ results: rows }, { add: (name) => (charts.push(name), `![${name}](x.svg)`) });
    expect(md).toContain('| idle runtime ≤ 45 MiB RSS |');
    expect(md).toMatch(/\| a C echo function runs within a 2 MB memory limit \| .* \| (✅ met|❌ missed|no figure) \|/);
    expect(md).toContain('| runtime (`nanolambda start`, example group), idle |');
    expect(md).toContain('| bare `node -e` process, idle (what Node alone costs) |');
    expect(md).toContain('| echo worker after the load |');
    expect(md).toContain('`sdk/lib/libaws-greengrass-core-sdk-c.so`');
    expect(md).toContain('![footprint-runtime-rss](x.svg)');
    expect(charts).toEqual(['footprint-runtime-rss']);
  }, 120_000);

  it('renders skipped rows as notes with their reasons', () => {
    const md = render(
      { results: [{ case: 'smallest-limit 64 B', skipped: 'not root: creating a memory cgroup needs root' }] },
      { add: (name) => `![${name}](x.svg)` },
    );
    expect(md).toContain('- smallest-limit 64 B: not root: creating a memory cgroup needs root');
  });
});
