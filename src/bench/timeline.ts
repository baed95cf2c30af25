// Latency over time with bounded memory: per-second p50/p99 (one small
// summary per elapsed second, the current second in a reused histogram) and a
// fixed-size uniform sample of (time, latency) points for a scatter plot.
import { LatencyHistogram } from './histogram';

export interface SecondSummary {
  /** Seconds since the measured run began (this second is [second, second + 1)). */
  second: number;
  count: number;
  p50Us: number;
  p99Us: number;
}

export interface TimedSample {
  /** Seconds since the measured run began, at completion. */
  atS: number;
  latencyUs: number;
}

/** Points kept for the scatter: enough to show the shape, few enough for an SVG. */
export const SAMPLE_CAPACITY = 2000;

export class LatencyTimeline {
  readonly seconds: SecondSummary[] = [];
  readonly samples: TimedSample[] = [];
  private readonly current = new LatencyHistogram();
  private currentSecond = 0;
  private seen = 0;

  /** Record a latency that completed atS seconds into the run (non-decreasing). */
  record(atS: number, latencyNs: number): void {
    const second = Math.floor(atS);
    if (second !== this.currentSecond) {
      this.closeSecond();
      this.currentSecond = second;
    }
    this.current.record(latencyNs);
    this.sample({ atS, latencyUs: latencyNs / 1000 });
  }

  /** Close the last, partial second; call once when the run ends. */
  finish(): void {
    this.closeSecond();
  }

  private closeSecond(): void {
    if (this.current.count === 0) return;
    this.seconds.push({
      second: this.currentSecond,
      count: this.current.count,
      p50Us: this.current.quantileNs(0.5) / 1000,
      p99Us: this.current.quantileNs(0.99) / 1000,
    });
    this.current.reset();
  }

  /** Reservoir sampling (Algorithm R): every completion is equally likely to be kept. */
  private sample(point: TimedSample): void {
    this.seen++;
    if (this.samples.length < SAMPLE_CAPACITY) {
      this.samples.push(point);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < SAMPLE_CAPACITY) this.samples[slot] = point;
  }
}
