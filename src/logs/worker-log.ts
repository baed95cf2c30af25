// The log side of one worker process, for any kind of Worker (the executable
// worker now; Python, Node.js and custom runtimes later). The worker tells it
// what happens: spawned, ready, an invocation started or finished, output
// arrived, the process exited. It records those facts cheaply; its
// function's FunctionLog turns them into lines.
//
//   const log = logs.workerLog(fn);          // before spawning
//   log.spawned(child.pid);
//   child.stdout.on('data', (c) => log.output(c));   // stderr too
//   log.ready();                              // the runtime loop is up
//   log.started(invocation);                  // it began on this worker
//   log.finished(invocation, durationNs);     // + errorType for a platform failure
//   log.requeued(invocation);                 // given back before it ran
//   log.exited();                             // the process is gone
import { InvocationRecord, type FunctionLog } from './function-log';
import { readPeakRssKb } from '../system/proc-memory';
import type { EntryLines } from './report-lines';
import type { RequestIds } from './request-id';
import type { Invocation } from '../workers/invocation';

/** What a WorkerLog needs from the runtime-wide FunctionLogs. */
export interface WorkerLogOwner {
  readonly ids: RequestIds;
  readonly gen: number;
  /** Tail requests waiting (checked on every start: must be cheap). */
  readonly tailWaiters: { readonly size: number };
  /** The record starts an invocation someone wants the Tail of. */
  attachTail(record: InvocationRecord): void;
}

/** A line longer than this without a newline is written as it is. */
const MAX_PARTIAL_LINE = 64 * 1024;
/**
 * VmHWM is read again (at a flush) once the worker ran handlers this long
 * since the last read, or this much wall time passed (work outside handlers).
 * A read costs ~13 µs; memory grows only while the process runs and touches
 * pages, so a REPORT line lags the true peak by at most what the worker
 * touched in that little time.
 */
const RESAMPLE_HANDLER_NS = 1_000_000;
const RESAMPLE_WALL_MS = 100;
const MAX_FAILED_READS = 3;
const NEWLINE = Buffer.from('\n');

export class WorkerLog {
  /** Date.now() at spawn. */
  readonly spawnedAt = Date.now();
  /** Init Duration (spawn to ready) in hundredths of a millisecond. */
  initHundredths: number | undefined;
  /** The invocation running (started, not finished). */
  running: InvocationRecord | undefined;
  /** Oldest finished invocation whose END is not written yet; then .nextHeld. */
  heldHead: InvocationRecord | undefined;
  private heldTail: InvocationRecord | undefined;
  private readonly spawnedPerf = performance.now();
  private pid: number | undefined;
  private peakKb: number | undefined;
  /** Flush stamp and time of the last VmHWM read, handler time since. */
  private sampledStamp = -1;
  private sampledMs = 0;
  private handlerNsSinceSample = 0;
  private sampledEarly = false;
  /** Reads that found nothing while the process was thought alive (/proc hidden?): give up after a few. */
  private failedReads = 0;
  private gone = false;
  private invoked = false;
  private peakReader: (() => number | undefined) | undefined;
  /** WARN level: the invocation running without a record, and whether it is the worker's first. */
  private unrecorded: Invocation | undefined;
  private unrecordedFirst = false;
  /** Output after its last newline, waiting for the rest of its line. */
  private partial: Buffer | undefined;

  constructor(
    private readonly owner: WorkerLogOwner,
    readonly log: FunctionLog,
    readonly entry: EntryLines,
    /** SystemLogLevel INFO: lines for every invocation; else only for platform failures. */
    private readonly everyInvocation: boolean,
  ) {}

  spawned(pid: number | undefined): void {
    this.pid = pid;
  }

  /** The worker is ready for invocations: what came before was its init. */
  ready(): void {
    if (this.initHundredths !== undefined) return;
    this.initHundredths = Math.round((performance.now() - this.spawnedPerf) * 100);
    this.samplePeakRss();
  }

  /** An invocation begins on this worker (it gets its request id now if it had none). */
  started(invocation: Invocation): void {
    const first = !this.invoked;
    this.invoked = true;
    // WARN: no record (no START) unless someone waits for a Tail.
    if (!this.everyInvocation && this.owner.tailWaiters.size === 0) {
      this.running = undefined;
      this.unrecorded = invocation;
      this.unrecordedFirst = first;
      return;
    }
    const record = new InvocationRecord(this, this.owner.ids.seqOf(invocation), first, invocation.requestId);
    this.running = record;
    if (this.owner.tailWaiters.size !== 0) this.owner.attachTail(record);
    this.log.started(record);
  }

  /**
   * The invocation that started last ended after `durationNs` of handler
   * time. `errorType` is set for platform failures (timeout, crash, …), not
   * for the function's own handled errors.
   */
  finished(invocation: Invocation, durationNs: number, errorType?: string): void {
    if (this.unrecorded !== undefined) this.recordFailure(invocation, errorType);
    const record = this.running;
    if (record === undefined || record.seq !== invocation.requestSeq) return;
    this.running = undefined;
    record.durationNs = durationNs;
    this.handlerNsSinceSample += durationNs;
    record.errorType = errorType;
    // Once per worker: a first value while it surely runs (a flush may come
    // only after it died, and a dead process has no VmHWM to read).
    if (!this.sampledEarly) {
      this.sampledEarly = true;
      if (this.peakKb === undefined) this.samplePeakRss();
    }
    record.endGen = this.owner.gen;
    record.ended = true;
    if (this.heldTail === undefined) this.heldHead = record;
    else this.heldTail.nextHeld = record;
    this.heldTail = record;
    this.log.ended(record);
  }

  /**
   * WARN level: an invocation that started without a record failed in the
   * platform, so it gets END and REPORT (no START: its output may already be
   * written).
   */
  private recordFailure(invocation: Invocation, errorType: string | undefined): void {
    const started = this.unrecorded;
    this.unrecorded = undefined;
    if (started !== invocation || errorType === undefined) return;
    const record = new InvocationRecord(this, this.owner.ids.seqOf(invocation), this.unrecordedFirst, invocation.requestId);
    record.startWritten = true;
    this.running = record;
  }

  /** The invocation goes back to its pool without having run here. */
  requeued(invocation: Invocation): void {
    if (this.unrecorded === invocation) this.unrecorded = undefined;
    const record = this.running;
    if (record === undefined || record.seq !== invocation.requestSeq) return;
    this.running = undefined;
    record.cancelled = true;
  }

  /** Bytes from the worker's stdout or stderr. */
  output(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const newline = chunk.lastIndexOf(0x0a);
    let lines: Buffer;
    if (newline < 0) {
      this.partial = this.partial === undefined ? chunk : Buffer.concat([this.partial, chunk]);
      if (this.partial.length < MAX_PARTIAL_LINE) return;
      lines = Buffer.concat([this.partial, NEWLINE]);
      this.partial = undefined;
    } else {
      const whole = newline === chunk.length - 1 ? chunk : chunk.subarray(0, newline + 1);
      lines = this.partial === undefined ? whole : Buffer.concat([this.partial, whole]);
      this.partial = newline === chunk.length - 1 ? undefined : chunk.subarray(newline + 1);
    }
    this.log.output(this, lines);
  }

  /** The worker's output pipes closed: a last unterminated line is written. */
  outputEnded(): void {
    const partial = this.takePartialLine();
    if (partial !== undefined) this.log.output(this, partial);
  }

  /** The process is gone: its peak RSS stays what was last read. */
  exited(): void {
    this.gone = true;
  }

  /** The invocation's request id as text (for error messages). */
  requestIdOf(invocation: Invocation): string {
    return invocation.requestId ?? this.owner.ids.format(this.owner.ids.seqOf(invocation));
  }

  /** Read VmHWM now (a timeout is about to kill the process, for instance). */
  /**
   * Measure Max Memory Used with this instead of the process's VmHWM (the
   * worker's cgroup: it counts what the function forked too, and can still
   * be read right after the process died).
   */
  measurePeakWith(reader: () => number | undefined): void {
    this.peakReader = reader;
  }

  samplePeakRss(): number | undefined {
    const reader = this.peakReader;
    if (reader !== undefined) {
      const kb = reader();
      if (kb !== undefined) this.peakKb = kb;
      this.sampledMs = performance.now();
      this.handlerNsSinceSample = 0;
    } else if (!this.gone && this.pid !== undefined && this.failedReads < MAX_FAILED_READS) {
      const kb = readPeakRssKb(this.pid);
      if (kb !== undefined) this.peakKb = kb;
      else this.failedReads++;
      this.sampledMs = performance.now();
      this.handlerNsSinceSample = 0;
    }
    return this.peakKb;
  }

  /**
   * Peak RSS for the REPORT lines of one flush: read at most once per flush,
   * and only when it may have grown noticeably (see RESAMPLE_HANDLER_NS) or
   * `fresh` asks for it (a failed invocation).
   */
  peakKbAt(flushStamp: number, fresh: boolean): number | undefined {
    if (this.sampledStamp !== flushStamp) {
      this.sampledStamp = flushStamp;
      if (
        fresh ||
        this.peakKb === undefined ||
        this.handlerNsSinceSample >= RESAMPLE_HANDLER_NS ||
        performance.now() - this.sampledMs >= RESAMPLE_WALL_MS
      ) {
        this.samplePeakRss();
      }
    }
    return this.peakKb;
  }

  /** The last unterminated output line, with a newline, if any. */
  takePartialLine(): Buffer | undefined {
    const partial = this.partial;
    if (partial === undefined) return undefined;
    this.partial = undefined;
    return Buffer.concat([partial, NEWLINE]);
  }

  /** FunctionLog wrote the END of `record` (always the oldest held one). */
  unhold(record: InvocationRecord): void {
    if (this.heldHead === record) {
      this.heldHead = record.nextHeld;
    } else {
      let before = this.heldHead;
      while (before !== undefined && before.nextHeld !== record) before = before.nextHeld;
      if (before === undefined) return;
      before.nextHeld = record.nextHeld;
      if (this.heldTail === record) this.heldTail = before;
    }
    if (this.heldHead === undefined) this.heldTail = undefined;
    record.nextHeld = undefined;
  }
}
