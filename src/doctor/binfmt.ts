// binfmt_misc checks: whether the kernel can run executables of another
// CPU through an emulator (qemu-user). Only arm64 functions on an x86_64
// machine need that, so an absence is a warning, never a failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, type CheckResult } from './check';
import { readText } from './read-file';

const FILESYSTEMS = '/proc/filesystems';
const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';
/** EM_AARCH64 (183) as bytes 18-19 of a little-endian ELF header, in the hex the kernel shows. */
const AARCH64_MACHINE_HEX = 'b700';

export function binfmtChecks(): CheckResult[] {
  const supported = (readText(FILESYSTEMS) ?? '').split('\n').some((line) => line.split('\t').includes('binfmt_misc'));
  const status = path.join(BINFMT_DIR, 'status');
  const mounted = fs.existsSync(status);
  const results = [
    check('binfmt_misc', supported ? 'ok' : 'warning', supported ? `listed in ${FILESYSTEMS}` : `not in ${FILESYSTEMS}`),
    check(
      'binfmt_misc mount',
      mounted ? 'ok' : 'warning',
      mounted ? `${status} exists` : `${status} does not exist: mount it with \`mount -t binfmt_misc binfmt_misc ${BINFMT_DIR}\``,
    ),
  ];
  if (os.machine() === 'aarch64') {
    results.push(check('aarch64 handler', 'ok', 'the machine is aarch64: arm64 functions run natively'));
    return results;
  }
  const handler = mounted ? aarch64Handler() : undefined;
  results.push(
    check(
      'aarch64 handler',
      handler === undefined ? 'warning' : 'ok',
      handler === undefined
        ? `no enabled aarch64 handler in ${BINFMT_DIR}: arm64 functions cannot run (install qemu-user-static)`
        : `${handler}`,
    ),
  );
  return results;
}

/** The registration file of an enabled handler for aarch64 ELF executables, if any. */
function aarch64Handler(): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(BINFMT_DIR).filter((name) => name !== 'status' && name !== 'register');
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(BINFMT_DIR, name);
    const text = readText(file) ?? '';
    // The kernel shows "enabled", "interpreter <path>", "magic <hex>".
    const magic = /^magic (\S+)/m.exec(text)?.[1] ?? '';
    if (/^enabled/m.test(text) && isAarch64Magic(magic)) {
      return `${file} (interpreter ${/^interpreter (\S+)/m.exec(text)?.[1] ?? '?'})`;
    }
  }
  return undefined;
}

/** A magic (hex of the header's first bytes) that matches 64-bit little-endian ELF for aarch64. */
function isAarch64Magic(magic: string): boolean {
  const hex = magic.toLowerCase();
  return hex.startsWith('7f454c460201') && hex.slice(36, 40) === AARCH64_MACHINE_HEX;
}
