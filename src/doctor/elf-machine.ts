// Which CPU an ELF file (the addon, the SDK library, the launcher) was built
// for, from e_machine in its header: a file for another architecture exists
// but cannot load, which existence checks alone would miss.
import fs from 'node:fs';

/** e_machine values of the architectures nanolambda ships for, as process.arch names them. */
const MACHINES: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'arm', 0x03: 'ia32' };

/** The file's architecture as a process.arch name; a description when it is not ELF or unknown. */
export function elfArch(file: string): { arch: string } | { unknown: string } {
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(20);
      fs.readSync(fd, header, 0, 20, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    return { unknown: (error as Error).message };
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return { unknown: 'not an ELF file' };
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian; e_machine is at offset 18.
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  const arch = MACHINES[machine];
  return arch === undefined ? { unknown: `ELF machine 0x${machine.toString(16)}` } : { arch };
}
