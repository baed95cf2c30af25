// One invocation on its way through a pool and a worker.

export type OutcomeKind = 'success' | 'handled' | 'unhandled';

export interface Outcome {
  kind: OutcomeKind;
  /** Response bytes, or the error document for handled/unhandled. */
  payload: Buffer;
}

export class Invocation {
  /** Id inside the worker's channel (set on submit). */
  id = 0;
  /** Date.now() when it reached the head of its worker; 0 while unknown. */
  startedAt = 0;
  /** How many workers died with it queued but not started. */
  redispatches = 0;
  /**
   * Sequence number of its request id (RequestIds in src/logs/request-id.ts),
   * given when it first starts on a worker or when its id is first needed.
   */
  requestSeq: number | undefined = undefined;
  /**
   * A request id given before it runs (a stored Event keeps its id across
   * attempts and restarts, as Lambda's do); else one is made from requestSeq.
   */
  requestId: string | undefined = undefined;
  private settledWith: Outcome | undefined;
  private listener: ((outcome: Outcome) => void) | undefined;

  constructor(
    readonly payload: Uint8Array,
    readonly clientContext: Uint8Array | null,
    readonly timeoutMs: number,
  ) {}

  /** Deliver the outcome (once; later calls are ignored). */
  settle(outcome: Outcome): void {
    if (this.settledWith) return;
    this.settledWith = outcome;
    this.listener?.(outcome);
  }

  get settled(): boolean {
    return this.settledWith !== undefined;
  }

  /** A promise of the outcome, for callers that could not get it at once. */
  whenSettled(): Promise<Outcome> {
    if (this.settledWith) return Promise.resolve(this.settledWith);
    return new Promise((resolve) => {
      this.listener = resolve;
    });
  }
}
