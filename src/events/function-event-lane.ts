// Runs the stored asynchronous events of one function: takes due events from
// the store a few at a time, runs them through the function's pool, and
// records what happened (delete, reschedule, or give up to the destination).
//
// At most fn.maxInstances events are in flight, so the events of a function
// never hold more than that many payloads in memory and sync callers always
// find room in the pool's queue. Nothing polls: accepts and completions wake
// the lane, and one timer waits for the next retry that is due.
import type { FunctionSpec } from '../config/types';
import { NanolambdaError } from '../errors';
import type { Outcome } from '../workers/invocation';
import type { AttemptError, EventStore, StoredEvent } from './event-store';
import { deliverFailure, failureRecord, type PublishAs } from './failure-destination';
import { afterFailure, isTooOld, MAX_TIMER_DELAY_MS, type GiveUpCondition } from './retry-policy';

/** Runs one attempt (the runtime dispatches it to the function's pool). May throw TOO_MANY_REQUESTS or RUNTIME_STOPPED. */
/** Runs one attempt under the event's own request id. */
export type RunEvent = (fn: FunctionSpec, payload: Buffer, clientContext: Buffer | null, requestId: string) => Promise<Outcome>;

export interface LaneHooks {
  run: RunEvent;
  /** Publish a failure record on the bus as the function. */
  publish: PublishAs;
  /** Append a line (ending in \n) to the function's log. */
  log(fn: FunctionSpec, line: string): void;
}

/** A full pool is not the event's fault: wait this long (doubling) and try again. */
const POOL_FULL_FIRST_WAIT_MS = 20;
const POOL_FULL_MAX_WAIT_MS = 1000;
/** An error document can be megabytes; the log line gets its start. */
const LOGGED_ERROR_BYTES = 1024;

type StartResult = 'started' | 'dropped' | 'blocked';

export class FunctionEventLane {
  /** Ids of the events running now. */
  private readonly running = new Set<number>();
  private stopping = false;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  /** While the pool is full: no new attempts before this time. */
  private pausedUntil = 0;
  private poolFullWaitMs = 0;
  private whenIdle: Array<() => void> = [];

  constructor(
    /** Replaced when a deployment changes the function (same ARN). */
    public fn: FunctionSpec,
    private readonly store: EventStore,
    private readonly hooks: LaneHooks,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Events may be due now. Looks on the next turn, so a burst of accepts or
   * completions costs one read of the store (and their writes one commit).
   */
  wake(): void {
    if (this.stopping || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Take no new events. Resolves when the running ones have settled; of
   * those, only successes are recorded, the rest stay as they were and run
   * again at the next start.
   */
  stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.whenIdle.push(resolve));
  }

  /**
   * Take events again after stop() (a deployment brought the function back
   * while its events were still running here): one lane per ARN, so a
   * running event is never taken twice. Whoever waits on the stop is let go.
   */
  resume(fn: FunctionSpec): void {
    this.fn = fn;
    this.stopping = false;
    for (const resolve of this.whenIdle.splice(0)) resolve();
    this.wake();
  }

  private pump(): void {
    if (this.stopping) return;
    const now = Date.now();
    if (now < this.pausedUntil) {
      this.armTimer(this.pausedUntil);
      return;
    }
    const free = this.fn.maxInstances - this.running.size;
    if (free <= 0) return; // a completion wakes the lane
    const due = this.store.takeDue(this.fn.arn, now, free, this.running);
    let dropped = false;
    for (const event of due) {
      const result = this.start(event, now);
      if (result === 'blocked') return;
      if (result === 'dropped') dropped = true;
    }
    if (due.length === free) {
      // Slots of dropped events are free again and more may be due.
      if (dropped) this.wake();
      return;
    }
    const next = this.store.nextDueAfter(this.fn.arn, now);
    if (next !== undefined) this.armTimer(next);
  }

  private start(event: StoredEvent, now: number): StartResult {
    if (isTooOld(this.fn.async, event.acceptedAt, now)) {
      this.giveUp(event, event.attempts, 'EventAgeExceeded', now, 'it was too old to run');
      return 'dropped';
    }
    let outcome: Promise<Outcome>;
    try {
      outcome = this.hooks.run(this.fn, event.payload, event.clientContext, event.requestId);
    } catch (error) {
      this.notStarted(error);
      return 'blocked';
    }
    this.running.add(event.id);
    outcome.then(
      (result) => this.finish(event, result),
      (error: unknown) => {
        this.running.delete(event.id);
        this.notStarted(error);
        this.settled();
      },
    );
    return 'started';
  }

  private finish(event: StoredEvent, outcome: Outcome): void {
    this.running.delete(event.id);
    if (outcome.kind === 'success') {
      this.poolFullWaitMs = 0;
      this.store.remove(event);
    } else if (!this.stopping) {
      this.failed(event, outcome);
    }
    // A failure while stopping is most likely the stop itself killing the
    // worker: not the event's fault, so the row stays as it was.
    this.settled();
  }

  private failed(event: StoredEvent, outcome: Outcome): void {
    const now = Date.now();
    const attempts = event.attempts + 1;
    const error: AttemptError = { functionError: outcome.kind === 'handled' ? 'Handled' : 'Unhandled', payload: outcome.payload };
    const what = `attempt ${attempts} of ${this.fn.async.maxRetries + 1} failed (${error.functionError}): ${excerpt(outcome.payload)}`;
    const step = afterFailure(this.fn.async, attempts, event.acceptedAt, now);
    if (step.kind === 'retry') {
      this.store.reschedule(event, attempts, step.at, error);
      this.log(`event ${event.requestId} ${what}; retrying at ${new Date(step.at).toISOString()}`);
      this.armTimer(step.at);
      return;
    }
    this.giveUp({ ...event, attempts, lastError: error }, attempts, step.condition, now, what);
  }

  /** Deliver the event's failure record to the destination, then forget the event. */
  private giveUp(event: StoredEvent, attempts: number, condition: GiveUpCondition, now: number, why: string): void {
    const record = failureRecord(this.fn, event, attempts, condition, now);
    let line = `event ${event.requestId} ${why}; dropped (${condition}) after ${attempts} attempts`;
    try {
      const where = deliverFailure(this.fn, record, this.hooks.publish);
      // Without a destination the log is the only place the record goes.
      line += where ? `, record sent to ${where}` : `, no failure destination; record: ${JSON.stringify(record)}`;
    } catch (error) {
      line += `; delivering to the failure destination failed (${(error as Error).message}); record: ${JSON.stringify(record)}`;
    }
    this.log(line);
    this.store.remove(event);
  }

  /** The pool did not take the attempt: no attempt is counted, the row stays due. */
  private notStarted(error: unknown): void {
    if (NanolambdaError.is(error) && error.code === 'RUNTIME_STOPPED') return;
    if (!(NanolambdaError.is(error) && error.code === 'TOO_MANY_REQUESTS')) {
      this.log(`could not start an event: ${(error as Error)?.message ?? String(error)}`);
    }
    this.poolFullWaitMs = Math.min(Math.max(this.poolFullWaitMs * 2, POOL_FULL_FIRST_WAIT_MS), POOL_FULL_MAX_WAIT_MS);
    this.pausedUntil = Date.now() + this.poolFullWaitMs;
    this.armTimer(this.pausedUntil);
  }

  private settled(): void {
    if (!this.stopping) {
      this.wake();
      return;
    }
    if (this.running.size > 0) return;
    for (const resolve of this.whenIdle.splice(0)) resolve();
  }

  /** One timer per lane, for the earliest time something becomes due. */
  private armTimer(at: number): void {
    if (this.stopping || (this.timer !== undefined && this.timerAt <= at)) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_DELAY_MS),
    );
    // The events are on disk: a pending retry alone must not keep the process alive.
    this.timer.unref();
  }

  private log(message: string): void {
    try {
      this.hooks.log(this.fn, `[${new Date().toISOString()}][ERROR]-nanolambda: ${message}\n`);
    } catch {
      // The log is closing (runtime stop): the event's state is in the store.
    }
  }
}

function excerpt(errorDocument: Buffer): string {
  if (errorDocument.length <= LOGGED_ERROR_BYTES) return errorDocument.toString('utf8');
  return `${errorDocument.subarray(0, LOGGED_ERROR_BYTES).toString('utf8')}… (${errorDocument.length} bytes)`;
}
