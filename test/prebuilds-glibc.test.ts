// The prebuilt native parts keep the README's promise: every ELF file in
// prebuilds/linux-x64 and prebuilds/linux-arm64 (the addon, the SDK library,
// the examples, the launcher) needs glibc symbol versions no newer than the
// "Supported platforms" paragraph says, and the addon no newer libstdc++ ones;
// the launcher is static. The numbers are read from README.md, so a change to
// either the README or the code that breaks the promise fails here.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensurePrebuilds, prebuiltFor, prebuildsUnavailable } from './helpers/prebuilds';
import { repoRoot } from './helpers/sdk';

type Family = 'GLIBC' | 'GLIBCXX' | 'CXXABI';
const FAMILIES: readonly Family[] = ['GLIBC', 'GLIBCXX', 'CXXABI'];

/** What an architecture's ELF files say in `readelf -h`. */
const MACHINE: Record<'x64' | 'arm64', string> = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };

/** Version numbers compared part by part: 2.3.2 < 2.14 < 2.34. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function maxVersion(versions: string[]): string | undefined {
  return versions.reduce<string | undefined>((max, v) => (max === undefined || compareVersions(v, max) > 0 ? v : max), undefined);
}

/** The promise, read from the README's "### Supported platforms" paragraph. */
function readmePromise(): Record<Family, string> {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = /^### Supported platforms\n([\s\S]*?)(?=^#{2,3} )/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "### Supported platforms" section');
  const glibc = /\*\*glibc (\d+\.\d+) or newer\*\*/.exec(section)?.[1];
  const glibcxx = /`GLIBCXX_([0-9.]+)`/.exec(section)?.[1];
  const cxxabi = /`CXXABI_([0-9.]+)`/.exec(section)?.[1];
  if (!glibc || !glibcxx || !cxxabi) {
    throw new Error('README.md\'s "Supported platforms" must say **glibc X.Y or newer**, `GLIBCXX_…` and `CXXABI_…`');
  }
  return { GLIBC: glibc, GLIBCXX: glibcxx, CXXABI: cxxabi };
}

function isElf(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return fs.readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    fs.closeSync(fd);
  }
}

function elfFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter(isElf)
    .sort();
}

interface Needs {
  /** Version names needed, by the library they are needed from. */
  byLibrary: Map<string, string[]>;
}

/** The "Version needs" section of `readelf -V -W`: which versions of which library the file needs. */
function versionNeeds(file: string): Needs {
  const out = execFileSync('readelf', ['-V', '-W', file], { encoding: 'utf8' });
  const byLibrary = new Map<string, string[]>();
  const start = out.indexOf("Version needs section '.gnu.version_r'");
  if (start < 0) return { byLibrary };
  let library: string | undefined;
  for (const line of out.slice(start).split('\n').slice(1)) {
    if (/^\S/.test(line)) break; // the next section
    const fileMatch = /\sFile: (\S+)/.exec(line);
    if (fileMatch) {
      library = fileMatch[1]!;
      byLibrary.set(library, []);
      continue;
    }
    const nameMatch = /\sName: (\S+)/.exec(line);
    if (nameMatch && library !== undefined) byLibrary.get(library)!.push(nameMatch[1]!);
  }
  return { byLibrary };
}

/** The newest version of each family the file needs, and any GLIBC_PRIVATE (tied to one glibc build). */
function maxima(needs: Needs): { max: Partial<Record<Family, string>>; privateFrom: string[] } {
  const max: Partial<Record<Family, string>> = {};
  const privateFrom: string[] = [];
  for (const [library, names] of needs.byLibrary) {
    for (const name of names) {
      if (name === 'GLIBC_PRIVATE') privateFrom.push(library);
      const m = /^(GLIBCXX|CXXABI|GLIBC)_([0-9.]+)$/.exec(name);
      if (!m) continue;
      const family = m[1] as Family;
      max[family] = maxVersion([...(max[family] ? [max[family]!] : []), m[2]!]);
    }
  }
  return { max, privateFrom };
}

function readelf(option: string, file: string): string {
  return execFileSync('readelf', [option, '-W', file], { encoding: 'utf8' });
}

const skip = prebuildsUnavailable() ?? (() => {
  try {
    execFileSync('readelf', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'readelf is missing (apt-get install binutils)';
  }
})();
if (skip) console.warn(`skipping the prebuilds' glibc check: ${skip}`);

describe.skipIf(skip)('the prebuilt native parts need no newer glibc than the README promises', () => {
  beforeAll(() => ensurePrebuilds());

  it('reads a promise from the README', () => {
    const promise = readmePromise();
    console.log(`README promises: glibc ${promise.GLIBC}, GLIBCXX_${promise.GLIBCXX}, CXXABI_${promise.CXXABI}`);
    expect(compareVersions(promise.GLIBC, '2.17')).toBeGreaterThanOrEqual(0);
  });

  it('the install script keeps the same number: below it, npm install builds the SDK from source', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { PREBUILT_SDK_GLIBC } = require(path.join(repoRoot, 'scripts', 'install.js')) as { PREBUILT_SDK_GLIBC: string };
    expect(PREBUILT_SDK_GLIBC).toBe(readmePromise().GLIBC);
  });

  for (const arch of ['x64', 'arm64'] as const) {
    it(`linux-${arch}: every ELF file is for ${arch} and within the promise; the launcher is static`, () => {
      const promise = readmePromise();
      const prebuilt = prebuiltFor(arch);
      const files = elfFiles(prebuilt.dir);
      const launcher = path.join(prebuilt.sdk, 'bin', 'nanolambda-launcher');
      const required = [prebuilt.addon, path.join(prebuilt.sdk, 'lib', 'libaws-greengrass-core-sdk-c.so'), launcher, path.join(prebuilt.sdk, 'libexec', 'nanolambda', 'examples', 'echo')];
      for (const file of required) expect(files, `${file} is missing from the prebuilds`).toContain(file);

      const report: string[] = [];
      const overall: Partial<Record<Family, string>> = {};
      for (const file of files) {
        const name = path.relative(prebuilt.dir, file);
        expect(/^\s*Machine:\s*(.+)$/m.exec(readelf('-h', file))?.[1]?.trim(), `${name}'s machine`).toBe(MACHINE[arch]);
        const { max, privateFrom } = maxima(versionNeeds(file));
        expect(privateFrom, `${name} needs GLIBC_PRIVATE (from ${privateFrom.join(', ')}): it would run only on the glibc it was built with`).toEqual([]);
        report.push(`  ${name}: ${FAMILIES.filter((f) => max[f]).map((f) => `${f}_${max[f]}`).join(' ') || 'no versioned symbols'}`);
        for (const family of FAMILIES) {
          const needed = max[family];
          if (needed === undefined) continue;
          overall[family] = maxVersion([...(overall[family] ? [overall[family]!] : []), needed]);
          expect(
            compareVersions(needed, promise[family]),
            `${name} needs ${family}_${needed}, newer than the README's ${family} ${promise[family]}`,
          ).toBeLessThanOrEqual(0);
        }
      }
      console.log(
        `linux-${arch} newest versions needed (README: glibc ${promise.GLIBC}, GLIBCXX_${promise.GLIBCXX}, CXXABI_${promise.CXXABI}):\n` +
          `${report.join('\n')}\n  overall: ${FAMILIES.filter((f) => overall[f]).map((f) => `${f}_${overall[f]}`).join(' ')}`,
      );
      // The SDK library needs glibc at all: a parse that found nothing would pass vacuously.
      expect(overall.GLIBC).toBeDefined();
      expect(overall.GLIBCXX).toBeDefined();

      // Static: no shared library to load, no dynamic loader, so no glibc version to need.
      expect(readelf('-d', launcher)).not.toMatch(/\(NEEDED\)/);
      expect(readelf('-l', launcher)).not.toMatch(/\bINTERP\b/);
      expect(versionNeeds(launcher).byLibrary.size).toBe(0);
    });
  }
});
