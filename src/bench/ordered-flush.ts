// Calls timed in C come back a round at a time, from several invokers at
// once, so their completions arrive out of time order; the recorder's
// per-second timeline needs them in order. Completions are held until no
// round still running can end earlier: a round's calls all end after it was
// sent, so everything before the earliest send among running rounds is final.
import type { TimedCall } from './invoker-wire';
import type { RunRecorder } from './recorder';

export class OrderedFlush {
  private held: TimedCall[] = [];
  /** Send instants of the rounds in flight. */
  private readonly running = new Set<{ sentNs: bigint }>();

  constructor(private readonly recorder: RunRecorder) {}

  /** A round goes out now; pass the token to `finished`. */
  started(): { sentNs: bigint } {
    const token = { sentNs: process.hrtime.bigint() };
    this.running.add(token);
    return token;
  }

  /** A round came back with these calls (none when it failed). */
  finished(token: { sentNs: bigint }, calls: TimedCall[]): void {
    this.running.delete(token);
    for (const call of calls) this.held.push(call);
    let watermark: bigint | undefined;
    for (const round of this.running) if (watermark === undefined || round.sentNs < watermark) watermark = round.sentNs;
    this.flush(watermark);
  }

  /** Record whatever is held (the run is over). */
  drain(): void {
    this.flush(undefined);
  }

  private flush(before: bigint | undefined): void {
    this.held.sort((a, b) => (a.endNs < b.endNs ? -1 : a.endNs > b.endNs ? 1 : 0));
    let n = 0;
    while (n < this.held.length && (before === undefined || this.held[n]!.endNs <= before)) {
      const call = this.held[n]!;
      this.recorder.record(call.outcome, call.latencyNs, call.endNs);
      n++;
    }
    this.held = n === this.held.length ? [] : this.held.slice(n);
  }
}
