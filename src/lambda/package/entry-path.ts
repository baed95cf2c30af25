// An entry name turned into a path inside the package, or refused. Decisions:
// - a backslash is a separator: some Windows tools (.NET's ZipFile before
//   4.6.1, early Compress-Archive) write `dir\file.js`, meaning a directory;
//   it also means `..\evil` is refused like `../evil`. The cost: a Linux file
//   name containing a backslash cannot be shipped;
// - absolute names (`/etc/x`, `C:x`) and any `..` segment are refused, not
//   stripped: a zip that asks for them was not made by zipping a directory;
// - `.` and empty segments (`./a`, `a//b`) are dropped, as unzip does;
// - NUL is refused (it cannot be in a Linux file name); segments and the whole
//   path are held to NAME_MAX and PATH_MAX so open(2) never fails half-way.
import { refusedEntry } from './package-error';
import { MAX_PATH_BYTES, MAX_SEGMENT_BYTES } from './package-limits';

export interface EntryPath {
  /** Segments joined with '/', no leading or trailing '/'; '' is the package root. */
  path: string;
  /** The name ended with a separator, which is how zips mark directories. */
  endsWithSeparator: boolean;
}

const DRIVE_LETTER = /^[A-Za-z]:/;

export function entryPath(name: string): EntryPath {
  if (name.length === 0) throw refusedEntry(name, 'has an empty name: re-create the zip with a standard tool');
  if (name.includes('\0')) throw refusedEntry(name, 'has a NUL character in its name: rename the file');
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/')) {
    throw refusedEntry(name, 'is an absolute path: zip the files from inside the package directory (cd into it, then `zip -r`)');
  }
  if (DRIVE_LETTER.test(slashed)) {
    throw refusedEntry(name, 'starts with a drive letter: zip the files from inside the package directory');
  }
  const segments: string[] = [];
  for (const segment of slashed.split('/')) {
    if (segment === '..') {
      throw refusedEntry(name, "has a '..' segment, which would write outside the package directory: zip the files from inside the package directory");
    }
    if (segment === '' || segment === '.') continue;
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw refusedEntry(name, `has a path segment longer than ${MAX_SEGMENT_BYTES} bytes (Linux's limit for a file name): shorten it`);
    }
    segments.push(segment);
  }
  const path = segments.join('/');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw refusedEntry(name, `is longer than ${MAX_PATH_BYTES} bytes (Linux's limit for a path): shorten it`);
  }
  return { path, endsWithSeparator: slashed.endsWith('/') };
}
