// Lambda request ids, made cheaply: a random UUID-shaped prefix per runtime and
// a counter for the last 12 hex digits. The hot path only takes a number;
// the id is formatted when something reads it (a log flush, a Tail, the
// x-amzn-RequestId header), never per invocation.
import { randomBytes } from 'node:crypto';

/** The counter fills the last 12 hex digits of the id: 2^48 ids per runtime. */
const COUNTER_LIMIT = 2 ** 48;
const HEX = '0123456789abcdef';

export class RequestIds {
  /** `xxxxxxxx-xxxx-4xxx-Vxxx-`: 70 random bits, UUID version 4 and variant bits set. */
  readonly prefix: string;
  /** The prefix as bytes, for the log formatter. */
  readonly prefixBytes: Buffer;
  private last = 0;

  constructor() {
    const random = randomBytes(10).toString('hex'); // 20 hex digits
    const variant = HEX[8 + (parseInt(random[15]!, 16) & 3)]!;
    this.prefix = `${random.slice(0, 8)}-${random.slice(8, 12)}-4${random.slice(12, 15)}-${variant}${random.slice(16, 19)}-`;
    this.prefixBytes = Buffer.from(this.prefix, 'latin1');
  }

  /** A new sequence number (never 0). */
  next(): number {
    this.last = this.last + 1 >= COUNTER_LIMIT ? 1 : this.last + 1;
    return this.last;
  }

  /** The sequence number of an invocation's id, given now if it has none. */
  seqOf(invocation: { requestSeq?: number }): number {
    let seq = invocation.requestSeq;
    if (seq === undefined) invocation.requestSeq = seq = this.next();
    return seq;
  }

  format(seq: number): string {
    let digits = '';
    let hi = Math.floor(seq / 0x1000000);
    let lo = seq % 0x1000000;
    for (let i = 0; i < 6; i++) {
      digits = HEX[lo & 15]! + digits;
      lo >>>= 4;
    }
    for (let i = 0; i < 6; i++) {
      digits = HEX[hi & 15]! + digits;
      hi >>>= 4;
    }
    return this.prefix + digits;
  }
}
