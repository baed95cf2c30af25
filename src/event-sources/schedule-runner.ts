// Runs one schedule: fires at each time its expression gives.
//
// Missed times (the runtime was down, the machine slept, the clock jumped
// forward at boot once NTP answered): at most ONE fire, at once, for all of
// them together, carrying the first missed time; then the schedule goes on
// from now. A nightly job the gateway slept through runs when it wakes, and
// a rate(1 minute) schedule down for a day does not send 1,440 events.
//
// The anchor is the time up to which every scheduled time is accounted for,
// kept in the store (with the expression, so a changed expression starts
// afresh): a rate fires at anchor + period; a cron at its first time after
// the anchor. A new schedule's anchor is the moment it starts.
//
// The timer wakes at least every minute and plans again from the wall
// clock: setTimeout runs on a monotonic clock, and a gateway's wall clock
// may jump (no RTC: it boots in 1970). A jump back re-plans from the new
// now instead of waiting for the old time to come round again.
import type { ScheduleExpression } from './schedule-expression';

export interface ScheduleState {
  load(): { expression: string; anchorMs: number } | undefined;
  save(expression: string, anchorMs: number): void;
}

export interface ScheduleRunnerOptions {
  schedule: ScheduleExpression;
  state: ScheduleState;
  /** Send one event for the scheduled time `timeMs`. */
  fire(timeMs: number): void;
  /** Told when the anchor cannot be saved (the schedule keeps running). */
  onError(error: Error): void;
}

const MAX_SLEEP_MS = 60_000;

export class ScheduleRunner {
  private timer: NodeJS.Timeout | undefined;
  private anchorMs = 0;
  /** The next time to fire; undefined when the expression has no future time (cron years all past). */
  private due: number | undefined;
  private running = false;

  constructor(private readonly options: ScheduleRunnerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = Date.now();
    const saved = this.options.state.load();
    if (saved !== undefined && saved.expression === this.options.schedule.text && saved.anchorMs <= now) {
      this.anchorMs = saved.anchorMs;
    } else {
      this.anchorMs = now;
      this.save(now);
    }
    this.due = this.nextAfter(this.anchorMs);
    // A missed time fires on the next turn, once the caller has finished starting.
    this.sleep(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next scheduled time (for diagnostics and tests), epoch ms. */
  get nextFireMs(): number | undefined {
    return this.due;
  }

  private nextAfter(anchorMs: number): number | undefined {
    const schedule = this.options.schedule;
    return schedule.kind === 'rate' ? anchorMs + schedule.periodMs : schedule.cron.next(anchorMs);
  }

  private wake(): void {
    if (!this.running) return;
    const now = Date.now();
    if (this.due !== undefined && now >= this.due) {
      const firedFor = this.due;
      // Behind by more than one period: account for every missed time now.
      const following = this.nextAfter(firedFor);
      this.anchorMs = following !== undefined && following > now ? firedFor : now;
      this.save(this.anchorMs);
      this.due = this.nextAfter(this.anchorMs);
      this.options.fire(firedFor);
    } else {
      // The clock went back: the next time from now comes sooner than planned.
      const fromNow = this.options.schedule.kind === 'rate' ? now + this.options.schedule.periodMs : this.options.schedule.cron.next(now);
      if (fromNow !== undefined && (this.due === undefined || fromNow < this.due)) {
        this.anchorMs = this.options.schedule.kind === 'rate' ? now : this.anchorMs;
        this.due = fromNow;
      }
    }
    this.sleep(this.due === undefined ? MAX_SLEEP_MS : Math.min(Math.max(this.due - Date.now(), 0), MAX_SLEEP_MS));
  }

  private sleep(ms: number): void {
    this.timer = setTimeout(() => this.wake(), ms);
    // The runtime's servers keep the process alive, not a schedule.
    this.timer.unref();
  }

  private save(anchorMs: number): void {
    try {
      this.options.state.save(this.options.schedule.text, anchorMs);
    } catch (error) {
      this.options.onError(error as Error);
    }
  }
}
