// What a zip would create, decided from its central directory alone, before
// anything is written: the directories, the files with their sizes, and the
// total, so a package over the unzipped limit is refused without inflating a
// byte. Links, devices, FIFOs and sockets are refused outright: a deployment
// package holds files and directories, and a link (even a relative one that
// stays inside) is a way to make a later write or read land outside.
import { corruptZip, PackageError, quoteEntry, refusedEntry } from './package-error';
import { entryPath } from './entry-path';
import type { ZipEntry } from './zip-directory';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const FILE_TYPE_REFUSALS: Record<number, string> = {
  0o120000: 'is a symbolic link; nanolambda does not unpack links (they can point outside the package): ' +
    'zip without -y/--symlinks so the file itself is stored',
  0o010000: 'is a FIFO (named pipe); a deployment package holds only files and directories',
  0o020000: 'is a character device; a deployment package holds only files and directories',
  0o060000: 'is a block device; a deployment package holds only files and directories',
  0o140000: 'is a socket; a deployment package holds only files and directories',
};
/** MS-DOS directory attribute, in the low byte of the external attributes. */
const DOS_DIRECTORY = 0x10;
/** "Version made by" hosts whose external attributes carry a Unix st_mode in the high 16 bits. */
const UNIX_HOSTS = new Set([3 /* Unix */, 19 /* OS X */]);

export interface PlannedFile {
  entry: ZipEntry;
  /** Relative path inside the package, '/'-separated. */
  path: string;
  /** The zip's Unix mode bits say executable (a Windows-made zip never does). */
  markedExecutable: boolean;
}

export interface PackageManifest {
  /** Every directory to create, explicit or implied, parents before children. */
  directories: string[];
  files: PlannedFile[];
  unzippedSize: number;
}

export function planPackage(entries: ZipEntry[], maxUnzippedBytes: number): PackageManifest {
  const seen = new Map<string, string>(); // path -> the entry name that claimed it
  const filePaths = new Set<string>();
  const directories = new Set<string>();
  const files: PlannedFile[] = [];
  let unzippedSize = 0;
  let largest: PlannedFile | undefined;

  for (const entry of entries) {
    const { path, endsWithSeparator } = entryPath(entry.name);
    const mode = UNIX_HOSTS.has(entry.hostSystem) ? entry.externalAttributes >>> 16 : 0;
    const type = mode & S_IFMT;
    const refusal = FILE_TYPE_REFUSALS[type];
    if (refusal) throw refusedEntry(entry.name, refusal);
    if (type !== 0 && type !== S_IFDIR && type !== S_IFREG) {
      throw refusedEntry(entry.name, `has an unknown file type (mode ${mode.toString(8)}); a deployment package holds only files and directories`);
    }
    const isDirectory =
      endsWithSeparator || type === S_IFDIR || (type === 0 && (entry.externalAttributes & DOS_DIRECTORY) !== 0);
    if (isDirectory && entry.uncompressedSize > 0) {
      throw corruptZip(`it is a directory but declares ${entry.uncompressedSize} bytes of data`, entry.name);
    }
    if (path === '') {
      if (isDirectory) continue; // "./": the package root itself
      throw refusedEntry(entry.name, 'names the package directory itself, not a file in it');
    }
    const earlier = seen.get(path);
    if (earlier !== undefined) {
      const as = earlier === entry.name ? '' : ` (as ${quoteEntry(earlier)} and ${quoteEntry(entry.name)})`;
      throw refusedEntry(entry.name, `appears twice in the zip${as}: each path may appear once`);
    }
    seen.set(path, entry.name);
    if (isDirectory) {
      directories.add(path);
    } else {
      filePaths.add(path);
      const file = { entry, path, markedExecutable: (mode & 0o111) !== 0 };
      files.push(file);
      unzippedSize += entry.uncompressedSize;
      if (!largest || entry.uncompressedSize > largest.entry.uncompressedSize) largest = file;
    }
  }

  if (unzippedSize > maxUnzippedBytes) {
    // Lambda's own wording first, so scripts matching on it keep working.
    throw new PackageError(
      `Unzipped size must be smaller than ${maxUnzippedBytes} bytes (the files in this zip add up to ${unzippedSize} bytes; ` +
        `the largest is ${quoteEntry(largest!.entry.name)}, ${largest!.entry.uncompressedSize} bytes)`,
      { entry: largest!.entry.name },
    );
  }

  // Parents: implied by every path, and never a file.
  for (const path of seen.keys()) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const parent = path.slice(0, slash);
      if (filePaths.has(parent)) {
        throw refusedEntry(seen.get(path)!, `needs ${quoteEntry(parent)} to be a directory, but the zip also has it as a file`);
      }
      directories.add(parent);
    }
  }
  // Sorting puts "a" before "a/b": parents are created first.
  return { directories: [...directories].sort(), files, unzippedSize };
}
