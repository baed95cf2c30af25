// A C executable must be built for the architecture of the function it runs
// as: we read the ELF header (EI_CLASS, EI_DATA, e_type, e_machine) of every
// file that starts with one and refuse, at deploy time, an executable for
// another machine, instead of letting the first invoke fail with "Exec format
// error" (or run under an emulator the function did not ask for).
//
// Checked: ELF executables, i.e. e_type ET_EXEC, or ET_DYN (a PIE executable
// or a shared library) unless the name says library: `*.so`, `*.so.N…` and
// Node addons `*.node`. Libraries are skipped because packages routinely ship
// several architectures of one and load the right one at run time (Node
// prebuilds/linux-x64 beside prebuilds/linux-arm64). Object files and core
// dumps are not run, so not checked.
//
// Architectures are named as Lambda names them (x86_64, arm64); Node's names
// (x64, arm, riscv64, …) are accepted too, for machines Lambda has no name for.
import { endianness } from 'node:os';
import { isElf } from './file-mode';

const ET_EXEC = 2;
const ET_DYN = 3;
const LIBRARY_NAME = /(\.so(\.[0-9]+)*|\.node)$/;

export interface Machine {
  /** e_machine */
  machine: number;
  /** EI_CLASS: 1 for 32-bit, 2 for 64-bit. */
  elfClass: 1 | 2;
  littleEndian: boolean;
  /** How people and `uname -m` call it, e.g. "x86_64". */
  name: string;
  /** Node's process.arch name, e.g. "x64". */
  nodeArch: string;
}

const hostLittleEndian = endianness() === 'LE';

/** By Node's process.arch. Lambda's two architecture names (x86_64, arm64) are accepted too. */
const MACHINES: Record<string, Machine> = {
  x64: { machine: 62, elfClass: 2, littleEndian: true, name: 'x86_64', nodeArch: 'x64' },
  arm64: { machine: 183, elfClass: 2, littleEndian: true, name: 'aarch64', nodeArch: 'arm64' },
  arm: { machine: 40, elfClass: 1, littleEndian: true, name: 'arm', nodeArch: 'arm' },
  ia32: { machine: 3, elfClass: 1, littleEndian: true, name: 'i386', nodeArch: 'ia32' },
  riscv64: { machine: 243, elfClass: 2, littleEndian: true, name: 'riscv64', nodeArch: 'riscv64' },
  loong64: { machine: 258, elfClass: 2, littleEndian: true, name: 'loongarch64', nodeArch: 'loong64' },
  s390x: { machine: 22, elfClass: 2, littleEndian: false, name: 's390x', nodeArch: 's390x' },
  ppc64: { machine: 21, elfClass: 2, littleEndian: hostLittleEndian, name: hostLittleEndian ? 'ppc64le' : 'ppc64', nodeArch: 'ppc64' },
  mips: { machine: 8, elfClass: 1, littleEndian: false, name: 'mips', nodeArch: 'mips' },
  mipsel: { machine: 8, elfClass: 1, littleEndian: true, name: 'mipsel', nodeArch: 'mipsel' },
};
const LAMBDA_ARCHITECTURES: Record<string, string> = { x86_64: 'x64' };
/** The machines Lambda has a name for (its Architectures values), by Node's name. */
const LAMBDA_NAMES: Record<string, string> = { x64: 'x86_64', arm64: 'arm64' };

/** The machine for a Node or Lambda architecture name; undefined when we do not know it. */
export function machineForArch(arch: string): Machine | undefined {
  return MACHINES[LAMBDA_ARCHITECTURES[arch] ?? arch];
}

/** Node's name (process.arch) for a Lambda or Node architecture name: x86_64 -> x64. */
export function nodeArchOf(arch: string): string {
  return LAMBDA_ARCHITECTURES[arch] ?? arch;
}

/**
 * This machine's architecture as a function names it: Lambda's name (x86_64,
 * arm64), or Node's for a machine Lambda has no name for (arm, riscv64, …).
 * The default architecture of every function.
 */
export function hostArchitecture(): string {
  return lambdaNameOf(process.arch);
}

/** Lambda's name for a Node architecture name where it has one (x64 -> x86_64), else the name itself. */
function lambdaNameOf(nodeArch: string): string {
  return LAMBDA_NAMES[nodeArch] ?? nodeArch;
}

export interface ElfHeader {
  elfClass: number;
  littleEndian: boolean;
  type: number;
  machine: number;
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
 * Why a file whose first bytes are `head` cannot run as a function of `arch`
 * (Lambda's or Node's name), as the end of a sentence naming the file; or
 * undefined when it can, or is no executable. An architecture we do not know
 * (an exotic host's own) checks nothing rather than refuse falsely.
 */
export function elfMismatch(path: string, head: Buffer, arch: string): string | undefined {
  const expected = machineForArch(arch);
  const elf = readElfHeader(head);
  if (!expected || !elf || (elf.type !== ET_EXEC && elf.type !== ET_DYN)) return undefined;
  if (elf.type === ET_DYN && LIBRARY_NAME.test(path)) return undefined;
  if (elf.machine === expected.machine && elf.elfClass === expected.elfClass && elf.littleEndian === expected.littleEndian) return undefined;
  const known = knownMachineOf(elf);
  // The function may simply be declared wrong: say how to declare what the file is.
  const declare = known === undefined || !(known.nodeArch in LAMBDA_NAMES) ? '' : `, or set the function's Architectures to ["${lambdaNameOf(known.nodeArch)}"]`;
  return `is an ELF executable for ${describeElf(elf)}, but the function's architecture is ${arch}: build it for ${expected.name}${declare}`;
}

function describeMachine(m: Machine): string {
  return m.name === m.nodeArch ? m.name : `${m.name} (${m.nodeArch})`;
}

function knownMachineOf(elf: ElfHeader): Machine | undefined {
  return Object.values(MACHINES).find((m) => m.machine === elf.machine && m.elfClass === elf.elfClass && m.littleEndian === elf.littleEndian);
}

function describeElf(elf: ElfHeader): string {
  const known = knownMachineOf(elf);
  if (known) return describeMachine(known);
  const sameMachine = Object.values(MACHINES).find((m) => m.machine === elf.machine);
  const shape = `${elf.elfClass === 1 ? '32' : elf.elfClass === 2 ? '64' : 'unknown'}-bit ${elf.littleEndian ? 'little' : 'big'}-endian`;
  return sameMachine ? `${sameMachine.name}, ${shape}` : `ELF machine ${elf.machine} (${shape})`;
}
