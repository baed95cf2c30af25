// Test helper: the prebuilt native parts (scripts/prebuild.js) for linux-x64
// and linux-arm64, rebuilt when the native sources changed since they were
// made. Tests of the package, of arm64 functions and of the arm64 addon use
// these, exactly what `npm pack` ships.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './sdk';

export const prebuildsDir = path.join(repoRoot, 'prebuilds');

export interface Prebuilt {
  /** prebuilds/linux-<arch> */
  dir: string;
  /** The addon, as node-gyp-build finds it there. */
  addon: string;
  /** The C SDK prefix: lib/, include/, bin/nanolambda-launcher, libexec/nanolambda/examples/. */
  sdk: string;
}

export function prebuiltFor(arch: 'x64' | 'arm64'): Prebuilt {
  const dir = path.join(prebuildsDir, `linux-${arch}`);
  return { dir, addon: path.join(dir, 'nanolambda.glibc.node'), sdk: path.join(dir, 'sdk') };
}

/** Why the prebuilds cannot be made here (no cross compiler), or undefined. */
export function prebuildsUnavailable(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v aarch64-linux-gnu-g++'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the aarch64 cross compiler is missing (apt-get install gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross)';
  }
}

/** Make the prebuilds unless those in prebuilds/ were made from the current sources. */
export function ensurePrebuilds(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { sourceHash } = require(path.join(repoRoot, 'scripts', 'prebuild.js')) as { sourceHash(): string };
  const stamp = path.join(prebuildsDir, 'SOURCE-HASH');
  const current = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === sourceHash();
  const complete = (['x64', 'arm64'] as const).every((arch) => {
    const p = prebuiltFor(arch);
    return fs.existsSync(p.addon) && fs.existsSync(path.join(p.sdk, 'bin', 'nanolambda-launcher'));
  });
  if (current && complete) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'prebuild.js')], { cwd: repoRoot, stdio: 'inherit' });
}
