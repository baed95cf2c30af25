// The binary request and response of the C bench invoker
// (csdk/examples/bench_invoker.c, whose header comment is the reference):
// one "round" of up to `count` gg_invoke calls of a target, and the
// per-call latencies and end times it measured with CLOCK_MONOTONIC.
// A round's schedule and budget are relative to the instant the invoker
// receives it, so the time a round spends being dispatched is neither
// charged to the target nor taken out of the round's budget.
import type { InvokeOutcome } from './outcome';

export const REQUEST_HEADER_BYTES = 44;
const RESPONSE_HEADER_BYTES = 16;
const RECORD_BYTES = 17;
/** What the invoker accepts in one round (its BI_MAX_CALLS). */
export const MAX_CALLS_PER_ROUND = 100_000;
/** Its BI_MAX_NAME and BI_MAX_QUALIFIER. */
export const MAX_NAME_BYTES = 1024;
export const MAX_QUALIFIER_BYTES = 128;
/** Its BI_MAX_SPAN_NS: the longest offset, interval, budget and schedule it takes (8 days). */
export const MAX_SPAN_NS = 8n * 86_400n * 1_000_000_000n;

export interface RoundRequest {
  count: number;
  /** 0: back to back; else call i is due at receipt + firstDueNs + i * intervalNs and timed from then. */
  intervalNs: bigint;
  /** Signed: negative when call 0 is already that late. 0 when intervalNs is 0. */
  firstDueNs: bigint;
  /** 0: none; else no call after the first starts once this long has passed since receipt. */
  budgetNs: bigint;
  name: string;
  qualifier: string | undefined;
  payload: Buffer;
}

export interface TimedCall {
  latencyNs: bigint;
  /** CLOCK_MONOTONIC, the clock of process.hrtime.bigint() on Linux. */
  endNs: bigint;
  outcome: InvokeOutcome;
}

/** Bytes of the request besides the target's payload. */
export function requestOverhead(name: string, qualifier: string | undefined): number {
  return REQUEST_HEADER_BYTES + Buffer.byteLength(name) + Buffer.byteLength(qualifier ?? '');
}

export function encodeRoundRequest(r: RoundRequest): Buffer {
  const name = Buffer.from(r.name, 'utf8');
  const qualifier = Buffer.from(r.qualifier ?? '', 'utf8');
  const header = Buffer.alloc(REQUEST_HEADER_BYTES);
  header.write('NLB2', 0, 'latin1');
  header.writeUInt32LE(r.count, 4);
  header.writeBigUInt64LE(r.intervalNs, 8);
  header.writeBigInt64LE(r.firstDueNs, 16);
  header.writeBigUInt64LE(r.budgetNs, 24);
  header.writeUInt32LE(name.length, 32);
  header.writeUInt32LE(qualifier.length, 36);
  header.writeUInt32LE(r.payload.length, 40);
  return Buffer.concat([header, name, qualifier, r.payload]);
}

/** The calls of a round; throws an Error saying what is malformed (an invoker of another version). */
export function decodeRoundResponse(bytes: Buffer): TimedCall[] {
  if (bytes.length < RESPONSE_HEADER_BYTES || bytes.toString('latin1', 0, 4) !== 'NLR1') {
    throw new Error(`the bench invoker answered ${bytes.length} bytes without the NLR1 header`);
  }
  const made = bytes.readUInt32LE(4);
  const errorLength = bytes.readUInt32LE(8);
  const failureLength = bytes.readUInt32LE(12);
  const recordsAt = RESPONSE_HEADER_BYTES + errorLength + failureLength;
  if (recordsAt + made * RECORD_BYTES !== bytes.length) {
    throw new Error(`the bench invoker's answer is ${bytes.length} bytes, not the ${recordsAt + made * RECORD_BYTES} its header announces`);
  }
  const functionError = bytes.toString('utf8', RESPONSE_HEADER_BYTES, RESPONSE_HEADER_BYTES + errorLength);
  const failure = bytes.toString('utf8', RESPONSE_HEADER_BYTES + errorLength, recordsAt);
  const calls: TimedCall[] = [];
  for (let i = 0, at = recordsAt; i < made; i++, at += RECORD_BYTES) {
    const kind = bytes[at + 16];
    calls.push({
      latencyNs: bytes.readBigUInt64LE(at),
      endNs: bytes.readBigUInt64LE(at + 8),
      outcome:
        kind === 0
          ? { kind: 'ok' }
          : kind === 1
            ? { kind: 'function-error', message: functionError }
            : { kind: 'failed', message: `gg_invoke: ${failure}` },
    });
  }
  return calls;
}
