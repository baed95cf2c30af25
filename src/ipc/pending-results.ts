// Results of RequestResponse calls posted over the IPC, kept until their
// caller fetches them (GET /functions/<ARN> with the invocation id). A
// result belongs to the caller that posted it: another caller asking for
// the same id learns nothing. Memory stays bounded whatever callers do:
// - a caller may have `perCaller` results outstanding (posted, not fetched);
// - a result nobody fetches is dropped `ttlMs` after it arrived;
// - settled results hold `maxBytes` at most together: past that, the
//   oldest nobody is waiting for are dropped (and reported through onDrop).
import { randomUUID } from 'node:crypto';
import type { ServiceAnswer } from '../services/service-calls';

export interface ResultLimits {
  perCaller: number;
  ttlMs: number;
  maxBytes: number;
}

/** Delivers a result to a waiting request; false when that request is gone (the result is kept for another). */
export type ResultTaker = (answer: ServiceAnswer) => boolean;

interface Entry {
  owner: object;
  targetArn: string;
  answer: ServiceAnswer | undefined;
  settledAt: number;
  takers: Set<ResultTaker>;
}

export class PendingResults {
  private readonly entries = new Map<string, Entry>();
  private readonly counts = new Map<object, number>();
  private heldBytes = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: ResultLimits,
    private readonly onDrop: (id: string, targetArn: string, why: string) => void,
  ) {
    this.sweeper = setInterval(() => this.dropExpired(Date.now()), Math.max(50, Math.floor(limits.ttlMs / 4)));
    this.sweeper.unref();
  }

  /** Whether `owner` may post another RequestResponse call now. */
  hasRoomFor(owner: object): boolean {
    return (this.counts.get(owner) ?? 0) < this.limits.perCaller;
  }

  /** Keep the result of a call `owner` posted to `targetArn` (a promise must not reject); returns its invocation id. */
  add(owner: object, targetArn: string, result: ServiceAnswer | Promise<ServiceAnswer>): string {
    const id = randomUUID();
    this.entries.set(id, { owner, targetArn, answer: undefined, settledAt: 0, takers: new Set() });
    this.counts.set(owner, (this.counts.get(owner) ?? 0) + 1);
    if (result instanceof Promise) void result.then((answer) => this.settle(id, answer));
    else this.settle(id, result);
    return id;
  }

  /**
   * Hand the result of `id` to `take` once it exists. Returns a function
   * that stops waiting, or undefined when `owner` has no such result for
   * `targetArn` (never posted, posted by another caller, fetched already or
   * dropped).
   */
  take(owner: object, targetArn: string, id: string, take: ResultTaker): (() => void) | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.owner !== owner || entry.targetArn !== targetArn) return undefined;
    if (entry.answer !== undefined) {
      if (take(entry.answer)) this.remove(id, entry);
      return () => undefined;
    }
    entry.takers.add(take);
    return () => entry.takers.delete(take);
  }

  /** Forget everything `owner` posted (it is gone: nobody can fetch it). */
  dropOwner(owner: object): void {
    for (const [id, entry] of this.entries) if (entry.owner === owner) this.remove(id, entry);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.counts.clear();
    this.heldBytes = 0;
  }

  /** Results held and not fetched (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  private settle(id: string, answer: ServiceAnswer): void {
    const entry = this.entries.get(id);
    // Its owner went away meanwhile.
    if (entry === undefined) return;
    let taken = false;
    for (const take of [...entry.takers]) taken = take(answer) || taken;
    if (taken) {
      this.remove(id, entry);
      return;
    }
    entry.answer = answer;
    entry.settledAt = Date.now();
    this.heldBytes += answer.payload.length;
    if (this.heldBytes > this.limits.maxBytes) this.dropOldest(id);
  }

  private dropOldest(keep: string): void {
    // Insertion order is posting order: the oldest calls first.
    for (const [id, entry] of this.entries) {
      if (this.heldBytes <= this.limits.maxBytes) return;
      if (id === keep || entry.answer === undefined || entry.takers.size > 0) continue;
      this.remove(id, entry);
      this.onDrop(id, entry.targetArn, `results not fetched yet hold more than ${this.limits.maxBytes} bytes`);
    }
  }

  private dropExpired(now: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.answer === undefined || entry.takers.size > 0 || now - entry.settledAt < this.limits.ttlMs) continue;
      this.remove(id, entry);
      this.onDrop(id, entry.targetArn, `nobody fetched it within ${this.limits.ttlMs} ms`);
    }
  }

  private remove(id: string, entry: Entry): void {
    this.entries.delete(id);
    if (entry.answer !== undefined) this.heldBytes -= entry.answer.payload.length;
    const count = (this.counts.get(entry.owner) ?? 1) - 1;
    if (count > 0) this.counts.set(entry.owner, count);
    else this.counts.delete(entry.owner);
  }
}
