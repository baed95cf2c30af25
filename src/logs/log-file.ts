// One function's log file, owned by the host, with size-based rotation:
// when a write would take f.log past maxBytes, f.log.(files-1) → f.log.files,
// …, f.log → f.log.1 and a new f.log is opened. Nothing else holds the file
// (workers write through pipes), so a rename is all rotation takes and no
// line is lost or torn: batches are split at line ends, never inside a line.
//
// Writes are synchronous, one per batch (a batch is one event-loop turn's
// lines, or FORCE_FLUSH_BYTES): the page cache absorbs them, memory stays
// bounded and the file gets the batches in order. (Writing on the thread
// pool instead was tried: with several writers on one file, and a benchmark
// loop that never lets their callbacks run, it cost more than it saved.)
import fs from 'node:fs';
import path from 'node:path';

export interface LogRotation {
  /** A file is rotated before it would grow past this (a single longer line still goes in whole). */
  maxBytes: number;
  /** Rotated files kept: f.log.1 (newest) … f.log.<files> (oldest). */
  files: number;
}

const NEWLINE = 0x0a;

/** Path of the n-th rotated file (1 = the newest). */
export function rotatedPath(file: string, n: number): string {
  return `${file}.${n}`;
}

export class RotatingLogFile {
  private fd = -1;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly rotation: LogRotation,
  ) {}

  /** Create the directory and open (append) the file; throws what the file system says. */
  open(): void {
    if (this.fd >= 0) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.fd = fs.openSync(this.file, 'a', 0o640);
    this.size = fs.fstatSync(this.fd).size;
  }

  /**
   * Append `data[0, length)`, which holds whole lines, rotating where it
   * would overflow. Throws on a failed write (what was written stays
   * written) and, after writing on past maxBytes, on a failed rotation.
   */
  write(data: Buffer, length: number): void {
    this.open();
    const { maxBytes } = this.rotation;
    let rotationFailed: Error | undefined;
    let start = 0;
    while (start < length) {
      const room = maxBytes - this.size;
      if (rotationFailed !== undefined || length - start <= room) {
        this.writeAll(data, start, length - start);
        break;
      }
      // The whole lines that still fit; a line longer than a whole file goes
      // into a file of its own.
      let cut = room > 0 ? data.lastIndexOf(NEWLINE, start + room - 1) + 1 : 0;
      if (cut <= start && this.size === 0) {
        const end = data.indexOf(NEWLINE, start);
        cut = end < 0 || end >= length ? length : end + 1;
      }
      if (cut > start) {
        this.writeAll(data, start, cut - start);
        start = cut;
      }
      if (start < length) rotationFailed = this.rotate();
    }
    if (rotationFailed !== undefined) throw rotationFailed;
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    fs.closeSync(fd);
  }

  private writeAll(data: Buffer, offset: number, length: number): void {
    let done = 0;
    while (done < length) done += fs.writeSync(this.fd, data, offset + done, length - done);
    this.size += length;
  }

  /** f.log → f.log.1 → …, and a new f.log; the error if the renames failed (f.log is open again). */
  private rotate(): Error | undefined {
    this.close();
    let failed: Error | undefined;
    try {
      for (let n = this.rotation.files - 1; n >= 1; n--) renameIfThere(rotatedPath(this.file, n), rotatedPath(this.file, n + 1));
      renameIfThere(this.file, rotatedPath(this.file, 1));
    } catch (err) {
      failed = new Error(`cannot rotate: ${(err as Error).message}`);
    }
    this.open();
    return failed;
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
