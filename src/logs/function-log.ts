// What goes into one function's log file, in order: its workers' output and,
// for every invocation, Lambda's START / END / REPORT lines. Invocations are
// recorded as raw facts (an InvocationRecord); lines are formatted and written
// in batches, once per event-loop turn (or at once past FORCE_FLUSH_BYTES),
// so an invocation costs no syscall and no string.
//
// Order. Items are kept in arrival order, with one exception that puts an
// invocation's output before its END: a worker writes its output before it
// publishes the result (the C SDK flushes stdout and stderr first), but the
// host reads the output pipes later, in the event loop. So an END is held
// back for one turn of the event loop (one poll of the pipes), and output
// that arrives from that worker meanwhile goes in front of it.
// Guaranteed: each worker's lines stay in their order; START comes before
// END; output the worker wrote before its result lands between its START and
// END when the host read it before that worker started its next invocation.
// Not guaranteed: placement when the worker got its next invocation in the
// same turn (a tight loop of awaited invocations, or the pool feeding queued
// work at once): the output may then land in the earlier invocation's block,
// still in order; how two workers' lines interleave (by arrival); how one
// worker's stdout and stderr interleave (two pipes); placement when a flush
// is forced by a full buffer (FORCE_FLUSH_BYTES) before the event loop ran.
import type { RotatingLogFile } from './log-file';
import type { LineBuffer } from './line-buffer';
import type { WorkerLog } from './worker-log';

/** Formatted bytes past which a batch is written at once, without waiting for the event loop. */
export const FORCE_FLUSH_BYTES = 64 * 1024;
/** What the lines of one invocation take, roughly (for FORCE_FLUSH_BYTES). */
const START_BYTES = 80;
const END_BYTES = 200;

/** One invocation on one worker, recorded on the hot path. */
export class InvocationRecord {
  /** Its START line was written (the record is in the batch twice: START, then END). */
  startWritten = false;
  /** Given back to the pool before it ran (its worker died): no END follows. */
  cancelled = false;
  ended = false;
  /** The handler's run time. */
  durationNs = 0;
  /** Set for platform failures: REPORT gets Status (and Error Type). */
  errorType: string | undefined = undefined;
  /** Flush generation in which it ended (its END is held until the next one). */
  endGen = 0;
  /** Output of its worker that arrived after the result and before END was written. */
  pre: Buffer[] | undefined = undefined;
  /** Output kept for a Tail request (its last LOG_TAIL_BYTES at least). */
  tail: TailCapture | undefined = undefined;
  /** The worker's next ended record whose END is not written yet. */
  nextHeld: InvocationRecord | undefined = undefined;

  constructor(
    readonly worker: WorkerLog,
    readonly seq: number,
    /** The first invocation of its worker: REPORT gets Init Duration. */
    readonly first: boolean,
    /** The invocation's own request id, when it came with one (else seq makes it). */
    readonly id: string | undefined,
  ) {}
}

export interface TailCapture {
  chunks: Buffer[];
  bytes: number;
  /** Keep at least this many of the newest bytes. */
  limit: number;
}

export function captureTail(tail: TailCapture, data: Buffer): void {
  tail.chunks.push(data);
  tail.bytes += data.length;
  while (tail.chunks.length > 1 && tail.bytes - tail.chunks[0]!.length >= tail.limit) tail.bytes -= tail.chunks.shift()!.length;
}

/** What a FunctionLog needs from the runtime-wide FunctionLogs. */
export interface LogBatcher {
  /** Flush generation: +1 after every batched flush. */
  readonly gen: number;
  /** Shared scratch buffer lines are formatted into. */
  readonly out: LineBuffer;
  /** Ask for a batched flush of this log (setImmediate). */
  enqueue(log: FunctionLog): void;
  /** A Tail-requested invocation's lines were written: compose its Tail. */
  tailWritten(record: InvocationRecord, endAndReport: Buffer): void;
}

export class FunctionLog {
  /** Invocation records (START, later END) and output/notice bytes, in order. */
  private items: Array<InvocationRecord | Buffer> = [];
  private pendingBytes = 0;
  /** Flushes so far: worker peak RSS is read at most once per flush. */
  private flushes = 0;
  /** In the batcher's list of logs to flush. */
  queued = false;
  /** The last write error told about (told once until it changes). */
  private failing: string | undefined;
  /** Closed with the runtime: what still arrives (a dying worker's last output) is dropped. */
  private closed = false;

  constructor(
    private readonly batcher: LogBatcher,
    readonly file: RotatingLogFile,
    /** Names the function in warnings. */
    readonly label: string,
  ) {}

  started(record: InvocationRecord): void {
    this.items.push(record);
    this.grow(START_BYTES);
  }

  ended(record: InvocationRecord): void {
    this.items.push(record);
    this.grow(END_BYTES);
  }

  /** Whole lines of a worker's output. */
  output(worker: WorkerLog, data: Buffer): void {
    const held = worker.heldHead;
    if (held !== undefined) {
      // Written before its result, read after it: it goes before its END.
      (held.pre ??= []).push(data);
      if (held.tail !== undefined) captureTail(held.tail, data);
    } else {
      this.items.push(data);
      const running = worker.running;
      if (running !== undefined && running.tail !== undefined) captureTail(running.tail, data);
    }
    this.grow(data.length);
  }

  /** A line of the runtime's own (ends with a newline). */
  notice(line: Buffer): void {
    this.items.push(line);
    this.grow(line.length);
  }

  get pending(): boolean {
    return this.items.length > 0;
  }

  /**
   * Format and write what is due: everything when `force`, else up to the
   * first END of this turn (held for the next). Returns whether items remain.
   */
  flush(force: boolean): boolean {
    const items = this.items;
    if (items.length === 0) return false;
    const out = this.batcher.out;
    out.reset();
    const gen = this.batcher.gen;
    const stamp = ++this.flushes;
    let i = 0;
    for (; i < items.length; i++) {
      const item = items[i]!;
      if (!(item instanceof InvocationRecord)) {
        out.bytes(item);
        continue;
      }
      if (!item.startWritten) {
        item.startWritten = true;
        if (!item.cancelled) item.worker.entry.writeStart(out, item.seq, item.id);
        continue;
      }
      if (!force && item.endGen === gen) break;
      this.formatEnd(item, stamp);
    }
    if (i === items.length) {
      items.length = 0;
      this.pendingBytes = 0;
    } else {
      this.items = items.slice(i);
      this.pendingBytes = this.items.length * END_BYTES;
    }
    this.write();
    return this.items.length > 0;
  }

  /** Write everything, then close the file. */
  close(): void {
    this.flush(true);
    this.closed = true;
    this.file.close();
  }

  private grow(bytes: number): void {
    if (this.closed) {
      this.items.length = 0;
      return;
    }
    this.pendingBytes += bytes;
    if (!this.queued) this.batcher.enqueue(this);
    if (this.pendingBytes >= FORCE_FLUSH_BYTES) this.flush(true);
  }

  private write(): void {
    const out = this.batcher.out;
    if (out.len === 0) return;
    try {
      this.file.write(out.buf, out.len);
      this.failing = undefined;
    } catch (err) {
      // The log never takes the runtime down: say so, once per distinct error.
      const message = (err as Error).message;
      if (this.failing === message) return;
      this.failing = message;
      process.emitWarning(`cannot write the log of ${this.label} (${this.file.file}): ${message}; lines are lost until writes work again`, {
        code: 'NANOLAMBDA_LOG_WRITE',
      });
    }
  }

  private formatEnd(record: InvocationRecord, flushStamp: number): void {
    const out = this.batcher.out;
    const worker = record.worker;
    worker.unhold(record);
    if (record.pre !== undefined) for (const data of record.pre) out.bytes(data);
    // A last line without its newline (printf without \n) ends here.
    const partial = worker.takePartialLine();
    if (partial !== undefined) {
      out.bytes(partial);
      if (record.tail !== undefined) captureTail(record.tail, partial);
    }
    const from = out.len;
    worker.entry.writeEndReport(
      out,
      record.seq,
      record.durationNs,
      worker.peakKbAt(flushStamp, record.errorType !== undefined),
      record.first ? worker.initHundredths : undefined,
      record.errorType,
      record.id,
    );
    if (record.tail !== undefined) this.batcher.tailWritten(record, out.copyFrom(from));
  }
}
