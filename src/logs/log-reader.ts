// Reading a function's log file from outside the runtime, for `nanolambda
// logs`: its last lines (across rotated files) and following what is
// appended, across rotation, as `tail -F` does.
import fs from 'node:fs';
import { rotatedPath } from './log-file';

/** How often following looks for new lines and for a rotation. */
const FOLLOW_POLL_MS = 100;
const READ_CHUNK = 64 * 1024;

export interface OpenLog {
  fd: number;
  ino: number;
  /** Its size when opened: where following starts. */
  size: number;
}

export function openLog(file: string): OpenLog | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  const stat = fs.fstatSync(fd);
  return { fd, ino: stat.ino, size: stat.size };
}

/** The last `count` lines of the open log (up to its size then) and its rotated files. */
export function lastLines(current: OpenLog, file: string, rotatedFiles: number, count: number): Buffer {
  const parts: Buffer[] = [];
  let newlines = 0;
  for (let n = 0; n <= rotatedFiles && newlines <= count; n++) {
    const tail = n === 0 ? tailOf(current.fd, current.size, count + 1) : tailOfFile(rotatedPath(file, n), count + 1 - newlines);
    if (tail === undefined) break;
    parts.unshift(tail.bytes);
    newlines += tail.newlines;
  }
  const all = Buffer.concat(parts);
  // Keep what follows the (count+1)-th newline from the end.
  let at = all.length;
  let seen = 0;
  if (at > 0 && all[at - 1] === 0x0a) at--; // the last line's own newline
  while (at > 0) {
    if (all[at - 1] === 0x0a && ++seen === count) break;
    at--;
  }
  return all.subarray(at);
}

/** The end of a file holding at least `newlines` newlines (or all of it); undefined when it does not exist. */
function tailOfFile(file: string, newlines: number): { bytes: Buffer; newlines: number } | undefined {
  const log = openLog(file);
  if (log === undefined) return undefined;
  try {
    return tailOf(log.fd, log.size, newlines);
  } finally {
    fs.closeSync(log.fd);
  }
}

/** The bytes before `size` of an open file, back to its `newlines`-th newline from there (or all). */
function tailOf(fd: number, size: number, newlines: number): { bytes: Buffer; newlines: number } {
  const chunks: Buffer[] = [];
  let seen = 0;
  let end = size;
  while (end > 0 && seen < newlines) {
    const start = Math.max(0, end - READ_CHUNK);
    const chunk = Buffer.allocUnsafe(end - start);
    const read = fs.readSync(fd, chunk, 0, chunk.length, start);
    const got = chunk.subarray(0, read);
    for (let i = 0; i < got.length; i++) if (got[i] === 0x0a) seen++;
    chunks.unshift(got);
    end = start;
  }
  return { bytes: Buffer.concat(chunks), newlines: seen };
}

/**
 * Print what is appended to `file` until SIGINT/SIGTERM. After a rotation
 * (the path names another file) the rest of the old file is printed, then
 * any files rotated since, then the new one; a truncated file is read again
 * from its start.
 */
export function followFile(file: string, rotatedFiles: number, out: Output, opened: OpenLog | undefined): Promise<number> {
  let fd = opened?.fd ?? -1;
  let ino = opened?.ino ?? -1;
  let position = opened?.size ?? 0;

  const drain = (): void => {
    if (fd < 0) return;
    const size = fs.fstatSync(fd).size;
    if (size < position) position = 0; // truncated: start over
    while (position < size) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - position));
      const read = fs.readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) break;
      out.write(chunk.subarray(0, read));
      position += read;
    }
  };
  const poll = (): void => {
    drain();
    let currentIno: number;
    try {
      currentIno = fs.statSync(file).ino;
    } catch {
      return; // between a rotation's rename and the new file: next time
    }
    if (fd >= 0 && currentIno === ino) return;
    // Rotated (or created). The rest of the old file first (it got its last
    // lines before it was renamed), then the files rotated after it (several
    // rotations between two polls), then the new file from its start.
    if (fd >= 0) {
      drain();
      fs.closeSync(fd);
    }
    const since = rotatedSince(file, rotatedFiles, ino);
    for (const log of since.newer) {
      out.write(tailOf(log.fd, log.size, Infinity).bytes);
      fs.closeSync(log.fd);
    }
    fd = since.current?.fd ?? -1;
    ino = since.current?.ino ?? -1;
    position = 0;
    drain();
  };

  return new Promise((resolve) => {
    const timer = setInterval(poll, FOLLOW_POLL_MS);
    const finish = (code: number) => {
      clearInterval(timer);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (fd >= 0) fs.closeSync(fd);
      resolve(code);
    };
    const onSignal = () => finish(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Piped into a reader that went away (`| head`): stop quietly.
    out.onClosed = () => finish(0);
  });
}

/**
 * The log and the rotated files newer than the one with inode `oldIno`
 * (oldest first), all opened at one moment: names are checked again after
 * opening, and the look is repeated if a rotation moved them meanwhile.
 * When the old file is not among them (rotated away), none are "newer".
 */
function rotatedSince(file: string, rotatedFiles: number, oldIno: number): { current: OpenLog | undefined; newer: OpenLog[] } {
  const inoOf = (p: string): number | undefined => {
    try {
      return fs.statSync(p).ino;
    } catch {
      return undefined;
    }
  };
  for (let attempt = 0; ; attempt++) {
    const current = openLog(file);
    const rotated: OpenLog[] = [];
    let foundOld = false;
    for (let n = 1; n <= rotatedFiles; n++) {
      if (inoOf(rotatedPath(file, n)) === oldIno) {
        foundOld = true;
        break;
      }
      const log = openLog(rotatedPath(file, n));
      if (log === undefined) break;
      rotated.push(log);
    }
    const stable =
      inoOf(file) === current?.ino && rotated.every((log, i) => inoOf(rotatedPath(file, i + 1)) === log.ino);
    if (stable || attempt >= 5) {
      const newer = foundOld ? rotated.reverse() : [];
      if (!foundOld) for (const log of rotated) fs.closeSync(log.fd);
      return { current, newer };
    }
    if (current !== undefined) fs.closeSync(current.fd);
    for (const log of rotated) fs.closeSync(log.fd);
  }
}

/** stdout that tells when its reader is gone. */
export class Output {
  onClosed: (() => void) | undefined;
  private closed = false;

  constructor() {
    process.stdout.on('error', () => {
      this.closed = true;
      this.onClosed?.();
    });
  }

  write(bytes: Buffer): void {
    if (!this.closed && bytes.length > 0) process.stdout.write(bytes);
  }
}
