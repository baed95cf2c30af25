// Architecture checks: the CPU Node runs for and the machine's, and whether
// this package holds native parts built for it (the addon, the C SDK
// library, the worker launcher), where the runtime looks for them.
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../native/binding';
import { findSdkDir, missingSdkReason, SDK_LAUNCHER, SDK_LIBRARY } from '../native/sdk-location';
import { check, type CheckResult } from './check';
import { describeElf, knownMachineOf, machineForArch, readElfHead, readElfHeader } from '../system/architecture';

export function architectureChecks(): CheckResult[] {
  const machine = os.machine();
  const results: CheckResult[] = [];
  // A Node built for another CPU (x64 Node under emulation on arm64) runs,
  // but slowly, and loads the native parts of its own architecture.
  const expected = machineForArch(machine)?.nodeArch;
  const matches = expected === undefined || expected === process.arch;
  results.push(
    check(
      'architecture',
      matches ? 'ok' : 'warning',
      `node runs for ${process.arch} (process.arch), the machine is ${machine} (uname)` +
        (matches ? '' : `: this Node is built for another CPU than the machine's`),
    ),
  );
  results.push(addonCheck());
  const sdkDir = findSdkDir();
  if (sdkDir === undefined) {
    results.push(check('sdk', 'missing', missingSdkReason()));
    return results;
  }
  results.push(nativeFileCheck('sdk library', path.join(sdkDir, SDK_LIBRARY)));
  results.push(nativeFileCheck('launcher', path.join(sdkDir, SDK_LAUNCHER)));
  return results;
}

/** The addon as the runtime loads it: node-gyp-build picks prebuilds/linux-<arch> or build/Release. */
function addonCheck(): CheckResult {
  const searched = `${path.join(packageRoot, 'prebuilds', `linux-${process.arch}`)} or ${path.join(packageRoot, 'build', 'Release')}`;
  let file: string;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    file = (require('node-gyp-build') as { path(dir: string): string }).path(packageRoot);
  } catch {
    return check('addon', 'missing', `no addon for linux-${process.arch} in ${searched}: run \`npm run build:addon\``);
  }
  try {
    // Loading it is the real test: a wrong CPU or too old a glibc fails here.
    require(file);
  } catch (error) {
    return check('addon', 'missing', `${file} does not load: ${(error as Error).message.split('\n')[0]}`);
  }
  return check('addon', 'ok', `${file} loads`);
}

function nativeFileCheck(name: string, file: string): CheckResult {
  let head: Buffer;
  try {
    head = readElfHead(file);
  } catch (error) {
    return check(name, 'missing', `${file}: ${(error as Error).message}; run \`npm run build:csdk\` in ${packageRoot}`);
  }
  const elf = readElfHeader(head);
  if (elf === undefined) return check(name, 'missing', `${file}: not an ELF file; run \`npm run build:csdk\` in ${packageRoot}`);
  const arch = knownMachineOf(elf)?.nodeArch;
  if (arch !== process.arch) return check(name, 'missing', `${file} is built for ${arch ?? describeElf(elf)}, not ${process.arch}`);
  return check(name, 'ok', `${file} (${arch})`);
}
