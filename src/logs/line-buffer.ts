// A growable byte buffer that a flush formats log lines into (report-lines.ts)
// and copies output into: one buffer, one write per flush.

/** A buffer that grew past this (a burst of output) is given back at the next reset. */
const KEEP_BYTES = 1024 * 1024;

export class LineBuffer {
  buf: Buffer;
  len = 0;

  constructor(private readonly initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.len = 0;
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(this.initialBytes);
  }

  /** Make room for n more bytes. */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  /** A copy of bytes [from, len). */
  copyFrom(from: number): Buffer {
    return Buffer.from(this.buf.subarray(from, this.len));
  }
}
