// Running the compiled `nanolambda` bin as a real process in tests.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './sdk';

export const bin = path.join(repoRoot, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Compile src/ into dist/ when any source is newer than the bin (never test a stale dist). */
export function ensureBuilt(): void {
  const built = fs.existsSync(bin) ? fs.statSync(bin).mtimeMs : 0;
  if (built >= newestMtime(path.join(repoRoot, 'src'))) return;
  try {
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
  } catch (err) {
    // tsc still emits on type errors elsewhere in the tree; fail only without a bin.
    if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs <= built) throw err;
    console.warn(`tsc reported errors but emitted dist/:\n${String((err as { stdout?: Buffer }).stdout ?? '')}`);
  }
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the bin to completion (SIGKILL after timeoutMs). */
export function cli(args: string[], opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface StartedCli {
  child: ChildProcessWithoutNullStreams;
  endpoint: string;
  /** Everything it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** `nanolambda start ...` until it prints its endpoint. */
export function startCli(args: string[], cwd: string): Promise<StartedCli> {
  const child = spawn(process.execPath, [bin, 'start', ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise<StartedCli>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start printed no endpoint:\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ child, endpoint: m[1]!, output: () => ({ stdout, stderr }), exited });
      }
    });
    void exited.then(() => reject(new Error(`start exited early:\n${stdout}\n${stderr}`)));
  });
}
