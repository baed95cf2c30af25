// `nanolambda logs` as a real process (the compiled bin) on the log files of
// a runtime running in this process: the last lines, a clear error without a
// log, and -f following new lines across rotations.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { buildExecutable, ensureSdk, examplesDir, repoRoot, tempDir, writeGroup } from './helpers/sdk';

const bin = path.join(repoRoot, 'dist', 'cli', 'main.js');

const PRINTER_C = `
#include <stdio.h>
#include "greengrasssdk.h"

static void handler(const gg_lambda_context *cxt)
{
    char payload[256];
    char tag[128] = "";
    size_t len = 0, n = 0;
    unsigned long count = 0, i;

    (void)cxt;
    while (gg_lambda_handler_read(payload + len, sizeof payload - 1 - len, &n) == GGE_SUCCESS && n > 0)
        len += n;
    payload[len] = '\\0';
    if (sscanf(payload, "lines %lu %127s", &count, tag) == 2)
        for (i = 1; i <= count; i++)
            printf("%s %lu\\n", tag, i);
    gg_lambda_handler_write_response(payload, len);
}

int main(void)
{
    if (gg_global_init(0) != GGE_SUCCESS)
        return 1;
    gg_runtime_start(handler, 0);
    return 1;
}
`;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Compile src/ into dist/ when any source is newer than the bin (never test a stale dist). */
function ensureBuilt(): void {
  const built = fs.existsSync(bin) ? fs.statSync(bin).mtimeMs : 0;
  if (built >= newestMtime(path.join(repoRoot, 'src'))) return;
  try {
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'pipe' });
  } catch (err) {
    // tsc still emits on type errors elsewhere in the tree; fail only without a bin.
    if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs <= built) throw err;
  }
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let runtime: Runtime;
let group: string;

beforeAll(async () => {
  ensureBuilt();
  ensureSdk();
  const dir = tempDir('logs-cli');
  const source = path.join(dir, 'printer.c');
  fs.writeFileSync(source, PRINTER_C);
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
    await waitFor(() => fs.readFileSync(file, 'utf8').includes(`REPORT RequestId: ${result.requestId}`), 'the REPORT line');
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
      await waitFor(() => stdout.includes('\n'), 'the last line');
      expect(stdout).toMatch(/^REPORT RequestId: \S+\t[^\n]*\n$/);
      await runtime.invoke('printer', 'lines 3 first');
      await waitFor(() => stdout.includes('first 3\n'), 'the first lines').catch((err: Error) => {
        const file = runtime.logPathOf('printer');
        throw new Error(`${err.message}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}\n--- ${file}:\n${fs.readFileSync(file, 'utf8')}\n--- files: ${fs.readdirSync(path.dirname(file)).join(' ')}`);
      });
      expect(stdout).toMatch(/^REPORT [^\n]*\nSTART RequestId: \S+ Version: 1\nfirst 1\n/);

      // ~40 KB at once: several rotations (MaxBytes 4096) between two polls.
      await runtime.invoke('printer', 'lines 2500 burst');
      await runtime.invoke('printer', 'lines 3 after');
      await waitFor(() => stdout.includes('after 3\n'), 'the lines after the rotations');
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
