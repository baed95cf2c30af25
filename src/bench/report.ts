// The figures of a finished run as one plain document: what --json prints
// and what the table and the SVG are drawn from.
import type { WorkerStatus } from '../control/status';
import type { LoadShape, RunLength } from './load-generator';
import type { InvokeOutcome } from './outcome';
import type { RunRecorder } from './recorder';
import type { Via, WorkersAnswer } from './target';
import type { SecondSummary } from './timeline';

export interface ColdStart {
  /** The first invocation of the run (before the warm-up), measured alone. */
  latencyUs: number;
  /** Whether the function had a worker before it; null when the runtime could not be asked. */
  workerExisted: boolean | null;
  outcome: InvokeOutcome['kind'];
  message?: string;
}

export type MemoryReport =
  | { workers: Array<{ pid: number | null; rssKb: number | null; peakRssKb: number | null }>; totalRssKb: number; maxPeakRssKb: number }
  | { unavailable: string };

export interface BenchReport {
  function: string;
  via: Via;
  target: string;
  payloadBytes: number;
  load: { concurrency: number } | { ratePerS: number };
  length: { count: number } | { durationS: number };
  warmup: number;
  coldStart: ColdStart;
  /** Measured invocations that completed (failed requests included). */
  invocations: number;
  elapsedS: number;
  throughputPerS: number;
  /** Of the invocations that ran (failed requests excluded). */
  latencyUs: { min: number; mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
  errors: { functionErrors: number; firstFunctionError: string | null; failedRequests: number; firstFailedRequest: string | null };
  memory: MemoryReport;
  /** Per-second latency of the measured run. */
  timeline: SecondSummary[];
}

export interface RunSettings {
  functionName: string;
  via: Via;
  target: string;
  payloadBytes: number;
  shape: LoadShape;
  length: RunLength;
  warmup: number;
}

export function buildReport(settings: RunSettings, coldStart: ColdStart, recorder: RunRecorder, workers: WorkersAnswer): BenchReport {
  const h = recorder.latency;
  const us = (ns: number): number => Math.round(ns) / 1000;
  const elapsedS = recorder.elapsedSeconds();
  return {
    function: settings.functionName,
    via: settings.via,
    target: settings.target,
    payloadBytes: settings.payloadBytes,
    load: settings.shape.kind === 'concurrency' ? { concurrency: settings.shape.inFlight } : { ratePerS: settings.shape.perSecond },
    length: settings.length.kind === 'count' ? { count: settings.length.invocations } : { durationS: settings.length.seconds },
    warmup: settings.warmup,
    coldStart,
    invocations: recorder.completed,
    elapsedS,
    throughputPerS: elapsedS > 0 ? recorder.completed / elapsedS : 0,
    latencyUs: {
      min: h.count === 0 ? 0 : us(h.minNs),
      mean: us(h.meanNs()),
      p50: us(h.quantileNs(0.5)),
      p90: us(h.quantileNs(0.9)),
      p99: us(h.quantileNs(0.99)),
      p999: us(h.quantileNs(0.999)),
      max: us(h.maxNs),
    },
    errors: {
      functionErrors: recorder.functionErrors.count,
      firstFunctionError: recorder.functionErrors.firstMessage ?? null,
      failedRequests: recorder.failedRequests.count,
      firstFailedRequest: recorder.failedRequests.firstMessage ?? null,
    },
    memory: memoryOf(workers),
    timeline: recorder.timeline.seconds,
  };
}

function memoryOf(answer: WorkersAnswer): MemoryReport {
  if ('unavailable' in answer) return answer;
  const list = answer.workers.map((w: WorkerStatus) => ({ pid: w.pid ?? null, rssKb: w.rssKb ?? null, peakRssKb: w.peakRssKb ?? null }));
  return {
    workers: list,
    totalRssKb: list.reduce((sum, w) => sum + (w.rssKb ?? 0), 0),
    maxPeakRssKb: list.reduce((peak, w) => Math.max(peak, w.peakRssKb ?? 0), 0),
  };
}
