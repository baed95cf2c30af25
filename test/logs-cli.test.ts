// `nanolambda logs` as a real process (the compiled bin) on the log files of
// a runtime running in this process: the last lines, a clear error without a
// log, and -f following new lines across rotations.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { bin, cli as runCli, ensureBuilt } from './helpers/cli';
import { buildExecutable, ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

let runtime: Runtime;
let group: string;
let dir: string;
const cli = (args: string[]) => runCli(args, { cwd: dir });

beforeAll(async () => {
  ensureBuilt();
  ensureSdk();
  dir = tempDir('logs-cli');
  const source = path.join(__dirname, 'fixtures', 'printer.c');
  const printer = buildExecutable(source, dir);
  group = writeGroup(
    dir,
    [
      { name: 'printer', executable: printer, maxInstances: 1 },
      { name: 'silent', executable: path.join(examplesDir, 'echo') },
    ],
    [],
    { LogRotation: { MaxBytes: 4096, Files: 20 } },
  );
  runtime = await Runtime.start({ group, http: false });
}, 180_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('nanolambda logs', () => {
  it('prints the last N lines of the function log', async () => {
    const result = await runtime.invoke('printer', 'lines 4 last');
    const file = runtime.logPathOf('printer');
    await waitFor(() => fs.readFileSync(file, 'utf8').includes(`REPORT RequestId: ${result.requestId}`), 10_000, 'the REPORT line');
    const r = await cli(['logs', 'printer', group, '-n', '4']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-4);
    expect(r.stdout.trimEnd().split('\n')).toEqual(expected);
    expect(expected.slice(1)).toEqual(['last 4', `END RequestId: ${result.requestId}`, expect.stringMatching(/^REPORT RequestId: /)]);
    // By ARN too, and --lines.
    const byArn = await cli(['logs', 'arn:aws:lambda:us-east-1:123456789012:function:printer:1', group, '--lines', '1']);
    expect(byArn.stdout.trimEnd()).toBe(expected.at(-1));
  });

  it('says which function and which file when there is no log yet', async () => {
    const r = await cli(['logs', 'silent', group]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('silent has no log yet');
    expect(r.stderr).toContain(path.join(path.dirname(group), 'logs', 'user', 'us-east-1', '123456789012', 'silent.log'));
    const unknown = await cli(['logs', 'nobody', group]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody is not in');
    const usage = await cli(['logs']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing <function>');
  });

  it('-f follows new lines and rotations until SIGINT', async () => {
    // -n 1: its first output (the log's last line) says it has the file open.
    const child = spawn(process.execPath, [bin, 'logs', 'printer', group, '-f', '-n', '1']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes('\n'), 10_000, 'the last line');
      expect(stdout).toMatch(/^REPORT RequestId: \S+\t[^\n]*\n$/);
      await runtime.invoke('printer', 'lines 3 first');
      await waitFor(() => stdout.includes('first 3\n'), 10_000, 'the first lines').catch((err: Error) => {
        const file = runtime.logPathOf('printer');
        throw new Error(`${err.message}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}\n--- ${file}:\n${fs.readFileSync(file, 'utf8')}\n--- files: ${fs.readdirSync(path.dirname(file)).join(' ')}`);
      });
      expect(stdout).toMatch(/^REPORT [^\n]*\nSTART RequestId: \S+ Version: 1\nfirst 1\n/);

      // ~40 KB at once: several rotations (MaxBytes 4096) between two polls.
      await runtime.invoke('printer', 'lines 2500 burst');
      await runtime.invoke('printer', 'lines 3 after');
      await waitFor(() => stdout.includes('after 3\n'), 10_000, 'the lines after the rotations');
      const file = runtime.logPathOf('printer');
      expect(fs.existsSync(`${file}.5`)).toBe(true);
      const burst = stdout.split('\n').filter((line) => line.startsWith('burst '));
      expect(burst).toEqual(Array.from({ length: 2500 }, (_, i) => `burst ${i + 1}`));
      expect(stdout.indexOf('after 1')).toBeGreaterThan(stdout.indexOf('burst 2500'));
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
