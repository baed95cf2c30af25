// Lambda's per-invocation log lines, formatted straight into bytes:
//
//   START RequestId: <id> Version: <version>
//   END RequestId: <id>
//   REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 5 MB[\tInit Duration: 9.87 ms][\tStatus: timeout | \tStatus: error\tError Type: <type>]
//
// Tab-separated, durations with 2 decimals, billed = ceil to the ms (at
// least 1), as Lambda prints them (shared/spec/lambda-api.md §4; without
// Lambda's trailing tab). Each function entry gets templates with the
// constant parts already in place, so a line is one copy plus its numbers:
// a flush formats hundreds of these per turn.
import type { LineBuffer } from './line-buffer';

const TIMED_OUT = 'Sandbox.Timedout';
const ID_DIGITS = 12;
const enc = (text: string) => Buffer.from(text, 'latin1');
const BILLED = enc(' ms\tBilled Duration: ');
const MB = enc(' MB');
const INIT_DURATION = enc('\tInit Duration: ');
const MS = enc(' ms');
const STATUS_TIMEOUT = enc('\tStatus: timeout');
const STATUS_ERROR = enc('\tStatus: error\tError Type: ');
const HEX = enc('0123456789abcdef');
const DIGIT_0 = 0x30;
const NEWLINE = 0x0a;
/** The most a REPORT line takes beyond its template (numbers, Init Duration, Status). */
const REPORT_SLACK = 192;

/** Templates of one function entry's lines (the id prefix, its version, its memory size). */
export class EntryLines {
  /** `START RequestId: <prefix>000000000000 Version: <v>\n` */
  readonly start: Buffer;
  /** `END RequestId: <prefix>000000000000\nREPORT RequestId: <prefix>000000000000\tDuration: ` */
  readonly endReport: Buffer;
  /** ` ms\tMemory Size: <n> MB` */
  readonly memorySize: Buffer;
  /** ` ms\tMemory Size: <n> MB\tMax Memory Used: ` */
  readonly memorySizeMaxUsed: Buffer;
  readonly version: string;
  private readonly startHex: number;
  private readonly endHex: number;
  private readonly reportHex: number;

  constructor(idPrefix: string, version: string, memorySizeMb: number) {
    const zeros = '0'.repeat(ID_DIGITS);
    const start = `START RequestId: ${idPrefix}`;
    this.start = enc(`${start}${zeros} Version: ${version}\n`);
    this.startHex = start.length;
    const end = `END RequestId: ${idPrefix}`;
    const report = `${end}${zeros}\nREPORT RequestId: ${idPrefix}`;
    this.endReport = enc(`${report}${zeros}\tDuration: `);
    this.endHex = end.length;
    this.reportHex = report.length;
    this.memorySize = enc(` ms\tMemory Size: ${memorySizeMb} MB`);
    this.memorySizeMaxUsed = enc(` ms\tMemory Size: ${memorySizeMb} MB\tMax Memory Used: `);
    this.version = version;
  }

  /** `id`: the invocation's own request id, when it has one (else the prefix and seq make it). */
  writeStart(out: LineBuffer, seq: number, id?: string): void {
    if (id !== undefined) {
      out.bytes(enc(`START RequestId: ${id} Version: ${this.version}\n`));
      return;
    }
    const line = this.start;
    out.reserve(line.length);
    const at = out.len;
    out.buf.set(line, at);
    writeHex12(out.buf, at + this.startHex, seq);
    out.len = at + line.length;
  }

  /**
   * END and REPORT lines. `peakKb`: the worker's peak RSS, if measured;
   * `initHundredths`: Init Duration (a worker's first invocation only);
   * `errorType`: a platform failure ('Sandbox.Timedout' gives Status:
   * timeout, others Status: error and Error Type);
   * `id`: the invocation's own request id, when it has one.
   */
  writeEndReport(
    out: LineBuffer,
    seq: number,
    durationNs: number,
    peakKb: number | undefined,
    initHundredths: number | undefined,
    errorType: string | undefined,
    id?: string,
  ): void {
    const head = id === undefined ? this.endReport : enc(`END RequestId: ${id}\nREPORT RequestId: ${id}\tDuration: `);
    out.reserve(head.length + this.memorySizeMaxUsed.length + REPORT_SLACK + (errorType?.length ?? 0));
    const buf = out.buf;
    let at = out.len;
    buf.set(head, at);
    if (id === undefined) {
      writeHex12(buf, at + this.endHex, seq);
      for (let from = at + this.endHex, to = at + this.reportHex, end = from + ID_DIGITS; from < end; ) buf[to++] = buf[from++]!;
    }
    at += head.length;
    at = writeFixed2(buf, at, Math.round(durationNs / 1e4));
    buf.set(BILLED, at);
    at += BILLED.length;
    at = writeUint(buf, at, Math.max(1, Math.ceil(durationNs / 1e6)));
    if (peakKb !== undefined) {
      buf.set(this.memorySizeMaxUsed, at);
      at += this.memorySizeMaxUsed.length;
      at = writeUint(buf, at, Math.ceil(peakKb / 1024));
      buf[at] = MB[0]!;
      buf[at + 1] = MB[1]!;
      buf[at + 2] = MB[2]!;
      at += 3;
    } else {
      buf.set(this.memorySize, at);
      at += this.memorySize.length;
    }
    if (initHundredths !== undefined) {
      buf.set(INIT_DURATION, at);
      at += INIT_DURATION.length;
      at = writeFixed2(buf, at, initHundredths);
      buf.set(MS, at);
      at += MS.length;
    }
    if (errorType !== undefined) {
      if (errorType === TIMED_OUT) {
        buf.set(STATUS_TIMEOUT, at);
        at += STATUS_TIMEOUT.length;
      } else {
        buf.set(STATUS_ERROR, at);
        at += STATUS_ERROR.length;
        at += buf.write(errorType, at, 'latin1');
      }
    }
    buf[at++] = NEWLINE;
    out.len = at;
  }
}

/** The low 48 bits of value as 12 lower-case hex digits at buf[at]. */
function writeHex12(buf: Buffer, at: number, value: number): void {
  let hi = Math.floor(value / 0x1000000);
  let lo = value % 0x1000000;
  for (let i = at + 11; i >= at + 6; i--) {
    buf[i] = HEX[lo & 15]!;
    lo >>>= 4;
  }
  for (let i = at + 5; i >= at; i--) {
    buf[i] = HEX[hi & 15]!;
    hi >>>= 4;
  }
}

/** A non-negative integer in decimal at buf[at]; returns the position after it. */
function writeUint(buf: Buffer, at: number, value: number): number {
  if (value < 10) {
    buf[at] = DIGIT_0 + value;
    return at + 1;
  }
  let digits = 0;
  for (let v = value; v >= 1; v = Math.floor(v / 10)) digits++;
  const end = at + digits;
  let i = end;
  for (let v = value; v >= 1; v = Math.floor(v / 10)) buf[--i] = DIGIT_0 + (v % 10);
  return end;
}

/** hundredths / 100 with two decimals (123 → "1.23"); returns the position after it. */
function writeFixed2(buf: Buffer, at: number, hundredths: number): number {
  at = writeUint(buf, at, Math.floor(hundredths / 100));
  const cents = hundredths % 100;
  buf[at] = 0x2e; // '.'
  buf[at + 1] = DIGIT_0 + Math.floor(cents / 10);
  buf[at + 2] = DIGIT_0 + (cents % 10);
  return at + 3;
}
