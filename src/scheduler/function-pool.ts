// The workers of one function version and the invocations waiting for them.
// On-demand functions start workers as invocations arrive, up to
// MaxInstances and the runtime-wide budget, keep MinWarm of them started and
// stop the others after MaxIdleTime. Pinned functions keep exactly one
// worker, started with the runtime and restarted after it dies.
import type { FunctionSpec } from '../config/types';
import { NanolambdaError } from '../errors';
import { gaveUpAfterRedispatch, stopped, workerStartFailed } from '../workers/failures';
import type { Invocation, Outcome } from '../workers/invocation';
import type { Worker, WorkerHooks } from '../workers/worker';
import type { BudgetMember, WorkerBudget } from './worker-budget';

export interface PoolLimits {
  /** Payload bytes waiting in the pool at most (MaxQueueSize bounds the count). */
  maxQueuedBytes: number;
  /** A stopping worker gets SIGKILL this long after SIGTERM. */
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
const RESTART_MIN_DELAY_MS = 50;
const RESTART_MAX_DELAY_MS = 5000;
/** How often a stopping pool looks whether its sync work has finished. */
const DRAIN_POLL_MS = 5;

export class FunctionPool implements BudgetMember {
  readonly workers: Worker[] = [];
  private readonly queue: Invocation[] = [];
  private queuedBytes = 0;
  private stopping = false;
  /** Past the drain: nothing is started or requeued any more. */
  private closed = false;
  private restartDelayMs = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Per worker: completions seen by the last sweep and idle time since. */
  private readonly idleTrack = new Map<Worker, { completions: number; idleMs: number }>();

  constructor(
    readonly fn: FunctionSpec,
    private readonly createWorker: WorkerFactory,
    private readonly hooks: PoolHooks,
    private readonly limits: PoolLimits,
    private readonly budget: WorkerBudget,
  ) {
    if (!fn.pinned) budget.join(this);
  }

  /** Start the pinned worker or the MinWarm on-demand workers; the rest start lazily. */
  start(): void {
    this.keepStarted();
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

  /** dispatch(), with a promise of the outcome when it does not come at once. */
  run(invocation: Invocation, spin: boolean): Outcome | Promise<Outcome> {
    return this.dispatch(invocation, spin) ?? invocation.whenSettled();
  }

  /** Whether an invocation of this size would be accepted now (AllOrError publishes). */
  canAccept(bytes: number): boolean {
    if (this.stopping) return false;
    return this.queue.length < this.fn.maxQueueSize && this.queuedBytes + bytes <= this.limits.maxQueuedBytes;
  }

  /** Invocations waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Time out overdue invocations and stop workers idle for too long. */
  sweep(nowMs: number, elapsedMs: number): void {
    let warm = this.warmCount();
    for (const worker of [...this.workers]) {
      worker.checkDeadline(nowMs);
      if (this.fn.pinned) continue;
      const track = this.trackIdle(worker, elapsedMs);
      if (track.idleMs >= this.fn.maxIdleMs && worker.state === 'ready' && warm > this.fn.minWarm) {
        warm--;
        void worker.stop(this.limits.stopGraceMs);
      }
    }
  }

  /** Whether any worker has an invocation whose deadline must be watched. */
  get busy(): boolean {
    for (const worker of this.workers) if (worker.inFlight > 0) return true;
    return this.queue.length > 0;
  }

  idleCandidate(): { idleMs: number; stop(): void } | undefined {
    if (this.warmCount() <= (this.stopping ? 0 : this.fn.minWarm)) return undefined;
    let best: { worker: Worker; idleMs: number } | undefined;
    for (const worker of this.workers) {
      if (worker.state !== 'ready' || worker.inFlight > 0) continue;
      const idleMs = this.idleTrack.get(worker)?.idleMs ?? 0;
      if (!best || idleMs > best.idleMs) best = { worker, idleMs };
    }
    if (!best) return undefined;
    const { worker } = best;
    return { idleMs: best.idleMs, stop: () => void worker.stop(this.limits.stopGraceMs) };
  }

  wantsSlot(): boolean {
    if (this.closed) return false;
    return this.queue.length > 0 || (!this.stopping && this.workers.length < this.keepCount());
  }

  onSlotFree(): boolean {
    if (!this.wantsSlot()) return false;
    const before = this.workers.length;
    if (this.queue.length > 0) this.feed();
    else this.keepStarted();
    return this.workers.length > before;
  }

  /** Workers started or starting (not stopping). */
  private warmCount(): number {
    let warm = 0;
    for (const worker of this.workers) if (worker.state === 'ready' || worker.state === 'starting') warm++;
    return warm;
  }

  /**
   * Stop: refuse new work, let queued and running invocations finish for up
   * to `drainMs`, fail what is still queued, then stop the workers (SIGTERM,
   * SIGKILL after the stop grace).
   */
  async stop(drainMs = 0): Promise<void> {
    this.stopping = true;
    // A pending restart must not block the drain: queued work may start a worker.
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.feed();
    if (drainMs > 0 && this.busy) await this.whenIdle(drainMs);
    this.closed = true;
    this.budget.leave(this);
    this.failQueued();
    await Promise.all(this.workers.map((worker) => worker.stop(this.limits.stopGraceMs)));
  }

  private whenIdle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (!this.busy || Date.now() >= deadline) {
          clearInterval(timer);
          resolve();
        }
      }, DRAIN_POLL_MS);
    });
  }

  private trackIdle(worker: Worker, elapsedMs: number): { completions: number; idleMs: number } {
    let track = this.idleTrack.get(worker);
    if (!track) {
      track = { completions: worker.completions, idleMs: 0 };
      this.idleTrack.set(worker, track);
    }
    if (worker.inFlight === 0 && worker.completions === track.completions) track.idleMs += elapsedMs;
    else track.idleMs = 0;
    track.completions = worker.completions;
    return track;
  }

  /**
   * Put an invocation on an idle worker or a new one. A worker runs one
   * invocation at a time: waiting work stays in the pool queue, so whichever
   * worker frees up first takes it and a slow invocation never holds up
   * others behind it.
   */
  private place(invocation: Invocation, spin: boolean): Outcome | null | false {
    if (this.closed) return false;
    for (const worker of this.workers) {
      if (worker.inFlight === 0) {
        const result = worker.submit(invocation, spin);
        if (result !== false) return result;
      }
    }
    if (this.workers.length >= this.fn.maxInstances || this.restartTimer !== undefined) return false;
    if (!this.takeSlot()) return false;
    let worker: Worker;
    try {
      worker = this.spawn();
    } catch (error) {
      this.releaseSlot();
      return workerStartFailed(error);
    }
    return worker.submit(invocation, false);
  }

  private enqueue(invocation: Invocation): void {
    if (!this.canAccept(invocation.payload.length)) {
      throw new NanolambdaError(
        'TOO_MANY_REQUESTS',
        `function ${this.fn.arn} has ${this.queue.length} invocations (${this.queuedBytes} bytes) waiting; ` +
          `the limit is MaxQueueSize ${this.fn.maxQueueSize} or ${this.limits.maxQueuedBytes} bytes: retry later`,
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
    // Nothing left for our workers: one may be worth more to a waiting pool.
    if (!this.fn.pinned) this.budget.workerIdle();
  }

  private spawn(): Worker {
    const worker = this.createWorker(this.fn, {
      onCapacity: (w) => this.onCapacity(w),
      onAwaiting: () => this.hooks.wakeSweeper(),
      onRequest: (w, request) => this.hooks.onRequest(w, request),
      onExit: (w, orphans) => this.onWorkerExit(w, orphans),
    });
    this.workers.push(worker);
    return worker;
  }

  /**
   * A worker finished its invocation. If another pool waits for a slot and
   * this one has more than one worker (and more than MinWarm), the worker
   * goes, so a busy function cannot hold every slot for as long as its
   * backlog lasts; then waiting work goes to the workers left.
   */
  private onCapacity(worker: Worker): void {
    if (
      !this.fn.pinned &&
      worker.inFlight === 0 &&
      this.workers.length > Math.max(1, this.fn.minWarm) &&
      this.budget.othersWaiting(this)
    ) {
      void worker.stop(this.limits.stopGraceMs);
    }
    this.feed();
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
    this.releaseSlot();
    if (this.closed) {
      this.failQueued();
      return;
    }
    if (this.stopping) {
      this.feed();
      return;
    }
    if (this.workers.length < this.keepCount()) this.scheduleRestart(worker.completions > 0);
    else this.feed();
  }

  /** A runtime-wide slot for a new worker (pinned workers need none). */
  private takeSlot(): boolean {
    return this.fn.pinned || this.budget.tryTake(this);
  }

  private releaseSlot(): void {
    if (!this.fn.pinned) this.budget.release();
  }

  /** Workers that stay started whatever the load: the pinned one, or MinWarm. */
  private keepCount(): number {
    return this.fn.pinned ? 1 : this.fn.minWarm;
  }

  /** Start workers up to keepCount; if that fails, try again with backoff. */
  private keepStarted(): void {
    while (this.workers.length < this.keepCount()) {
      if (!this.takeSlot()) return;
      try {
        this.spawn();
      } catch {
        this.releaseSlot();
        this.scheduleRestart(false);
        return;
      }
    }
    this.feed();
  }

  private failQueued(): void {
    for (const invocation of this.queue.splice(0)) invocation.settle(stopped(this.fn.arn));
    this.queuedBytes = 0;
  }

  /** Restart kept workers, backing off while they keep dying young. */
  private scheduleRestart(servedWork: boolean): void {
    if (this.restartTimer !== undefined) return;
    this.restartDelayMs = servedWork ? 0 : Math.min(Math.max(this.restartDelayMs * 2, RESTART_MIN_DELAY_MS), RESTART_MAX_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.keepStarted();
    }, this.restartDelayMs);
    // Kept ref'd: a kept worker is long-lived; the runtime waits for it.
  }
}
