// Size-based rotation of function logs under a steady stream of output from
// real worker processes: no line lost or torn, files never past MaxBytes,
// no more than Files rotated files kept.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';

let printer: string;
let runtime: Runtime | undefined;

beforeAll(() => {
  ensureSdk();
  const dir = tempDir('logs-rotation-build');
  const source = path.join(__dirname, 'fixtures', 'printer.c');
  printer = buildExecutable(source, dir);
});

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

/** The log and its rotated files, oldest first, as they are on disk. */
function logFiles(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const rotated = fs
    .readdirSync(dir)
    .filter((name) => name.startsWith(`${base}.`))
    .map((name) => Number(name.slice(base.length + 1)))
    .sort((a, b) => b - a)
    .map((n) => path.join(dir, `${base}.${n}`));
  return [...rotated, file];
}

async function start(maxBytes: number, files: number, maxInstances: number): Promise<Runtime> {
  const dir = tempDir('logs-rotation');
  const group = writeGroup(dir, [{ name: 'printer', executable: printer, maxInstances }], [], {
    LogRotation: { MaxBytes: maxBytes, Files: files },
  });
  runtime = await Runtime.start({ group, http: false });
  return runtime;
}

describe('log rotation', () => {
  it('loses no line and tears none under a steady stream from two workers', async () => {
    const rt = await start(64 * 1024, 50, 2);
    // 2 workers, 200 invocations of 300 lines each (stdout and stderr), many in flight: ~700 KB.
    const invocations = 200;
    const perInvocation = 300;
    const results = await Promise.all(
      Array.from({ length: invocations }, (_, k) => rt.invoke('printer', `lines ${perInvocation} inv${k} ${k % 3 === 0 ? 1 : 0}`)),
    );
    for (const r of results) expect(r.functionError).toBeUndefined();
    const file = rt.logPathOf('printer');
    await rt.stop(); // writes what is pending

    const paths = logFiles(file);
    expect(paths.length).toBeGreaterThan(5); // it did rotate, several times
    const seen = new Map<string, number[]>();
    let starts = 0;
    let ends = 0;
    let reports = 0;
    for (const p of paths) {
      const text = fs.readFileSync(p, 'utf8');
      expect(fs.statSync(p).size).toBeLessThanOrEqual(64 * 1024);
      expect(text.endsWith('\n')).toBe(true); // no line split across files
      for (const line of text.slice(0, -1).split('\n')) {
        const m = /^inv(\d+) (\d+)$/.exec(line);
        if (m) {
          const list = seen.get(m[1]!) ?? [];
          list.push(Number(m[2]));
          seen.set(m[1]!, list);
        } else if (line.startsWith('START RequestId: ')) starts++;
        else if (line.startsWith('END RequestId: ')) ends++;
        else if (line.startsWith('REPORT RequestId: ')) reports++;
        else throw new Error(`unexpected line in ${p}: ${JSON.stringify(line)}`);
      }
    }
    // Every line of every invocation, exactly once and in its order.
    expect(seen.size).toBe(invocations);
    for (const [k, numbers] of seen) {
      expect(numbers, `lines of inv${k}`).toEqual(Array.from({ length: perInvocation }, (_, i) => i + 1));
    }
    expect([starts, ends, reports]).toEqual([invocations, invocations, invocations]);
  });

  it('keeps Files rotated files and drops older ones', async () => {
    const rt = await start(4096, 2, 1);
    for (let k = 0; k < 40; k++) await rt.invoke('printer', `lines 40 batch${k} 0`);
    const file = rt.logPathOf('printer');
    await rt.stop();
    const names = logFiles(file).map((p) => path.basename(p));
    expect(names).toEqual(['printer.log.2', 'printer.log.1', 'printer.log']);
    for (const p of logFiles(file)) expect(fs.statSync(p).size).toBeLessThanOrEqual(4096);
    // The newest lines are in printer.log, the last invocation's last line among them.
    expect(fs.readFileSync(file, 'utf8')).toMatch(/REPORT RequestId: \S+\t/);
    const all = logFiles(file).map((p) => fs.readFileSync(p, 'utf8')).join('');
    expect(all).toContain('batch39 40\n');
    expect(all).not.toContain('batch0 1\n'); // rotated away
  });

  it('writes a line longer than MaxBytes whole, in a file of its own', async () => {
    const rt = await start(1024, 3, 1);
    await rt.invoke('printer', 'lines 3 before 0');
    await rt.invoke('printer', 'wide 3000');
    await rt.invoke('printer', 'lines 3 after 0');
    const file = rt.logPathOf('printer');
    await rt.stop();
    const texts = logFiles(file).map((p) => fs.readFileSync(p, 'utf8'));
    for (const t of texts) expect(t.endsWith('\n')).toBe(true);
    const wide = texts.filter((t) => t.includes('x'.repeat(3000)));
    expect(wide).toEqual([`${'x'.repeat(3000)}\n`]);
    expect(texts.join('')).toMatch(/before 3\n[^]*x{3000}\n[^]*after 1\n/);
  });
});
