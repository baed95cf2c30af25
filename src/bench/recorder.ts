// Everything measured about the run's measured invocations: the latency
// histogram, latency over time, and the errors (function errors and failed
// requests apart, each with the first message). Memory stays bounded.
import { LatencyHistogram } from './histogram';
import type { InvokeOutcome } from './outcome';
import { LatencyTimeline } from './timeline';

export interface ErrorTally {
  count: number;
  firstMessage: string | undefined;
}

export class RunRecorder {
  readonly latency = new LatencyHistogram();
  readonly timeline = new LatencyTimeline();
  readonly functionErrors: ErrorTally = { count: 0, firstMessage: undefined };
  readonly failedRequests: ErrorTally = { count: 0, firstMessage: undefined };
  private readonly startedNs: bigint;
  private lastCompletionNs: bigint;

  constructor(startedNs: bigint) {
    this.startedNs = startedNs;
    this.lastCompletionNs = startedNs;
  }

  /** One measured invocation that completed at endNs after latencyNs. */
  record(outcome: InvokeOutcome, latencyNs: bigint, endNs: bigint): void {
    // Failed requests are not latencies of the function: they stay out of the percentiles.
    if (outcome.kind === 'failed') tally(this.failedRequests, outcome.message);
    else {
      if (outcome.kind === 'function-error') tally(this.functionErrors, outcome.message);
      const ns = Number(latencyNs);
      this.latency.record(ns);
      this.timeline.record(Number(endNs - this.startedNs) / 1e9, ns);
    }
    if (endNs > this.lastCompletionNs) this.lastCompletionNs = endNs;
  }

  /** Invocations recorded, successful or not. */
  get completed(): number {
    return this.latency.count + this.failedRequests.count;
  }

  /** Seconds from the start of the measured run to its last completion. */
  elapsedSeconds(): number {
    return Number(this.lastCompletionNs - this.startedNs) / 1e9;
  }

  finish(): void {
    this.timeline.finish();
  }
}

function tally(errors: ErrorTally, message: string): void {
  errors.count++;
  errors.firstMessage ??= message;
}
