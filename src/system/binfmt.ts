// Whether this kernel can run executables of another CPU: binfmt_misc
// handlers (qemu-user-static registers them) hand a file whose first bytes
// match a handler's magic (under its mask) to an emulator. The runtime reads
// this to accept a function of a foreign architecture; `nanolambda doctor`
// reports it. Read fresh on every call: a handler can be registered or
// removed at any time. The directory is a parameter so tests can point the
// reader at fixture files written in the kernel's format.
import fs from 'node:fs';
import path from 'node:path';
import { machineForArch, type Machine } from './architecture';
import { readText } from './read-text';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** One registration file as the kernel shows it (fs/binfmt_misc.c, bm_entry_read). */
export interface BinfmtEntry {
  enabled: boolean;
  interpreter: string;
  /** The kernel's flag letters: F (interpreter opened at registration), P, C, O. */
  flags: string;
  /** Magic matching: the byte offset, the magic and mask (mask absent: all ones). An extension handler ("extension .exe") has none. */
  offset?: number;
  magic?: Buffer;
  mask?: Buffer;
}

export interface BinfmtHandler {
  /** Its registration file, e.g. /proc/sys/fs/binfmt_misc/qemu-aarch64. */
  file: string;
  /** The emulator the kernel runs, e.g. /usr/bin/qemu-aarch64-static. */
  interpreter: string;
  /**
   * The kernel's flags: F means the emulator was opened at registration, so
   * it runs for processes that cannot see its path (in a container's own
   * mount namespace, or after the file was removed) too.
   */
  flags: string;
}

/** Whether binfmt_misc is mounted at `dir` (its status file exists). */
export function binfmtMounted(dir: string = BINFMT_DIR): boolean {
  return fs.existsSync(path.join(dir, 'status'));
}

/** A registration file's text, parsed; undefined when it is not one (no interpreter line). */
export function parseBinfmtEntry(text: string): BinfmtEntry | undefined {
  const lines = text.split('\n');
  const value = (prefix: string): string | undefined => lines.find((line) => line.startsWith(prefix))?.slice(prefix.length).trim();
  const interpreter = value('interpreter ');
  if (interpreter === undefined) return undefined;
  const entry: BinfmtEntry = { enabled: lines[0]?.trim() === 'enabled', interpreter, flags: value('flags:') ?? '' };
  const magic = value('magic ');
  if (magic !== undefined) {
    entry.magic = Buffer.from(magic, 'hex');
    entry.offset = Number(value('offset ') ?? '0');
    const mask = value('mask ');
    if (mask !== undefined) entry.mask = Buffer.from(mask, 'hex');
  }
  return entry;
}

/**
 * Whether `entry`, by its magic, takes 64-bit little-endian ELF executables
 * (ET_EXEC and ET_DYN) of `machine`: offset 0, and the ELF identification,
 * e_type and e_machine of such a file, masked as the kernel masks it, equal
 * the magic. Bytes the magic does not cover match anything.
 */
export function takesElfOf(entry: BinfmtEntry, machine: Machine): boolean {
  if (entry.magic === undefined || entry.offset !== 0) return false;
  return [2, 3].every((type) => matches(entry, elfHeadOf(machine, type)));
}

/**
 * An enabled handler that would run ELF executables of `arch` (Node's or
 * Lambda's name: arm64, x64, x86_64), and can (its interpreter exists, or
 * flag F holds it open), or undefined: binfmt_misc not mounted, switched off
 * as a whole, or no such handler.
 *
 * The kernel tries handlers most recently registered first, and the
 * directory listing does not tell that order. So when several enabled
 * handlers match, all of them must be usable: whichever the kernel picks
 * works. One matching handler that is not usable makes this undefined
 * (`unusableHandlers` says which, for the message).
 */
export function foreignArchHandler(arch: string, dir: string = BINFMT_DIR): BinfmtHandler | undefined {
  const found = matchingHandlers(arch, dir);
  return found.usable.length > 0 && found.unusable.length === 0 ? found.usable[0] : undefined;
}

/** The enabled handlers for `arch` whose interpreter is missing (and no flag F): why foreignArchHandler found none. */
export function unusableHandlers(arch: string, dir: string = BINFMT_DIR): BinfmtHandler[] {
  return matchingHandlers(arch, dir).unusable;
}

function matchingHandlers(arch: string, dir: string): { usable: BinfmtHandler[]; unusable: BinfmtHandler[] } {
  const none = { usable: [], unusable: [] };
  const machine = machineForArch(arch);
  if (machine === undefined || machine.elfClass !== 2 || !machine.littleEndian || !binfmtMounted(dir)) return none;
  if (readText(path.join(dir, 'status'))?.trim() !== 'enabled') return none;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name !== 'status' && name !== 'register');
  } catch {
    return none;
  }
  const usable: BinfmtHandler[] = [];
  const unusable: BinfmtHandler[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const entry = parseBinfmtEntry(readText(file) ?? '');
    if (entry === undefined || !entry.enabled || !takesElfOf(entry, machine)) continue;
    const handler = { file, interpreter: entry.interpreter, flags: entry.flags };
    // Without F the kernel opens the interpreter at each exec: a handler left behind by an uninstalled qemu fails every one with ENOENT.
    (entry.flags.includes('F') || fs.existsSync(entry.interpreter) ? usable : unusable).push(handler);
  }
  return { usable, unusable };
}

/** The first 20 bytes of a 64-bit little-endian ELF file of e_type `type` for `machine`: what a handler's magic is compared with. */
function elfHeadOf(machine: Machine, type: number): Buffer {
  const head = Buffer.alloc(20);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(head); // EI_MAG, ELFCLASS64, ELFDATA2LSB, EV_CURRENT; OS ABI and padding 0
  head.writeUInt16LE(type, 16);
  head.writeUInt16LE(machine.machine, 18);
  return head;
}

/**
 * The kernel's test (fs/binfmt_misc.c, check_file): ((byte ^ magic) & mask)
 * == 0 for each magic byte; bits outside the mask do not count, whatever the
 * magic says there. A magic longer than the 20 bytes we know of an ELF file
 * does not count as matching: we cannot tell what it wants.
 */
function matches(entry: BinfmtEntry, head: Buffer): boolean {
  const magic = entry.magic!;
  return magic.every((byte, i) => i < head.length && ((head[i]! ^ byte) & (entry.mask?.[i] ?? 0xff)) === 0);
}

