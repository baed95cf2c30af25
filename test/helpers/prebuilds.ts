// Test helper: the prebuilt native parts (scripts/prebuild.js) for linux-x64
// and linux-arm64, rebuilt when the native sources changed since they were
// made. Tests of the package, of arm64 functions and of the arm64 addon use
// these, exactly what `npm pack` ships.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SDK_LAUNCHER } from '../../src/native/sdk-location';
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
  const script = require(path.join(repoRoot, 'scripts', 'prebuild.js')) as { sourceHash(): string; sourceHashFile(arch: string): string };
  const hash = script.sourceHash();
  const stale = (['x64', 'arm64'] as const).filter((arch) => {
    const stamp = script.sourceHashFile(arch);
    const current = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash;
    const p = prebuiltFor(arch);
    return !(current && fs.existsSync(p.addon) && fs.existsSync(path.join(p.sdk, SDK_LAUNCHER)));
  });
  if (stale.length === 0) return;
  const args = stale.flatMap((arch) => ['--arch', arch]);
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'prebuild.js'), ...args], { cwd: repoRoot, stdio: 'inherit' });
}
