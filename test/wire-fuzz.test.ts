// Runs the control-frame / ring fuzz target (native/wire/fuzz/fuzz_control.c)
// as a plain gcc program under ASan/UBSan: the shared vectors replayed, then
// a few seconds of mutations of them and of random bytes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileC, sanitizerEnv, tmpDir, wireDir, wireSources } from './helpers/wire-cc';

interface Vector { name: string; hex: string }

describe('fuzz_control', () => {
  it('survives the vectors and a few seconds of mutations', () => {
    const program = compileC({
      output: 'fuzz_control',
      sources: [path.join(wireDir, 'fuzz', 'fuzz_control.c'), ...wireSources],
      sanitize: true,
      extraFlags: ['-DNLW_FUZZ_MAIN'],
    });
    const seedDir = path.join(tmpDir, 'fuzz-seeds');
    fs.rmSync(seedDir, { recursive: true, force: true });
    fs.mkdirSync(seedDir, { recursive: true });
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const vectors = require(path.join(wireDir, 'vectors', 'control-vectors.json')) as Vector[];
    const seeds = vectors
      .filter((v) => v.hex.length <= 8192)
      .map((v, i) => {
        const file = path.join(seedDir, `${i}.bin`);
        fs.writeFileSync(file, Buffer.from(v.hex, 'hex'));
        return file;
      });
    const env = { ...process.env, ...sanitizerEnv };
    for (const args of [['-seconds', '3', ...seeds], ['-seconds', '2']]) {
      const run = spawnSync(program, args, { env, timeout: 60_000, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`fuzz_control ${args.slice(0, 2).join(' ')} failed (${run.status ?? run.signal}):\n${run.stderr}`);
      expect(run.stderr).toMatch(/fuzz_control: \d+ inputs, seed \d+, no crash/);
    }
  }, 90_000);
});
