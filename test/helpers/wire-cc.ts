// Compiles C test programs against native/wire with the project's strict C89
// flags, into test/.tmp/, so tests exercise the exact sources we ship.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { repoRoot } from './sdk';

export { repoRoot };
export const wireDir = path.join(repoRoot, 'native', 'wire');
export const tmpDir = path.join(repoRoot, 'test', '.tmp');

export const strictFlags = ['-std=c89', '-pedantic', '-Werror', '-Wall', '-Wextra', '-Wconversion'];
export const sanitizeFlags = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];

/** The wire library sources, as compiled into the addon and the SDK. */
export const wireSources = ['nlw_channel.c', 'nlw_ring.c', 'nlw_wait.c', 'nlw_control.c'].map((f) => path.join(wireDir, f));

export interface CompileOptions {
  /** Output file name inside test/.tmp/. */
  output: string;
  sources: string[];
  sanitize?: boolean;
  extraFlags?: string[];
}

/** Builds one program; throws with gcc's diagnostics on failure. */
export function compileC(options: CompileOptions): string {
  fs.mkdirSync(tmpDir, { recursive: true });
  const out = path.join(tmpDir, options.output);
  const args = [
    ...strictFlags,
    '-g',
    '-O1',
    ...(options.sanitize ? sanitizeFlags : []),
    ...(options.extraFlags ?? []),
    '-o',
    out,
    ...options.sources,
  ];
  try {
    execFileSync('gcc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`gcc failed for ${options.output}:\n${e.stderr?.toString() ?? String(err)}`);
  }
  return out;
}

/** ASan/UBSan settings for running sanitized programs: fail loudly. */
export const sanitizerEnv = {
  ASAN_OPTIONS: 'abort_on_error=0:detect_leaks=1:exitcode=86',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87',
};

/** The launcher's C sources (native/launcher/*.c), for tests that build it themselves. */
export function launcherSources(): string[] {
  const dir = path.join(repoRoot, 'native', 'launcher');
  return fs.readdirSync(dir).filter((file) => file.endsWith('.c')).map((file) => path.join(dir, file));
}
