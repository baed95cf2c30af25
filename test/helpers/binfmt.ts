// Test helper: let this x86_64 kernel run aarch64 executables through
// qemu-user for the length of a test file. It mounts binfmt_misc if it is
// not mounted, registers a private aarch64 handler, and undoes exactly what
// it did. Flag F opens the interpreter at registration, so the handler works
// for processes in other mount namespaces (containers) too.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';
export const QEMU_AARCH64 = '/usr/bin/qemu-aarch64-static';
/** The cross toolchain's sysroot: the aarch64 ld.so and libc that dynamic executables need. */
export const AARCH64_SYSROOT = '/usr/aarch64-linux-gnu';

/** ELF64, little-endian, version 1, ET_EXEC or ET_DYN (the mask clears bit 0 of e_type), EM_AARCH64. */
const MAGIC = '\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00';
const MASK = '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff';

export interface Aarch64Emulation {
  /** The handler's file in binfmt_misc (the runtime reads it to accept arm64 functions). */
  entry: string;
  /** Remove the handler, and unmount binfmt_misc if we mounted it. */
  undo(): void;
}

/** Why this machine cannot emulate aarch64 for a test, or undefined when it can. */
export function aarch64EmulationUnavailable(): string | undefined {
  if (os.machine() !== 'x86_64') return `the machine is ${os.machine()}, not x86_64`;
  if (process.getuid?.() !== 0) return 'registering a binfmt_misc handler needs root';
  if (!fs.existsSync(QEMU_AARCH64)) return `${QEMU_AARCH64} is missing (apt-get install qemu-user-static)`;
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('binfmt_misc')) return 'the kernel has no binfmt_misc';
  return undefined;
}

/** Register the handler under a name private to this test file. */
export function registerAarch64(name: string): Aarch64Emulation {
  const mounted = fs.existsSync(`${BINFMT_DIR}/register`);
  if (!mounted) execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR]);
  const entry = `${BINFMT_DIR}/${name}`;
  // A stale entry of ours from a crashed run would make the register write fail.
  if (fs.existsSync(entry)) fs.writeFileSync(entry, '-1');
  fs.writeFileSync(`${BINFMT_DIR}/register`, `:${name}:M::${MAGIC}:${MASK}:${QEMU_AARCH64}:F`);
  return {
    entry,
    undo() {
      if (fs.existsSync(entry)) fs.writeFileSync(entry, '-1');
      if (!mounted) execFileSync('umount', [BINFMT_DIR]);
    },
  };
}
