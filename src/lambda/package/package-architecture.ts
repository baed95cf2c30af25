// The architecture check of an unpacked package against the function that
// runs it: every ELF executable in it must be for the function's
// architecture (src/system/architecture.ts says which files count). Done per
// function, not at upload: the same zip may be stored once and used by
// functions of different architectures, and the upload does not know which
// it is for.
//
// Only files with an execute bit are read: unpacking gives every ELF file
// 0755 (file-mode.ts), so the others cannot be executables.
import fs from 'node:fs';
import path from 'node:path';
import { elfMismatch, readElfHead } from '../../system/architecture';
import { refusedEntry } from './package-error';

/**
 * Refuse (PackageError, 400, naming the entry and both architectures) the
 * unpacked package `dir` when it holds an ELF executable that is not for
 * `arch` (Lambda's name, x86_64 or arm64, or Node's). Synchronous: callers
 * check inside their transaction.
 */
export function checkPackageArchitecture(dir: string, arch: string): void {
  const pending = [''];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      // Entry names as the zip gave them: '/' separated, relative to the package root.
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) pending.push(name);
      else if (entry.isFile()) checkFile(dir, name, arch);
    }
  }
}

function checkFile(dir: string, name: string, arch: string): void {
  const file = path.join(dir, name);
  if ((fs.lstatSync(file).mode & 0o111) === 0) return;
  const problem = elfMismatch(name, readElfHead(file, true), arch);
  if (problem !== undefined) throw refusedEntry(name, problem);
}
