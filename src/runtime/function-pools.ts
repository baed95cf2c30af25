// The runtime's function pools: one per function entry of the deployed
// group, the ones a deployment replaced while they finish their work, the
// worker budget they share and the sweeper that enforces their deadlines.
// A deployment asks for the next set (next), switches to it with the rest of
// the runtime's state (switchTo), then starts and retires pools.
import type { FunctionSpec } from '../config/types';
import { NanolambdaError } from '../errors';
import { FunctionPool, type PoolHooks, type PoolLimits, type WorkerFactory } from '../scheduler/function-pool';
import { Sweeper } from '../scheduler/sweeper';
import { WorkerBudget } from '../scheduler/worker-budget';

const DEFAULT_LIMITS: PoolLimits = {
  maxQueuedBytes: 64 * 1024 * 1024,
  stopGraceMs: 2000,
};

export interface FunctionPoolsOptions {
  maxConcurrentWorkers: number;
  /** Overrides of the pool limits. */
  limits: Partial<PoolLimits> | undefined;
  createWorker: WorkerFactory;
  onRequest: PoolHooks['onRequest'];
  /** A retired pool has stopped: the package it ran from may be unused now. */
  retired(): void;
}

/** The pools a deployment switches to, and which of them are new or gone. */
export interface NextPools {
  pools: Map<FunctionSpec, FunctionPool>;
  started: FunctionPool[];
  retired: FunctionPool[];
}

export class FunctionPools {
  private pools = new Map<FunctionSpec, FunctionPool>();
  /** Pools of entries a deployment replaced, finishing their work (stop waits for them), and their entries. */
  private readonly retiring = new Map<Promise<void>, FunctionSpec>();
  private readonly limits: PoolLimits;
  readonly budget: WorkerBudget;
  private readonly hooks: PoolHooks;
  private readonly sweeper: Sweeper;

  constructor(
    functions: readonly FunctionSpec[],
    private readonly options: FunctionPoolsOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.budget = new WorkerBudget(options.maxConcurrentWorkers);
    this.hooks = {
      onRequest: options.onRequest,
      wakeSweeper: () => this.sweeper.wake(),
    };
    for (const fn of functions) this.pools.set(fn, this.newPool(fn));
    this.sweeper = new Sweeper(this.pools.values());
  }

  private newPool(fn: FunctionSpec): FunctionPool {
    return new FunctionPool(fn, this.options.createWorker, this.hooks, this.limits, this.budget);
  }

  /** The pool of a deployed entry, if it is one. */
  get(fn: FunctionSpec): FunctionPool | undefined {
    return this.pools.get(fn);
  }

  poolFor(fn: FunctionSpec): FunctionPool {
    const pool = this.pools.get(fn);
    if (!pool) throw new NanolambdaError('FUNCTION_NOT_FOUND', `Function not found: ${fn.arn}`);
    return pool;
  }

  /** The deployed group's pools. */
  values(): IterableIterator<FunctionPool> {
    return this.pools.values();
  }

  /** Code of the deployed and the draining entries: their workers may run from it. */
  codeRootsInUse(): string[] {
    return [...this.pools.keys(), ...this.retiring.values()].map((fn) => fn.codeRoot);
  }

  /** At start: the sweeper, then the deployed pools. */
  startAll(): void {
    this.sweeper.start();
    for (const pool of this.pools.values()) pool.start();
  }

  /** The pools of `functions`: unchanged entries keep theirs (and their warm workers), new ones get a pool not started yet. */
  next(functions: readonly FunctionSpec[]): NextPools {
    const pools = new Map(functions.map((fn) => [fn, this.pools.get(fn) ?? this.newPool(fn)]));
    const retired = [...this.pools].filter(([fn]) => !pools.has(fn)).map(([, pool]) => pool);
    const started = [...pools].filter(([fn]) => !this.pools.has(fn)).map(([, pool]) => pool);
    return { pools, started, retired };
  }

  /** Part of a deployment's synchronous switch. */
  switchTo(next: NextPools): void {
    this.pools = next.pools;
  }

  /** After the switch: the new pools join the sweeper and start. */
  start(pools: readonly FunctionPool[]): void {
    for (const pool of pools) {
      this.sweeper.add(pool);
      pool.start();
    }
  }

  /** Let a replaced pool finish what it holds, then stop its workers; then its package may go, if nothing else uses it. */
  retire(pool: FunctionPool, graceMs: number): void {
    const done: Promise<void> = pool
      .stop(graceMs)
      .finally(() => {
        this.sweeper.remove(pool);
        this.retiring.delete(done);
        this.options.retired();
      });
    this.retiring.set(done, pool.fn);
  }

  /** At shutdown: every deployed pool drains (within drainMs) and stops; with the retiring ones, what to wait for. */
  stop(drainMs: number): Promise<void>[] {
    return [...[...this.pools.values()].map((pool) => pool.stop(drainMs)), ...this.retiring.keys()];
  }

  /** Last, once no pool runs anything. */
  stopSweeping(): void {
    this.sweeper.stop();
  }
}
