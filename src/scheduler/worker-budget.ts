// The runtime-wide limit on on-demand workers (Greengrass V1's core-wide
// maxConcurrentLimit): a gateway has a few cores and little memory, and many
// functions each within their own MaxInstances can still add up to too many
// processes. A pool takes a slot before it starts an on-demand worker and
// gives it back when that worker exits; pinned workers are not counted.
//
// A pool that finds no slot waits (its invocations stay in its queue) and
// the budget frees one for it: the longest-idle worker beyond its pool's
// MinWarm, in any pool, is stopped. Waiting pools are served in FIFO order.

export interface BudgetMember {
  /** The longest-idle worker this pool could give up now, and how long it has idled. */
  idleCandidate(): { idleMs: number; stop(): void } | undefined;
  /** Whether it still needs a slot (waiting work, or fewer than MinWarm workers). */
  wantsSlot(): boolean;
  /** A slot is free: take it if there is waiting work. Returns whether it did. */
  onSlotFree(): boolean;
}

export class WorkerBudget {
  private used = 0;
  private readonly waiting: BudgetMember[] = [];
  /** Idle workers asked to stop whose slots are not back yet. */
  private evicting = 0;
  private readonly members: BudgetMember[] = [];

  constructor(readonly limit: number) {}

  join(member: BudgetMember): void {
    this.members.push(member);
  }

  get inUse(): number {
    return this.used;
  }

  /** Take a slot for a new worker; when none is free, queue the member and free one. */
  tryTake(member: BudgetMember): boolean {
    if (this.used < this.limit) {
      this.used++;
      return true;
    }
    if (!this.waiting.includes(member)) this.waiting.push(member);
    if (this.evicting < this.waiting.length) this.evictOne();
    return false;
  }

  /**
   * A worker just went idle: if a pool waits for a slot, free one. (Slots
   * only come back when workers exit, and an idle worker would otherwise
   * hold its slot until MaxIdleTime.)
   */
  workerIdle(): void {
    this.forgetSatisfied();
    if (this.waiting.length > this.evicting) this.evictOne();
  }

  /** Whether a pool other than `member` waits for a slot (it should then give one up). */
  othersWaiting(member: BudgetMember): boolean {
    this.forgetSatisfied();
    return this.waiting.some((w) => w !== member);
  }

  /** A worker that held a slot exited. */
  release(): void {
    this.used--;
    if (this.evicting > 0) this.evicting--;
    while (this.used < this.limit && this.waiting.length > 0) {
      const member = this.waiting.shift()!;
      // onSlotFree calls tryTake, which takes the slot when there is work.
      member.onSlotFree();
    }
  }

  /** Forget a member's wait (its pool stopped). */
  leave(member: BudgetMember): void {
    const i = this.waiting.indexOf(member);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** Waiters whose own workers took their work meanwhile need no slot. */
  private forgetSatisfied(): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) if (!this.waiting[i]!.wantsSlot()) this.waiting.splice(i, 1);
  }

  private evictOne(): void {
    let best: { idleMs: number; stop(): void } | undefined;
    for (const member of this.members) {
      const candidate = member.idleCandidate();
      if (candidate && (!best || candidate.idleMs > best.idleMs)) best = candidate;
    }
    if (!best) return;
    this.evicting++;
    best.stop();
  }
}
