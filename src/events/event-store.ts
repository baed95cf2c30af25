// The durable queue of asynchronous (Event) invocations: one SQLite database,
// <stateDir>/events.db.
//
// Why SQLite (better-sqlite3): a real crash-safe store with a journal that
// has been tested against power loss for decades, one file, no server, a
// small native module, and indexed queries so the dispatcher reads a few due
// rows at a time instead of holding the queue in memory.
//
// Durability: WAL journal with synchronous=FULL. Gateways lose power often;
// with NORMAL a committed transaction can be rolled back by a power cut (the
// WAL is not fsynced at commit), and a 202 would then be a lie. FULL fsyncs
// the WAL at every commit, so a 202 survives power loss.
//
// Writes are group-committed: every write asked for during one event-loop
// turn (accepts, deletes, reschedules) goes into one transaction at
// setImmediate, so a burst of 1,000 Event invocations costs one fsync, not
// 1,000. accept() resolves only after its transaction committed.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../errors';
import { applySchema, openStateDatabase } from '../system/state-database';

/** Events queued per function at most; more are throttled (disk is finite). */
export const MAX_QUEUED_EVENTS_PER_FUNCTION = 100_000;
/** Payload bytes queued per function at most (100,000 events of 1 MB would be 100 GB). */
export const MAX_QUEUED_EVENT_BYTES_PER_FUNCTION = 256 * 1024 * 1024;
export const EVENTS_DB_FILE = 'events.db';

/** Whether a store exists in the state directory (an earlier run accepted events). */
export function eventStoreExists(stateDir: string): boolean {
  return fs.existsSync(path.join(stateDir, EVENTS_DB_FILE));
}

/** A batch of outcomes the disk refused is tried again this much later. */
const RETRY_WRITES_MS = 1000;

/** Bumped when the table layout changes; an older nanolambda refuses a newer file. */
const SCHEMA_VERSION = 1;

export type FunctionErrorKind = 'Handled' | 'Unhandled';

/** How the last attempt of an event failed (for the failure destination). */
export interface AttemptError {
  functionError: FunctionErrorKind;
  /** The error document (JSON as the worker or runtime produced it). */
  payload: Buffer;
}

export interface StoredEvent {
  /** Row id: the order events were accepted in. */
  id: number;
  /** The Lambda request id of the event, kept across attempts and restarts. */
  requestId: string;
  /** FunctionSpec.arn of the function, exactly as the group names it. */
  functionArn: string;
  payload: Buffer;
  /** base64 JSON as the caller gave it, or null. */
  clientContext: Buffer | null;
  /** Date.now() when it was accepted. */
  acceptedAt: number;
  /** Attempts that ran and failed. */
  attempts: number;
  /** Date.now() from when it may run (again). */
  nextAttemptAt: number;
  lastError: AttemptError | null;
}

export interface EventStoreOptions {
  /** Default MAX_QUEUED_EVENTS_PER_FUNCTION. */
  maxQueuedPerFunction?: number;
  /** Default MAX_QUEUED_EVENT_BYTES_PER_FUNCTION. */
  maxQueuedBytesPerFunction?: number;
  /** Told when a batch of writes other than accepts could not be committed. */
  onWriteError?: (error: Error) => void;
}

interface EventRow {
  id: number;
  request_id: string;
  function_arn: string;
  payload: Buffer;
  client_context: Buffer | null;
  accepted_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error_kind: string | null;
  last_error: Buffer | null;
}

type PendingWrite =
  | {
      kind: 'insert';
      requestId: string;
      functionArn: string;
      payload: Buffer;
      clientContext: Buffer | null;
      acceptedAt: number;
      resolve: (requestId: string) => void;
      reject: (error: Error) => void;
    }
  | { kind: 'delete'; id: number; functionArn: string; bytes: number }
  | { kind: 'reschedule'; id: number; attempts: number; nextAttemptAt: number; error: AttemptError };

export class EventStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly maxQueuedPerFunction: number;
  private readonly maxQueuedBytesPerFunction: number;
  private readonly onWriteError: (error: Error) => void;
  /** Rows and payload bytes per function, including accepts not committed yet: the limit check never reads the disk. */
  private readonly counts = new Map<string, { events: number; bytes: number }>();
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /**
   * Events whose outcome (delete or reschedule) is not committed yet: never
   * handed out again meanwhile, or an event would run again and again while
   * the disk refuses writes.
   */
  private readonly unsettled = new Set<number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly insertRow: Database.Statement;
  private readonly deleteRow: Database.Statement;
  private readonly rescheduleRow: Database.Statement;
  private readonly dueIds: Database.Statement;
  private readonly rowById: Database.Statement;
  private readonly nextDue: Database.Statement;
  private readonly commitBatch: (writes: PendingWrite[]) => void;

  /** Open (or create) <stateDir>/events.db. Throws STORAGE_FAILED naming the directory when it cannot. */
  constructor(stateDir: string, options: EventStoreOptions = {}) {
    this.file = path.join(stateDir, EVENTS_DB_FILE);
    this.maxQueuedPerFunction = options.maxQueuedPerFunction ?? MAX_QUEUED_EVENTS_PER_FUNCTION;
    this.maxQueuedBytesPerFunction = options.maxQueuedBytesPerFunction ?? MAX_QUEUED_EVENT_BYTES_PER_FUNCTION;
    this.onWriteError = options.onWriteError ?? (() => {});
    this.db = openStateDatabase(stateDir, EVENTS_DB_FILE, 'event store');
    migrate(this.db, this.file);

    this.insertRow = this.db.prepare(
      'INSERT INTO events (request_id, function_arn, payload, client_context, accepted_at, attempts, next_attempt_at) ' +
        'VALUES (?, ?, ?, ?, ?, 0, ?)',
    );
    this.deleteRow = this.db.prepare('DELETE FROM events WHERE id = ?');
    this.rescheduleRow = this.db.prepare(
      'UPDATE events SET attempts = ?, next_attempt_at = ?, last_error_kind = ?, last_error = ? WHERE id = ?',
    );
    this.dueIds = this.db
      .prepare('SELECT id FROM events WHERE function_arn = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?')
      .pluck();
    this.rowById = this.db.prepare('SELECT * FROM events WHERE id = ?');
    this.nextDue = this.db
      .prepare('SELECT next_attempt_at FROM events WHERE function_arn = ? AND next_attempt_at > ? ORDER BY next_attempt_at LIMIT 1')
      .pluck();
    this.commitBatch = this.db.transaction((writes: PendingWrite[]) => {
      for (const write of writes) this.apply(write);
    });
    this.recount();
  }

  /**
   * Queue an event durably. Resolves with its request id once the row is
   * committed (fsynced). Rejects with TOO_MANY_REQUESTS when the function
   * already has the most events allowed, STORAGE_FAILED when the disk refused the
   * write, RUNTIME_STOPPED after close().
   */
  accept(functionArn: string, payload: Uint8Array, clientContext: Uint8Array | null): Promise<string> {
    if (this.closed) return Promise.reject(new NanolambdaError('RUNTIME_STOPPED', `the event store ${this.file} is closed`));
    const queued = this.countOf(functionArn);
    if (queued.events >= this.maxQueuedPerFunction || queued.bytes + payload.length > this.maxQueuedBytesPerFunction) {
      return Promise.reject(
        new NanolambdaError(
          'TOO_MANY_REQUESTS',
          `function ${functionArn} has ${queued.events} asynchronous events (${queued.bytes} bytes) queued, ` +
            `the limit is ${this.maxQueuedPerFunction} events or ${this.maxQueuedBytesPerFunction} bytes: retry later`,
        ),
      );
    }
    queued.events++;
    queued.bytes += payload.length;
    return new Promise((resolve, reject) => {
      // Copies: the caller may reuse its buffer before the commit.
      this.enqueue({
        kind: 'insert',
        requestId: randomUUID(),
        functionArn,
        payload: Buffer.from(payload),
        clientContext: clientContext ? Buffer.from(clientContext) : null,
        acceptedAt: Date.now(),
        resolve,
        reject,
      });
    });
  }

  /** Forget an event for good (it succeeded or went to its destination). */
  remove(event: StoredEvent): void {
    const queued = this.countOf(event.functionArn);
    queued.events = Math.max(0, queued.events - 1);
    queued.bytes = Math.max(0, queued.bytes - event.payload.length);
    this.unsettled.add(event.id);
    this.enqueue({ kind: 'delete', id: event.id, functionArn: event.functionArn, bytes: event.payload.length });
  }

  /** Record a failed attempt and when to try again. */
  reschedule(event: StoredEvent, attempts: number, nextAttemptAt: number, error: AttemptError): void {
    this.unsettled.add(event.id);
    this.enqueue({ kind: 'reschedule', id: event.id, attempts, nextAttemptAt, error });
  }

  /**
   * Up to `count` events of a function due at `now`, oldest due first,
   * leaving out those in `skip` (already running). Reads only those rows.
   */
  takeDue(functionArn: string, now: number, count: number, skip: ReadonlySet<number>): StoredEvent[] {
    this.flush();
    if (count <= 0) return [];
    const ids = this.dueIds.all(functionArn, now, count + skip.size + this.unsettled.size) as number[];
    const events: StoredEvent[] = [];
    for (const id of ids) {
      if (skip.has(id) || this.unsettled.has(id)) continue;
      const row = this.rowById.get(id) as EventRow | undefined;
      if (row) events.push(toEvent(row));
      if (events.length === count) break;
    }
    return events;
  }

  /** When the next event of a function due after `now` is due; undefined for none. */
  nextDueAfter(functionArn: string, now: number): number | undefined {
    this.flush();
    return (this.nextDue.get(functionArn, now) as number | undefined) ?? undefined;
  }

  /** Events stored for a function (queued, waiting for a retry, or running). */
  queued(functionArn: string): number {
    return this.counts.get(functionArn)?.events ?? 0;
  }

  /** Every function that has events stored. */
  functionArns(): string[] {
    return [...this.counts].filter(([, count]) => count.events > 0).map(([arn]) => arn);
  }

  private countOf(functionArn: string): { events: number; bytes: number } {
    let count = this.counts.get(functionArn);
    if (!count) {
      count = { events: 0, bytes: 0 };
      this.counts.set(functionArn, count);
    }
    return count;
  }

  /** Commit what is pending and close the database. Later accepts reject. */
  close(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private enqueue(write: PendingWrite): void {
    if (this.closed) {
      if (write.kind === 'insert') write.reject(new NanolambdaError('RUNTIME_STOPPED', `the event store ${this.file} is closed`));
      return;
    }
    this.pending.push(write);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commit every pending write in one transaction (one fsync). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const writes = this.pending;
    this.pending = [];
    try {
      this.commitBatch(writes);
    } catch (error) {
      this.failBatch(writes, error as Error);
      return;
    }
    for (const write of writes) {
      if (write.kind === 'insert') write.resolve(write.requestId);
      else this.unsettled.delete(write.id);
    }
  }

  private apply(write: PendingWrite): void {
    switch (write.kind) {
      case 'insert':
        this.insertRow.run(write.requestId, write.functionArn, write.payload, write.clientContext, write.acceptedAt, write.acceptedAt);
        return;
      case 'delete':
        this.deleteRow.run(write.id);
        return;
      case 'reschedule':
        this.rescheduleRow.run(write.attempts, write.nextAttemptAt, write.error.functionError, write.error.payload, write.id);
        return;
    }
  }

  /**
   * Nothing of the batch was written. Accepts are refused (the caller was not
   * answered yet); deletes and reschedules are tried again.
   */
  private failBatch(writes: PendingWrite[], error: Error): void {
    // Outcomes are kept and written again later; their events stay out of
    // takeDue meanwhile. (A runtime that dies first runs them again: at least once.)
    const outcomes = writes.filter((write) => write.kind !== 'insert');
    this.pending.unshift(...outcomes);
    this.recount();
    const others = outcomes.length;
    for (const write of writes) {
      if (write.kind !== 'insert') continue;
      write.reject(
        new NanolambdaError('STORAGE_FAILED', `could not store an event for ${write.functionArn} in ${this.file}: ${error.message}`, {
          cause: error,
        }),
      );
    }
    if (others === 0) return;
    this.onWriteError(new Error(`could not record ${others} event outcomes in ${this.file} (trying again): ${error.message}`));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.flush(), RETRY_WRITES_MS);
    this.retryTimer.unref();
  }

  /** Counts from the database: at open, and after a failed batch left them unsure. */
  private recount(): void {
    this.counts.clear();
    const rows = this.db
      .prepare('SELECT function_arn AS arn, COUNT(*) AS n, SUM(LENGTH(payload)) AS bytes FROM events GROUP BY function_arn')
      .all() as Array<{ arn: string; n: number; bytes: number }>;
    for (const row of rows) this.counts.set(row.arn, { events: row.n, bytes: row.bytes });
    // Accepts waiting for their commit hold a place; deletes waiting for theirs do not.
    for (const write of this.pending) {
      if (write.kind === 'reschedule') continue;
      const count = this.countOf(write.functionArn);
      const sign = write.kind === 'insert' ? 1 : -1;
      count.events += sign;
      count.bytes += sign * (write.kind === 'insert' ? write.payload.length : write.bytes);
    }
  }
}

function migrate(db: Database.Database, file: string): void {
  applySchema(db, file, SCHEMA_VERSION, `
    CREATE TABLE IF NOT EXISTS events (
      id              INTEGER PRIMARY KEY,
      request_id      TEXT    NOT NULL,
      function_arn    TEXT    NOT NULL,
      payload         BLOB    NOT NULL,
      client_context  BLOB,
      accepted_at     INTEGER NOT NULL,
      attempts        INTEGER NOT NULL,
      next_attempt_at INTEGER NOT NULL,
      last_error_kind TEXT,
      last_error      BLOB
    );
    CREATE INDEX IF NOT EXISTS events_due ON events (function_arn, next_attempt_at, id);
  `);
}

function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    requestId: row.request_id,
    functionArn: row.function_arn,
    payload: row.payload,
    clientContext: row.client_context,
    acceptedAt: row.accepted_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError:
      row.last_error_kind === null || row.last_error === null
        ? null
        : { functionError: row.last_error_kind === 'Handled' ? 'Handled' : 'Unhandled', payload: row.last_error },
  };
}
