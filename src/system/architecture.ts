// CPU architectures, in one place: the names Node (process.arch: x64, arm64),
// Lambda (Architectures: x86_64, arm64) and uname -m (x86_64, aarch64) give
// them, the ELF header fields (EI_CLASS, EI_DATA, e_machine) that identify an
// executable built for one, and where Debian's cross packages put another
// architecture's ld.so and libc. Everything that names an architecture or
// reads an ELF header (the config and Lambda API checks, the package check,
// binfmt_misc detection, doctor, `nanolambda sdk`) asks here.
// (scripts/prebuild.js is plain JavaScript run before anything is compiled,
// so it keeps its own two e_machine numbers.)
//
// A C executable must be built for the architecture of the function it runs
// as: elfMismatch says when a file is an ELF executable for another machine,
// so a deployment refuses it instead of letting the first invoke fail with
// "Exec format error" (or run under an emulator the function did not ask for).
// Checked: e_type ET_EXEC, or ET_DYN (a PIE executable or a shared library)
// unless the name says library: `*.so`, `*.so.N…` and Node addons `*.node`.
// Libraries are skipped because packages routinely ship several architectures
// of one and load the right one at run time (Node prebuilds/linux-x64 beside
// prebuilds/linux-arm64). Object files and core dumps are not run, so not checked.
//
// hasProgramInterpreter reads an executable's program headers: an emulated
// static executable needs no cross ld.so and libc (function-architecture.ts).
import fs from 'node:fs';
import { endianness } from 'node:os';

const ET_EXEC = 2;
const ET_DYN = 3;
const LIBRARY_NAME = /(\.so(\.[0-9]+)*|\.node)$/;
/** How many leading bytes of a file hold everything read here (and the mode check's "#!"). */
export const HEAD_BYTES = 64;

/** Where Debian's libc6-<arch>-cross puts an architecture's ld.so and libc: the root qemu-user looks them up under (QEMU_LD_PREFIX). */
export interface CrossSysroot {
  /** e.g. /usr/aarch64-linux-gnu */
  root: string;
  /** The dynamic loader its executables name, inside `root`, e.g. lib/ld-linux-aarch64.so.1. */
  loader: string;
  /** The Debian package that installs it, e.g. libc6-arm64-cross. */
  debianPackage: string;
}

export interface Machine {
  /** e_machine */
  machine: number;
  /** EI_CLASS: 1 for 32-bit, 2 for 64-bit. */
  elfClass: 1 | 2;
  littleEndian: boolean;
  /** How people and `uname -m` call it, e.g. "x86_64", "aarch64". */
  name: string;
  /** Node's process.arch name, e.g. "x64". */
  nodeArch: string;
  /** Other names `uname -m` gives the same machine (armv7l, i686). */
  unameAliases?: string[];
  /** Lambda's Architectures name, for the two Lambda has. */
  lambdaName?: 'x86_64' | 'arm64';
  /** For the architectures nanolambda can emulate (qemu-user): where its cross libraries are. */
  sysroot?: CrossSysroot;
}

const hostLittleEndian = endianness() === 'LE';

/** By Node's process.arch. */
const MACHINES: Readonly<Record<string, Machine>> = {
  x64: {
    machine: 62,
    elfClass: 2,
    littleEndian: true,
    name: 'x86_64',
    nodeArch: 'x64',
    lambdaName: 'x86_64',
    sysroot: { root: '/usr/x86_64-linux-gnu', loader: 'lib/ld-linux-x86-64.so.2', debianPackage: 'libc6-amd64-cross' },
  },
  arm64: {
    machine: 183,
    elfClass: 2,
    littleEndian: true,
    name: 'aarch64',
    nodeArch: 'arm64',
    lambdaName: 'arm64',
    sysroot: { root: '/usr/aarch64-linux-gnu', loader: 'lib/ld-linux-aarch64.so.1', debianPackage: 'libc6-arm64-cross' },
  },
  arm: { machine: 40, elfClass: 1, littleEndian: true, name: 'arm', nodeArch: 'arm', unameAliases: ['armv7l', 'armv6l', 'armv8l'] },
  ia32: { machine: 3, elfClass: 1, littleEndian: true, name: 'i386', nodeArch: 'ia32', unameAliases: ['i686', 'i586'] },
  riscv64: { machine: 243, elfClass: 2, littleEndian: true, name: 'riscv64', nodeArch: 'riscv64' },
  loong64: { machine: 258, elfClass: 2, littleEndian: true, name: 'loongarch64', nodeArch: 'loong64' },
  s390x: { machine: 22, elfClass: 2, littleEndian: false, name: 's390x', nodeArch: 's390x' },
  ppc64: { machine: 21, elfClass: 2, littleEndian: hostLittleEndian, name: hostLittleEndian ? 'ppc64le' : 'ppc64', nodeArch: 'ppc64' },
  mips: { machine: 8, elfClass: 1, littleEndian: false, name: 'mips', nodeArch: 'mips' },
  mipsel: { machine: 8, elfClass: 1, littleEndian: true, name: 'mipsel', nodeArch: 'mipsel' },
};

/** Every name of every machine (Node's, Lambda's, uname's) -> Node's. */
const NODE_ARCH_BY_NAME: ReadonlyMap<string, string> = new Map(
  Object.values(MACHINES).flatMap((m) =>
    [m.nodeArch, m.name, ...(m.lambdaName ? [m.lambdaName] : []), ...(m.unameAliases ?? [])].map((name) => [name, m.nodeArch] as const),
  ),
);

/** Lambda's Architectures values, in the order the Lambda API lists them. */
export const LAMBDA_ARCHITECTURES: readonly ('x86_64' | 'arm64')[] = ['x86_64', 'arm64'];

/** The machine for a Node, Lambda or uname architecture name; undefined when we do not know it. */
export function machineForArch(arch: string): Machine | undefined {
  const nodeArch = NODE_ARCH_BY_NAME.get(arch);
  return nodeArch === undefined ? undefined : MACHINES[nodeArch];
}

/** Node's name (process.arch) for a Lambda, uname or Node architecture name (x86_64 -> x64, aarch64 -> arm64); an unknown name as is. */
export function nodeArchOf(arch: string): string {
  return NODE_ARCH_BY_NAME.get(arch) ?? arch;
}

/** Lambda's name for an architecture name where it has one (x64 -> x86_64), else the name itself. */
export function lambdaNameOf(arch: string): string {
  return machineForArch(arch)?.lambdaName ?? arch;
}

/** Every name `arch`'s machine answers to (Node's, uname's, Lambda's), without repeats. */
export function architectureNames(arch: string): string[] {
  const m = machineForArch(arch);
  return m === undefined ? [arch] : [...new Set([m.nodeArch, m.name, ...(m.lambdaName ? [m.lambdaName] : [])])];
}

/**
 * This machine's architecture as a function names it: Lambda's name (x86_64,
 * arm64), or Node's for a machine Lambda has no name for (arm, riscv64, …).
 * The default architecture of every function.
 */
export function hostArchitecture(): string {
  return lambdaNameOf(process.arch);
}

export interface ElfHeader {
  elfClass: number;
  littleEndian: boolean;
  type: number;
  machine: number;
}

export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** The identifying fields of an ELF header, or undefined if `head` is not one. */
export function readElfHeader(head: Buffer): ElfHeader | undefined {
  if (!isElf(head) || head.length < 20) return undefined;
  const data = head[5];
  if (data !== 1 && data !== 2) return undefined;
  const littleEndian = data === 1;
  return {
    elfClass: head[4]!,
    littleEndian,
    type: littleEndian ? head.readUInt16LE(16) : head.readUInt16BE(16),
    machine: littleEndian ? head.readUInt16LE(18) : head.readUInt16BE(18),
  };
}

/**
 * The first HEAD_BYTES bytes of `file` (fewer when it is shorter). Throws the
 * open or read error: callers decide whether an unreadable file is a problem.
 * O_NOFOLLOW when `noFollow` (a package's files, which must not lead out of it).
 */
export function readElfHead(file: string, noFollow = false): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (noFollow ? fs.constants.O_NOFOLLOW : 0));
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    return head.subarray(0, fs.readSync(fd, head, 0, HEAD_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
}

const PT_INTERP = 3;
/** Elf64_Phdr's size: a smaller e_phentsize is a malformed file. */
const ELF64_PHDR_BYTES = 56;
/** Program header tables larger than this are not read (real ones are a few hundred bytes). */
const MAX_PHDR_TABLE_BYTES = 64 * 1024;

/**
 * Whether the ELF executable `file` names a program interpreter (a
 * PT_INTERP program header: the ld.so a dynamic executable is loaded by),
 * and so needs its architecture's ld.so and libc; false for a static
 * executable, which needs neither. Only 64-bit little-endian ELF (x86_64,
 * aarch64: the architectures emulated here) is read; for anything else, and
 * for a file that cannot be read or is malformed, the answer is true:
 * "assume dynamic" only ever asks for a sysroot that was not needed, while
 * a wrong "static" would let the function fail at its first invoke.
 * Never blocks on a FIFO (O_NONBLOCK) and reads nothing but a regular file.
 */
export function hasProgramInterpreter(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return true;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return true;
    const head = Buffer.alloc(HEAD_BYTES);
    if (fs.readSync(fd, head, 0, HEAD_BYTES, 0) < HEAD_BYTES) return true;
    const elf = readElfHeader(head);
    if (elf === undefined || elf.elfClass !== 2 || !elf.littleEndian || (elf.type !== ET_EXEC && elf.type !== ET_DYN)) return true;
    const offset = head.readBigUInt64LE(32); // e_phoff
    const entrySize = head.readUInt16LE(54); // e_phentsize
    // e_phnum; 0xffff (PN_XNUM) puts the real count elsewhere, and is refused below as too large: "dynamic".
    const count = head.readUInt16LE(56);
    const tableBytes = entrySize * count;
    if (count === 0 || entrySize < ELF64_PHDR_BYTES || tableBytes > MAX_PHDR_TABLE_BYTES || offset > BigInt(Number.MAX_SAFE_INTEGER)) return true;
    const table = Buffer.alloc(tableBytes);
    if (fs.readSync(fd, table, 0, tableBytes, Number(offset)) < tableBytes) return true;
    for (let i = 0; i < count; i++) {
      if (table.readUInt32LE(i * entrySize) === PT_INTERP) return true; // p_type
    }
    return false;
  } catch {
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** The machine an ELF header is for, when it is one we know. */
export function knownMachineOf(elf: ElfHeader): Machine | undefined {
  return Object.values(MACHINES).find((m) => m.machine === elf.machine && m.elfClass === elf.elfClass && m.littleEndian === elf.littleEndian);
}

/**
 * Why a file named `path` whose first bytes are `head` cannot run as a
 * function of `arch` (Lambda's or Node's name), as the end of a sentence
 * naming the file; or undefined when it can, or is no executable. An
 * architecture we do not know (an exotic host's own) checks nothing rather
 * than refuse falsely.
 */
export function elfMismatch(path: string, head: Buffer, arch: string): string | undefined {
  const expected = machineForArch(arch);
  const elf = readElfHeader(head);
  if (!expected || !elf || (elf.type !== ET_EXEC && elf.type !== ET_DYN)) return undefined;
  if (elf.type === ET_DYN && LIBRARY_NAME.test(path)) return undefined;
  if (elf.machine === expected.machine && elf.elfClass === expected.elfClass && elf.littleEndian === expected.littleEndian) return undefined;
  const known = knownMachineOf(elf);
  // The function may simply be declared wrong: say how to declare what the file is.
  const declare = known?.lambdaName === undefined ? '' : `, or set the function's Architectures to ["${known.lambdaName}"]`;
  return `is an ELF executable for ${describeElf(elf)}, but the function's architecture is ${arch}: build it for ${expected.name}${declare}`;
}

/** An ELF header's machine in words: "aarch64 (arm64)", or its number and shape when we do not know it. */
export function describeElf(elf: ElfHeader): string {
  const known = knownMachineOf(elf);
  if (known) return known.name === known.nodeArch ? known.name : `${known.name} (${known.nodeArch})`;
  const sameMachine = Object.values(MACHINES).find((m) => m.machine === elf.machine);
  const shape = `${elf.elfClass === 1 ? '32' : elf.elfClass === 2 ? '64' : 'unknown'}-bit ${elf.littleEndian ? 'little' : 'big'}-endian`;
  return sameMachine ? `${sameMachine.name}, ${shape}` : `ELF machine ${elf.machine} (${shape})`;
}
