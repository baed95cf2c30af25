// FunctionConfiguration.Architectures: the machine a function's executables
// are built for, named and shaped as in the Lambda API (a list of exactly
// one, "x86_64" or "arm64"); default this machine's. Checked here: the
// value, and that the executable (a C function's, a custom runtime's
// bootstrap) is an ELF file for that machine when it is ELF at all. Whether
// this machine can run a foreign architecture is the deployment's question
// (isolation/function-architecture.ts), not the file's.
import fs from 'node:fs';
import { elfMismatch, hostArchitecture } from '../lambda/package/elf-machine';
import { HEAD_BYTES } from '../lambda/package/file-mode';
import type { Fields } from './fields';

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;

/** The Architectures value at `path` (absent: this machine's). */
export function parseArchitectures(value: unknown, path: string, f: Fields): string {
  if (value === undefined) return hostArchitecture();
  const list = f.array(value, path);
  if (list.length !== 1) {
    throw f.error(path, `expected exactly one architecture, as in ["arm64"], found ${list.length}: a function is built for one machine`);
  }
  return f.oneOf(list[0], `${path}[0]`, ARCHITECTURES);
}

/** Refuse (at `path`) an ELF executable `file` built for another machine than `architecture`. */
export function checkExecutableArchitecture(file: string, architecture: string, path: string, f: Fields): void {
  const head = readHead(file);
  if (head === undefined) return; // unreadable: the launcher says why when it runs it
  const problem = elfMismatch(file, head, architecture);
  if (problem !== undefined) throw f.error(path, `${file} ${problem}`);
}

function readHead(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    return head.subarray(0, fs.readSync(fd, head, 0, HEAD_BYTES, 0));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
