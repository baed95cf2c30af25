// The workers of one function version and the invocations waiting for them.
// On-demand functions start workers as invocations arrive, up to
// maxInstances; pinned functions keep exactly one worker, started with the
// runtime and restarted after it dies.
import type { FunctionSpec } from '../config/types';
import { NanolambdaError } from '../errors';
import { gaveUpAfterRedispatch, stopped, workerStartFailed } from '../workers/failures';
import type { Invocation, Outcome } from '../workers/invocation';
import type { Worker, WorkerHooks } from '../workers/worker';

export interface PoolLimits {
  /** Invocations waiting in the pool (not yet in a worker) at most. */
  maxQueued: number;
  /** Payload bytes waiting in the pool at most. */
  maxQueuedBytes: number;
  /** Workers idle this long are stopped (on-demand only). */
  idleTimeoutMs: number;
  /** Grace period for a worker to finish on stop. */
  stopGraceMs: number;
}

export interface PoolHooks {
  onRequest: WorkerHooks['onRequest'];
  /** Something now waits on a deadline: the sweeper must look soon. */
  wakeSweeper(): void;
}

export type WorkerFactory = (fn: FunctionSpec, hooks: WorkerHooks) => Worker;

/** How often a worker may die with invocations it never started before they fail. */
const MAX_REDISPATCHES = 3;
const PINNED_RESTART_MAX_DELAY_MS = 5000;

export class FunctionPool {
  readonly workers: Worker[] = [];
  private readonly queue: Invocation[] = [];
  private queuedBytes = 0;
  private stopping = false;
  private restartDelayMs = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Per worker: completions seen by the last sweep and idle time since. */
  private readonly idleTrack = new Map<Worker, { completions: number; idleMs: number }>();

  constructor(
    readonly fn: FunctionSpec,
    private readonly createWorker: WorkerFactory,
    private readonly hooks: PoolHooks,
    private readonly limits: PoolLimits,
  ) {}

  /** Start the pinned worker; on-demand pools start lazily. */
  start(): void {
    if (this.fn.pinned) this.startPinned();
  }

  /**
   * Run an invocation. Returns the outcome when it finished at once, null
   * when it will settle later. Throws TOO_MANY_REQUESTS when the queue is
   * full, RUNTIME_STOPPED when stopping.
   */
  dispatch(invocation: Invocation, spin: boolean): Outcome | null {
    if (this.stopping) {
      throw new NanolambdaError('RUNTIME_STOPPED', `function ${this.fn.arn} is stopping`);
    }
    if (this.queue.length === 0) {
      const placed = this.place(invocation, spin);
      if (placed !== false) return placed;
    }
    this.enqueue(invocation);
    return null;
  }

  /** Whether an Event of this size would be accepted now (AllOrError publishes). */
  canAccept(bytes: number): boolean {
    if (this.stopping) return false;
    return this.queue.length < this.limits.maxQueued && this.queuedBytes + bytes <= this.limits.maxQueuedBytes;
  }

  /** Time out overdue invocations and stop workers idle for too long. */
  sweep(nowMs: number, elapsedMs: number): void {
    for (const worker of this.workers) {
      worker.checkDeadline(nowMs);
      if (this.fn.pinned) continue;
      let track = this.idleTrack.get(worker);
      if (!track) {
        track = { completions: worker.completions, idleMs: 0 };
        this.idleTrack.set(worker, track);
      }
      if (worker.inFlight === 0 && worker.completions === track.completions) track.idleMs += elapsedMs;
      else track.idleMs = 0;
      track.completions = worker.completions;
      if (track.idleMs >= this.limits.idleTimeoutMs && worker.state === 'ready') void worker.stop(this.limits.stopGraceMs);
    }
  }

  /** Whether any worker has an invocation whose deadline must be watched. */
  get busy(): boolean {
    for (const worker of this.workers) if (worker.inFlight > 0) return true;
    return this.queue.length > 0;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.failQueued();
    await Promise.all(this.workers.map((worker) => worker.stop(this.limits.stopGraceMs)));
  }

  /**
   * Put an invocation on an idle worker or a new one. A worker runs one
   * invocation at a time: waiting work stays in the pool queue, so whichever
   * worker frees up first takes it and a slow invocation never holds up
   * others behind it.
   */
  private place(invocation: Invocation, spin: boolean): Outcome | null | false {
    for (const worker of this.workers) {
      if (worker.inFlight === 0) {
        const result = worker.submit(invocation, spin);
        if (result !== false) return result;
      }
    }
    if (this.workers.length < this.maxWorkers() && this.restartTimer === undefined) {
      let worker: Worker;
      try {
        worker = this.spawn();
      } catch (error) {
        return workerStartFailed(error);
      }
      return worker.submit(invocation, false);
    }
    return false;
  }

  private maxWorkers(): number {
    return this.fn.pinned ? 1 : this.fn.maxInstances;
  }

  private enqueue(invocation: Invocation): void {
    if (!this.canAccept(invocation.payload.length)) {
      throw new NanolambdaError(
        'TOO_MANY_REQUESTS',
        `function ${this.fn.arn} has ${this.queue.length} invocations (${this.queuedBytes} bytes) waiting; ` +
          `the limit is ${this.limits.maxQueued} invocations or ${this.limits.maxQueuedBytes} bytes: retry later`,
      );
    }
    this.queue.push(invocation);
    this.queuedBytes += invocation.payload.length;
    this.hooks.wakeSweeper();
  }

  /** Move waiting invocations onto workers while they take them. */
  private feed(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      // Spin: a fast function answers while we wait, and the next waiting
      // invocation goes out at once instead of after another doorbell.
      const result = this.place(next, true);
      if (result === false) return;
      this.queue.shift();
      this.queuedBytes -= next.payload.length;
      // A worker can finish it at once (its result was already waiting).
      if (result !== null) next.settle(result);
    }
  }

  private spawn(): Worker {
    const worker = this.createWorker(this.fn, {
      onCapacity: () => this.feed(),
      onAwaiting: () => this.hooks.wakeSweeper(),
      onRequest: (w, request) => this.hooks.onRequest(w, request),
      onExit: (w, orphans) => this.onWorkerExit(w, orphans),
    });
    this.workers.push(worker);
    return worker;
  }

  private onWorkerExit(worker: Worker, orphans: Invocation[]): void {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    this.idleTrack.delete(worker);
    // Never-started invocations go back to the front, in their order.
    const retry: Invocation[] = [];
    for (const invocation of orphans) {
      invocation.redispatches++;
      if (invocation.redispatches > MAX_REDISPATCHES) invocation.settle(gaveUpAfterRedispatch(invocation.redispatches));
      else retry.push(invocation);
    }
    this.queue.unshift(...retry);
    for (const invocation of retry) this.queuedBytes += invocation.payload.length;
    if (this.stopping) {
      this.failQueued();
      return;
    }
    if (this.fn.pinned) this.schedulePinnedRestart(worker.completions > 0);
    else this.feed();
  }

  /** Start the pinned worker; if that fails, try again with backoff. */
  private startPinned(): void {
    try {
      this.spawn();
    } catch {
      this.schedulePinnedRestart(false);
      return;
    }
    this.feed();
  }

  private failQueued(): void {
    for (const invocation of this.queue.splice(0)) invocation.settle(stopped(this.fn.arn));
    this.queuedBytes = 0;
  }

  /** Restart the pinned worker, backing off while it keeps dying young. */
  private schedulePinnedRestart(servedWork: boolean): void {
    this.restartDelayMs = servedWork ? 0 : Math.min(Math.max(this.restartDelayMs * 2, 50), PINNED_RESTART_MAX_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping || this.workers.length > 0) return;
      this.startPinned();
    }, this.restartDelayMs);
    // Kept ref'd: a pinned function is long-lived; the runtime waits for it.
  }
}

