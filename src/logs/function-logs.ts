// Per-function log files, owned by the host: <logDir>/user/<region>/<account>/<function>.log
// as in Greengrass, rotated by size (log-file.ts). Workers' stdout and stderr
// reach them through pipes (worker-log.ts), together with the runtime's
// START / END / REPORT lines (function-log.ts), written in one batch per
// event-loop turn. One FunctionLogs per runtime: it owns the request ids,
// schedules the flushes and hands out Tails.
import os from 'node:os';
import path from 'node:path';
import type { FunctionSpec } from '../config/types';
import { LOG_TAIL_BYTES } from '../limits';
import type { Invocation } from '../workers/invocation';
import { FunctionLog, type InvocationRecord, type LogBatcher } from './function-log';
import { RotatingLogFile, type LogRotation } from './log-file';
import { composeLogTail } from './log-tail';
import { LineBuffer } from './line-buffer';
import { EntryLines } from './report-lines';
import { RequestIds } from './request-id';
import { WorkerLog, type WorkerLogOwner } from './worker-log';

/** A Tail asked for before the invocation started. */
interface TailWaiter {
  /** Its record on the worker it (last) started on. */
  record: InvocationRecord | undefined;
  /** The composed Tail (base64), once its END was written. */
  text: string | undefined;
  resolve: ((text: string) => void) | undefined;
}

export class FunctionLogs implements LogBatcher, WorkerLogOwner {
  readonly ids = new RequestIds();
  gen = 0;
  readonly out = new LineBuffer();
  readonly tailWaiters = new Map<number, TailWaiter>();
  private readonly logs = new Map<string, FunctionLog>();
  private readonly entries = new Map<FunctionSpec, EntryLines>();
  private dirty: FunctionLog[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    readonly logDir: string,
    readonly rotation: LogRotation,
  ) {}

  /** Where a function's log lives (the CLI finds it without a runtime). */
  static pathFor(logDir: string, fn: Pick<FunctionSpec, 'region' | 'accountId' | 'name'>): string {
    return path.join(logDir, 'user', fn.region || 'local', fn.accountId || 'local', `${fn.name}.log`);
  }

  pathFor(fn: FunctionSpec): string {
    return FunctionLogs.pathFor(this.logDir, fn);
  }

  /**
   * The log handle of a new worker of `fn`. Opens the function's log file
   * (creating its directory) the first time, so a log that cannot be written
   * fails the worker's start with the file system's reason.
   */
  workerLog(fn: FunctionSpec): WorkerLog {
    return new WorkerLog(this, this.logFor(fn), this.entryLines(fn), fn.systemLogLevel === 'INFO');
  }

  /** A line of the runtime's own in the function's log (a newline is added if missing). */
  append(fn: FunctionSpec, text: string): void {
    if (this.closed) return;
    this.logFor(fn).notice(Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'));
  }

  /** Before dispatching an invocation whose Tail is wanted (gives it its request id). */
  expectTail(invocation: Invocation): void {
    this.tailWaiters.set(this.ids.seqOf(invocation), { record: undefined, text: undefined, resolve: undefined });
  }

  /**
   * The Tail of a settled invocation: resolves once its END and REPORT are
   * written (one event-loop turn after the result, so that output the
   * worker wrote just before is in it). '' when it never ran on a worker.
   */
  tailOf(invocation: Invocation): Promise<string> {
    const seq = invocation.requestSeq;
    const waiter = seq === undefined ? undefined : this.tailWaiters.get(seq);
    if (seq === undefined || waiter === undefined) return Promise.resolve('');
    const record = waiter.record;
    if (waiter.text !== undefined || record === undefined || !record.ended || record.cancelled) {
      this.tailWaiters.delete(seq);
      return Promise.resolve(waiter.text ?? '');
    }
    return new Promise((resolve) => {
      waiter.resolve = resolve;
    });
  }

  /** Drop a Tail request whose invocation never got dispatched (it threw). */
  forgetTail(invocation: Invocation): void {
    if (invocation.requestSeq !== undefined) this.tailWaiters.delete(invocation.requestSeq);
  }

  /** Write everything and close the files; later lines are dropped. */
  closeAll(): void {
    if (this.closed) return;
    this.closed = true;
    for (const log of this.logs.values()) log.close();
    this.logs.clear();
    for (const [seq, waiter] of this.tailWaiters) {
      this.tailWaiters.delete(seq);
      waiter.resolve?.(waiter.text ?? '');
    }
  }

  // --- LogBatcher and WorkerLogOwner ---

  enqueue(log: FunctionLog): void {
    log.queued = true;
    this.dirty.push(log);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushDirty);
    }
  }

  attachTail(record: InvocationRecord): void {
    const waiter = this.tailWaiters.get(record.seq);
    if (waiter === undefined) return;
    waiter.record = record;
    record.tail = { chunks: [], bytes: 0, limit: LOG_TAIL_BYTES };
  }

  tailWritten(record: InvocationRecord, endAndReport: Buffer): void {
    const waiter = this.tailWaiters.get(record.seq);
    if (waiter === undefined || waiter.record !== record || record.tail === undefined) return;
    const start = `START RequestId: ${record.id ?? this.ids.format(record.seq)} Version: ${record.worker.entry.version}\n`;
    waiter.text = composeLogTail(start, record.tail.chunks, endAndReport, LOG_TAIL_BYTES);
    if (waiter.resolve !== undefined) {
      this.tailWaiters.delete(record.seq);
      waiter.resolve(waiter.text);
    }
  }

  private readonly flushDirty = (): void => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (const log of dirty) log.queued = false;
    for (const log of dirty) {
      // Items held for the next turn queue the log again (a new setImmediate
      // from here runs on the next turn, after the pipes were polled).
      if (log.flush(false)) this.enqueue(log);
    }
    this.gen++;
  };

  private logFor(fn: FunctionSpec): FunctionLog {
    const file = this.pathFor(fn);
    let log = this.logs.get(file);
    if (log === undefined) {
      const logFile = new RotatingLogFile(file, this.rotation);
      logFile.open();
      log = new FunctionLog(this, logFile, fn.arn);
      this.logs.set(file, log);
    }
    return log;
  }

  private entryLines(fn: FunctionSpec): EntryLines {
    let lines = this.entries.get(fn);
    if (lines === undefined) {
      // Without a configured MemorySize a function may use what the machine
      // has (there is no limit until cgroups enforce one): that is its size.
      const bytes = fn.memoryBytes ?? os.totalmem();
      lines = new EntryLines(this.ids.prefix, fn.version, Math.max(1, Math.floor(bytes / (1024 * 1024))));
      this.entries.set(fn, lines);
    }
    return lines;
  }
}
