// `nanolambda sdk`: print what a Makefile, a shell line or CMake needs to build
// a C function against the SDK of an architecture (this machine's, or arm64
// for a gateway while working on an x86_64 laptop): the compiler and linker
// flags, read from the SDK's own .pc file so no pkg-config is needed, its
// prefix, its pkg-config directory or its CMake toolchain file.
import fs from 'node:fs';
import path from 'node:path';
import { NanolambdaError } from '../../errors';
import { findSdkDir, missingSdkReason } from '../../native/sdk-location';
import { pcFlags, readPcFile } from '../../sdk/pc-file';
import { ACCEPTED_ARCH_NAMES, aarch64ToolchainFile, pcFilePath, pkgConfigDir, sdkArch } from '../../sdk/sdk-layout';
import { stringFlag, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import type { Command } from '../command';

const usage = `Usage: nanolambda sdk [--cflags] [--libs] [--arch x64|arm64]
       nanolambda sdk --prefix|--pkg-config-path|--toolchain [--arch x64|arm64]

Print, on one line, what building a C function against nanolambda's C SDK
needs, for this machine's architecture or --arch's:

  cc -std=c89 fn.c -o fn $(nanolambda sdk --cflags --libs)
  aarch64-linux-gnu-gcc fn.c -o fn $(nanolambda sdk --cflags --libs --arch arm64)

Options:
  --cflags            the compiler flags (-I<sdk>/include)
  --libs              the linker flags (-L<sdk>/lib -laws-greengrass-core-sdk-c ...)
  --arch A            x64 or arm64 (also x86_64, aarch64); default: this machine's
  --prefix            the SDK's directory (include/, lib/, bin/, libexec/)
  --pkg-config-path   the directory for PKG_CONFIG_LIBDIR, for pkg-config itself
  --toolchain         the CMake toolchain file for cross-building to arm64:
                      cmake -DCMAKE_TOOLCHAIN_FILE=$(nanolambda sdk --toolchain --arch arm64)
  -h, --help          show this help

Exit status 1 when no SDK for the architecture is installed, 2 on bad usage.`;

const WHAT = ['prefix', 'pkg-config-path', 'toolchain'] as const;

/** The SDK architecture asked for: --arch (checked), else this machine's. */
function archArg(args: ParsedArgs): string {
  const given = stringFlag(args, 'arch');
  if (given === undefined) return process.arch;
  const arch = sdkArch(given);
  if (arch === undefined) throw new UsageError(`option '--arch': '${given}' is not one of ${ACCEPTED_ARCH_NAMES.join(', ')}`);
  return arch;
}

function sdkPrefix(arch: string): string {
  const dir = findSdkDir(arch);
  if (dir === undefined) throw new NanolambdaError('NATIVE_UNAVAILABLE', missingSdkReason(arch));
  return path.resolve(dir);
}

/** The toolchain file for `arch`, or why there is none (cross-building to arm64 is the one case that needs one). */
function toolchainFile(arch: string): string {
  if (arch === process.arch) {
    throw new UsageError(
      `no toolchain file is needed to build for ${arch} on this ${process.arch} machine: run cmake without ` +
        `-DCMAKE_TOOLCHAIN_FILE, with -DCMAKE_PREFIX_PATH=$(nanolambda sdk --prefix)`,
      false,
    );
  }
  if (arch !== 'arm64') {
    throw new UsageError(`nanolambda ships a CMake toolchain file for arm64 only, not for ${arch}: build ${arch} functions on an ${arch} machine`, false);
  }
  const prefix = sdkPrefix(arch);
  const file = aarch64ToolchainFile(prefix);
  if (!fs.existsSync(file)) {
    throw new NanolambdaError('NATIVE_UNAVAILABLE', `the arm64 SDK in ${prefix} has no toolchain file ${file}: it was not cross-built; rebuild the prebuilds with \`npm run build:prebuilds\``);
  }
  return file;
}

async function run(args: ParsedArgs): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}': sdk takes options only`);
  const wantsFlags = args.flags.has('cflags') || args.flags.has('libs');
  const asked = [...(wantsFlags ? ['cflags/libs'] : []), ...WHAT.filter((name) => args.flags.has(name))];
  if (asked.length === 0) throw new UsageError('say what to print: --cflags, --libs, --prefix, --pkg-config-path or --toolchain');
  if (asked.length > 1) {
    const shown = asked.map((name) => (name === 'cflags/libs' ? '--cflags/--libs' : `--${name}`));
    throw new UsageError(`${shown.join(' and ')} print different things: ask for one at a time`);
  }
  const arch = archArg(args);
  let line: string;
  if (args.flags.has('toolchain')) line = toolchainFile(arch);
  else if (args.flags.has('prefix')) line = sdkPrefix(arch);
  else if (args.flags.has('pkg-config-path')) line = pkgConfigDir(sdkPrefix(arch));
  else {
    // pkg-config's order whatever the options' order: compiler flags, then linker flags.
    const pc = readPcFile(pcFilePath(sdkPrefix(arch)));
    const flags = [...(args.flags.has('cflags') ? pcFlags(pc, 'Cflags') : []), ...(args.flags.has('libs') ? pcFlags(pc, 'Libs') : [])];
    line = flags.join(' ');
  }
  process.stdout.write(`${line}\n`);
  return 0;
}

export const sdkCommand: Command = {
  name: 'sdk',
  summary: 'print the C SDK flags, prefix or toolchain file for building functions',
  usage,
  flags: { cflags: 'boolean', libs: 'boolean', arch: 'string', prefix: 'boolean', 'pkg-config-path': 'boolean', toolchain: 'boolean' },
  run,
};
