// One timer for the whole runtime that enforces invocation deadlines and
// reaps idle workers. Re-arming a timer per invocation would cost more than
// the hot path itself, so deadlines are checked by ticks: fast ticks while
// anything waits on a deadline, slow ticks otherwise (an idle gateway should
// not wake up a hundred times a second).
import type { FunctionPool } from './function-pool';

const FAST_TICK_MS = 10;
const SLOW_TICK_MS = 1000;

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private fast = false;
  private lastTick = Date.now();

  private readonly pools: Set<FunctionPool>;

  constructor(pools: Iterable<FunctionPool>) {
    this.pools = new Set(pools);
  }

  /** Sweep this pool too (a deployment added it). */
  add(pool: FunctionPool): void {
    this.pools.add(pool);
  }

  /** Stop sweeping a pool (it stopped, after a deployment retired it). */
  remove(pool: FunctionPool): void {
    this.pools.delete(pool);
  }

  start(): void {
    this.arm(false);
  }

  /** An invocation now waits on a deadline: tick fast until none does. */
  wake(): void {
    if (!this.fast && this.timer) this.arm(true);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private arm(fast: boolean): void {
    clearInterval(this.timer);
    this.fast = fast;
    this.timer = setInterval(() => this.tick(), fast ? FAST_TICK_MS : SLOW_TICK_MS);
    this.timer.unref();
  }

  private tick(): void {
    const now = Date.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    let busy = false;
    for (const pool of this.pools) {
      pool.sweep(now, elapsed);
      busy ||= pool.busy;
    }
    if (this.fast && !busy) this.arm(false);
  }
}
