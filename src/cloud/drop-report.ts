// Warnings about dropped cloud messages without one log line per message: a
// flood into a full queue would otherwise flood the log too (and the log
// disk). The first drop after a quiet period is logged at once; later ones
// are added up and logged once per interval while they continue.

/** How often a continuing run of drops is summarised. */
export const DROP_REPORT_INTERVAL_MS = 10_000;

export class DropReport {
  private pending = 0;
  private latestReason = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly warn: (message: string) => void,
    private readonly intervalMs = DROP_REPORT_INTERVAL_MS,
  ) {}

  /** `count` messages were dropped, `reason` says why (names the bound or the broker's answer). */
  record(count: number, reason: string): void {
    if (count <= 0) return;
    if (this.timer === undefined) {
      this.warn(`dropped ${plural(count)} for the cloud: ${reason}`);
      this.startQuietPeriod();
      return;
    }
    this.pending += count;
    this.latestReason = reason;
  }

  /** Log what is still pending and stop the timer (on close). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.summarise();
  }

  private startQuietPeriod(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Drops went on: say so, and keep summarising while they continue.
      if (this.summarise()) this.startQuietPeriod();
    }, this.intervalMs);
    // A pending summary never keeps the process alive.
    this.timer.unref();
  }

  private summarise(): boolean {
    if (this.pending === 0) return false;
    this.warn(`dropped ${plural(this.pending)} more for the cloud in the last ${Math.round(this.intervalMs / 1000)} s (latest: ${this.latestReason})`);
    this.pending = 0;
    return true;
  }
}

function plural(count: number): string {
  return count === 1 ? '1 message' : `${count} messages`;
}
