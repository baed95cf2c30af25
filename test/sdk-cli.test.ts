// `nanolambda sdk` as a real process: its flags against what pkg-config itself
// prints for the same SDK (x64 and arm64), C functions built with them (gcc,
// the aarch64 cross gcc, CMake with the toolchain file) read back with
// readelf, the .pc reader on files with comments, continuations and spaces,
// a package with no SDK, and bad usage.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pcFlags, readPcFile } from '../src/sdk/pc-file';
import { bin, cli, ensureBuilt } from './helpers/cli';
import { ensurePrebuilds, prebuiltFor, prebuildsUnavailable } from './helpers/prebuilds';
import { ensureSdk, repoRoot, tempDir } from './helpers/sdk';

const PACKAGE = 'aws-greengrass-core-sdk-c';
const LIBRARY = 'libaws-greengrass-core-sdk-c.so';

/** A Greengrass function that echoes its payload: C89, as strict as the SDK itself. */
const FUNCTION_SOURCE = `#include "greengrasssdk.h"

static void handler(const gg_lambda_context *cxt) {
    char buf[4096];
    size_t n = 0, total = 0;
    (void)cxt;
    while (gg_lambda_handler_read(buf + total, sizeof buf - total, &n) == GGE_SUCCESS && n > 0) total += n;
    gg_lambda_handler_write_response(buf, total);
}

int main(void) {
    gg_global_init(0);
    gg_runtime_start(handler, 0);
    return 0;
}
`;

const CMAKE_LISTS = `cmake_minimum_required(VERSION 3.10)
project(fn C)
find_package(${PACKAGE} REQUIRED)
add_executable(fn fn.c)
target_link_libraries(fn ${PACKAGE})
`;

function missing(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

/** Split a pkg-config output line into arguments as a shell would (it escapes spaces with '\'). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** pkg-config's own answer for the SDK whose .pc sits in `pcDir`, -I/-L paths without `..`. */
function pkgConfig(pcDir: string, ...what: string[]): string[] {
  const out = execFileSync('pkg-config', [...what, PACKAGE], { env: { ...process.env, PKG_CONFIG_LIBDIR: pcDir, PKG_CONFIG_PATH: '' }, encoding: 'utf8' });
  return shellWords(out).map((flag) => flag.replace(/^(-[IL])(\/.*)$/, (_all, opt: string, p: string) => `${opt}${path.normalize(p)}`));
}

async function sdkLine(...args: string[]): Promise<string> {
  const run = await cli(['sdk', ...args], { cwd: repoRoot });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.trimEnd().includes('\n')).toBe(false);
  return run.stdout.trimEnd();
}

function readelf(option: string, file: string): string {
  return execFileSync('readelf', [option, '-W', file], { encoding: 'utf8' });
}

function elfMachine(file: string): string {
  const m = /^\s*Machine:\s*(.+)$/m.exec(readelf('-h', file));
  if (!m) throw new Error(`readelf -h printed no Machine for ${file}`);
  return m[1]!.trim();
}

function needed(file: string): string[] {
  return [...readelf('-d', file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

/** Build `fn.c` with `compiler`, its SDK flags coming from the CLI in a $(...) as the README shows. */
function buildWithShell(dir: string, compiler: string, arch: string): string {
  fs.writeFileSync(path.join(dir, 'fn.c'), FUNCTION_SOURCE);
  const line = `${compiler} -std=c89 -pedantic -Wall -Wextra -Werror fn.c -o fn $("${process.execPath}" "${bin}" sdk --cflags --libs --arch ${arch})`;
  execFileSync('sh', ['-c', line], { cwd: dir, stdio: 'pipe' });
  return path.join(dir, 'fn');
}

/** Configure and build the CMake project in `dir` with extra cache settings. */
function buildWithCmake(dir: string, settings: string[]): string {
  fs.writeFileSync(path.join(dir, 'fn.c'), FUNCTION_SOURCE);
  fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), CMAKE_LISTS);
  const build = path.join(dir, 'build');
  execFileSync('cmake', ['-S', dir, '-B', build, ...settings], { stdio: 'pipe' });
  execFileSync('cmake', ['--build', build], { stdio: 'pipe' });
  return path.join(build, 'fn');
}

beforeAll(() => {
  ensureBuilt();
  ensureSdk();
});

describe('nanolambda sdk for this machine (x64)', () => {
  const skip = process.arch !== 'x64' ? `this machine is ${process.arch}, the test expects x64` : missing('pkg-config') ? 'pkg-config is missing' : undefined;
  if (skip) console.warn(`skipping the x64 sdk tests: ${skip}`);

  it.skipIf(skip)('prints the local SDK prefix, its pkg-config dir and the flags pkg-config gives for it', async () => {
    const prefix = await sdkLine('--prefix');
    expect(prefix).toBe(path.join(repoRoot, 'sdk'));
    expect(await sdkLine('--prefix', '--arch', 'x86_64')).toBe(prefix);
    const pcDir = await sdkLine('--pkg-config-path');
    expect(pcDir).toBe(path.join(prefix, 'lib', 'pkgconfig'));
    expect((await sdkLine('--cflags', '--libs')).split(' ')).toEqual(pkgConfig(pcDir, '--cflags', '--libs'));
    // pkg-config's order (compiler flags first) whatever the order asked in.
    expect((await sdkLine('--libs', '--cflags', '--arch', 'x64')).split(' ')).toEqual(pkgConfig(pcDir, '--cflags', '--libs'));
    expect((await sdkLine('--cflags')).split(' ')).toEqual(pkgConfig(pcDir, '--cflags'));
    expect((await sdkLine('--libs')).split(' ')).toEqual(pkgConfig(pcDir, '--libs'));
  });

  it.skipIf(skip ?? (missing('gcc') ? 'gcc is missing' : undefined))('builds an x86-64 function with gcc and $(nanolambda sdk --cflags --libs)', () => {
    const fn = buildWithShell(tempDir('sdk-cli-x64'), 'gcc', 'x64');
    expect(elfMachine(fn)).toBe('Advanced Micro Devices X86-64');
    expect(needed(fn)).toContain(LIBRARY);
  });

  it.skipIf(skip ?? (missing('cmake') ? 'cmake is missing' : undefined))('builds an x86-64 function with CMake, find_package and --prefix', async () => {
    const prefix = await sdkLine('--prefix');
    const fn = buildWithCmake(tempDir('sdk-cli-cmake-x64'), [`-DCMAKE_PREFIX_PATH=${prefix}`]);
    expect(elfMachine(fn)).toBe('Advanced Micro Devices X86-64');
    expect(needed(fn)).toContain(LIBRARY);
  });

  it.skipIf(skip)('says no toolchain file is needed to build for this machine', async () => {
    const run = await cli(['sdk', '--toolchain'], { cwd: repoRoot });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no toolchain file is needed to build for x64 on this x64 machine');
  });
});

describe('nanolambda sdk --arch arm64 (cross-building on x86_64)', () => {
  const skip =
    process.arch !== 'x64'
      ? `this machine is ${process.arch}: cross-building to arm64 is tested on x64`
      : (prebuildsUnavailable() ?? (missing('pkg-config') ? 'pkg-config is missing' : undefined));
  if (skip) console.warn(`skipping the arm64 sdk tests: ${skip}`);

  beforeAll(() => {
    if (!skip) ensurePrebuilds();
  });

  it.skipIf(skip)('prints the arm64 prebuilt SDK, its pkg-config dir, its toolchain file and the flags pkg-config gives', async () => {
    const prefix = await sdkLine('--prefix', '--arch', 'arm64');
    expect(prefix).toBe(prebuiltFor('arm64').sdk);
    expect(await sdkLine('--prefix', '--arch', 'aarch64')).toBe(prefix);
    const pcDir = await sdkLine('--pkg-config-path', '--arch', 'arm64');
    expect(pcDir).toBe(path.join(prefix, 'lib', 'pkgconfig'));
    const toolchain = await sdkLine('--toolchain', '--arch', 'arm64');
    expect(toolchain).toBe(path.join(prefix, 'lib', 'cmake', PACKAGE, 'aarch64-linux-gnu.cmake'));
    expect(fs.existsSync(toolchain)).toBe(true);
    const flags = (await sdkLine('--cflags', '--libs', '--arch', 'arm64')).split(' ');
    expect(flags).toEqual(pkgConfig(pcDir, '--cflags', '--libs'));
    expect(flags).toContain(`-I${path.join(prefix, 'include')}`);
    expect(flags).toContain(`-L${path.join(prefix, 'lib')}`);
  });

  it.skipIf(skip)('builds an aarch64 function with aarch64-linux-gnu-gcc -std=c89 and $(nanolambda sdk --cflags --libs --arch arm64)', () => {
    const fn = buildWithShell(tempDir('sdk-cli-arm64'), 'aarch64-linux-gnu-gcc', 'arm64');
    expect(elfMachine(fn)).toBe('AArch64');
    expect(needed(fn)).toContain(LIBRARY);
  });

  it.skipIf(skip ?? (missing('cmake') ? 'cmake is missing' : undefined))(
    'builds an aarch64 function with CMake, the toolchain file and find_package alone',
    async () => {
      const toolchain = await sdkLine('--toolchain', '--arch', 'arm64');
      const dir = tempDir('sdk-cli-cmake-arm64');
      const fn = buildWithCmake(dir, [`-DCMAKE_TOOLCHAIN_FILE=${toolchain}`]);
      expect(elfMachine(fn)).toBe('AArch64');
      expect(needed(fn)).toContain(LIBRARY);
      // find_package found the arm64 SDK, not the x64 one in <repo>/sdk.
      const cache = fs.readFileSync(path.join(dir, 'build', 'CMakeCache.txt'), 'utf8');
      const found = /^aws-greengrass-core-sdk-c_DIR:PATH=(.*)$/m.exec(cache);
      expect(found?.[1]).toBe(path.join(prebuiltFor('arm64').sdk, 'lib', 'cmake', PACKAGE));
    },
  );
});

describe('the .pc reader', () => {
  it('reads comments, continuations, a lone $ and a prefix with spaces as pkg-config does', () => {
    const skip = missing('pkg-config');
    const pcDir = path.join(tempDir('sdk-cli-pc'), 'my sdk', 'lib', 'pkgconfig');
    fs.mkdirSync(pcDir, { recursive: true });
    fs.writeFileSync(
      path.join(pcDir, `${PACKAGE}.pc`),
      [
        '# a relocatable prefix',
        'prefix=${pcfiledir}/../..',
        'libdir=${prefix}/lib # the library',
        'includedir=${prefix}/include',
        'define=-DPRICE=5$',
        '',
        'Name: test',
        'Description: a test',
        'Version: 1.0',
        'Libs: -L${libdir} \\',
        '  -laws-greengrass-core-sdk-c',
        'CFlags: -I${includedir} ${define}',
        '',
      ].join('\n'),
    );
    const pc = readPcFile(path.join(pcDir, `${PACKAGE}.pc`));
    const prefix = path.resolve(pcDir, '..', '..');
    const ours = [...pcFlags(pc, 'Cflags'), ...pcFlags(pc, 'Libs')];
    expect(ours).toEqual([`-I${prefix}/include`, '-DPRICE=5$', `-L${prefix}/lib`, '-laws-greengrass-core-sdk-c']);
    if (skip) console.warn('pkg-config is missing: the .pc reader is not compared with it');
    else expect(ours).toEqual(pkgConfig(pcDir, '--cflags', '--libs'));
  });

  it('names the file and line of an undefined variable or a malformed line', () => {
    const dir = tempDir('sdk-cli-pc-bad');
    const undefinedVar = path.join(dir, 'undefined.pc');
    fs.writeFileSync(undefinedVar, 'prefix=/opt/x\nlibdir=${prefix}/lib\nCflags: -I${incdir}\n');
    expect(() => pcFlags(readPcFile(undefinedVar), 'Cflags')).toThrow(`${undefinedVar}:3: undefined variable '\${incdir}'`);
    const undefinedInVariable = path.join(dir, 'variable.pc');
    fs.writeFileSync(undefinedInVariable, 'libdir=${prefix}/lib\n');
    expect(() => readPcFile(undefinedInVariable)).toThrow(`${undefinedInVariable}:1: undefined variable '\${prefix}'`);
    const malformed = path.join(dir, 'malformed.pc');
    fs.writeFileSync(malformed, 'Name: x\njust some words\n');
    expect(() => readPcFile(malformed)).toThrow(`${malformed}:2: 'just some words' is neither`);
    expect(() => readPcFile(path.join(dir, 'absent.pc'))).toThrow(`cannot read the pkg-config file ${path.join(dir, 'absent.pc')}`);
  });
});

describe('nanolambda sdk: no SDK, bad usage', () => {
  it('exits 1 naming where it looked when the package holds no SDK for the architecture', () => {
    // A package with the compiled CLI but neither sdk/ nor prebuilds/.
    const pkg = tempDir('sdk-cli-nosdk');
    fs.cpSync(path.join(repoRoot, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(pkg, 'package.json'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(pkg, 'node_modules'));
    const run = spawnSync(process.execPath, [path.join(pkg, 'dist', 'cli', 'main.js'), 'sdk', '--cflags', '--arch', 'arm64'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`no nanolambda C SDK for linux-arm64 in ${path.join(pkg, 'prebuilds', 'linux-arm64', 'sdk')}`);
    expect(run.stderr).toContain('[NATIVE_UNAVAILABLE]');
  });

  it('names an unknown --arch value and the accepted ones', async () => {
    const run = await cli(['sdk', '--cflags', '--arch', 'mips64'], { cwd: repoRoot });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`option '--arch': 'mips64' is not one of x64, x86_64, arm64, aarch64`);
  });

  it('refuses no options, two things at once and a positional argument', async () => {
    const none = await cli(['sdk'], { cwd: repoRoot });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('say what to print: --cflags, --libs, --prefix, --pkg-config-path or --toolchain');
    const two = await cli(['sdk', '--prefix', '--libs'], { cwd: repoRoot });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('--cflags/--libs and --prefix print different things');
    const positional = await cli(['sdk', 'arm64', '--cflags'], { cwd: repoRoot });
    expect(positional.code).toBe(2);
    expect(positional.stderr).toContain(`unexpected argument 'arm64'`);
    const help = await cli(['sdk', '--help'], { cwd: repoRoot });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: nanolambda sdk');
  });
});

