// Whether this kernel can run executables of another CPU: binfmt_misc
// handlers (qemu-user-static registers them) hand an ELF file whose header
// matches a handler's magic to an emulator. The runtime reads this to accept
// a function of a foreign architecture; `nanolambda doctor` reports it. Read
// fresh on every call: a handler can be registered or removed at any time.
import fs from 'node:fs';
import path from 'node:path';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** e_machine of the architectures a handler is looked for, by Node's process.arch name. */
const ELF_MACHINES: Record<string, number> = { x64: 62, arm64: 183 };

export interface BinfmtHandler {
  /** Its registration file, e.g. /proc/sys/fs/binfmt_misc/qemu-aarch64. */
  file: string;
  /** The emulator the kernel runs, e.g. /usr/bin/qemu-aarch64-static. */
  interpreter: string;
  /**
   * The kernel's flags: F means the emulator was opened at registration, so
   * it runs for processes that cannot see its path (in a container's own
   * mount namespace) too.
   */
  flags: string;
}

/** Whether binfmt_misc is mounted (its status file exists). */
export function binfmtMounted(): boolean {
  return fs.existsSync(path.join(BINFMT_DIR, 'status'));
}

/**
 * An enabled handler that runs 64-bit little-endian ELF executables of `arch`
 * (Node's name: arm64, x64), or undefined: binfmt_misc not mounted, switched
 * off as a whole, or no such handler. Another name than arm64 or x64 has none.
 */
export function foreignArchHandler(arch: string): BinfmtHandler | undefined {
  const machine = ELF_MACHINES[arch];
  if (machine === undefined || !binfmtMounted()) return undefined;
  if (readText(path.join(BINFMT_DIR, 'status'))?.trim() !== 'enabled') return undefined;
  let names: string[];
  try {
    names = fs.readdirSync(BINFMT_DIR).filter((name) => name !== 'status' && name !== 'register');
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    const file = path.join(BINFMT_DIR, name);
    // The kernel shows "enabled", "interpreter <path>", "flags: <letters>", "magic <hex>".
    const text = readText(file) ?? '';
    const magic = /^magic (\S+)/m.exec(text)?.[1] ?? '';
    if (!/^enabled$/m.test(text) || !matchesElf(magic, machine)) continue;
    return { file, interpreter: /^interpreter (\S+)/m.exec(text)?.[1] ?? '', flags: /^flags: ?(\S*)/m.exec(text)?.[1] ?? '' };
  }
  return undefined;
}

/**
 * A magic (hex of the header's first bytes, offset 0 as every qemu handler
 * registers it) matching ELF, 64-bit, little-endian, with e_machine
 * `machine` in bytes 18-19.
 */
function matchesElf(magic: string, machine: number): boolean {
  const hex = magic.toLowerCase();
  const machineHex = Buffer.from([machine & 0xff, machine >> 8]).toString('hex');
  return hex.startsWith('7f454c460201') && hex.slice(36, 40) === machineHex;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
