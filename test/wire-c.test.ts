// The C unit tests of native/wire, built with the strict C89 flags plus
// ASan/UBSan and run as real programs (the ring test forks a worker over a
// real memfd). A non-zero exit, a sanitizer report or a hang fails the test.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileC, sanitizerEnv, strictFlags, tmpDir, wireDir, wireSources } from './helpers/wire-cc';

describe('native/wire C tests', () => {
  it('the wire sources compile cleanly with the strict flags at -O0 and -O2', () => {
    for (const opt of ['-O0', '-O2']) {
      for (const source of wireSources) {
        const out = path.join(tmpDir, `${path.basename(source)}${opt}.o`);
        expect(() => execFileSync('gcc', [...strictFlags, opt, '-c', '-o', out, source], { stdio: 'pipe' })).not.toThrow();
      }
    }
  });

  it('test_ring passes under ASan and UBSan', () => {
    const program = compileC({
      output: 'test_ring',
      sources: [path.join(wireDir, 'test', 'test_ring.c'), ...wireSources],
      sanitize: true,
    });
    const run = spawnSync(program, [], { env: { ...process.env, ...sanitizerEnv }, timeout: 150_000, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`test_ring exited with ${run.status ?? run.signal}:\n${run.stderr}`);
    expect(run.stderr).toContain('all ring checks passed');
    // Both ping-pong phases ran their 100k records.
    expect(run.stderr.match(/100000 records/g)).toHaveLength(2);
  }, 180_000);
});
