// One benchmark run against a target: the first invocation alone (cold
// start), the warm-up, the measured run (with a progress bar when asked),
// then the workers' memory; the figures come back as a BenchReport.
import { UsageError } from '../cli/cli-error';
import type { HistogramBucket } from './histogram';
import type { LoadShape, RunLength } from './load-generator';
import { ProgressBar } from './progress';
import { RunRecorder } from './recorder';
import { buildReport, type BenchReport, type ColdStart } from './report';
import type { BenchTarget } from './target';
import type { TimedSample } from './timeline';

export interface RunPlan {
  functionName: string;
  payloadBytes: number;
  shape: LoadShape;
  length: RunLength;
  warmup: number;
  /** Where to draw a progress bar, if anywhere. */
  progress: NodeJS.WriteStream | undefined;
}

export interface RunResult {
  report: BenchReport;
  /** For the SVG: the latency histogram and the sampled (time, latency) points. */
  buckets: HistogramBucket[];
  samples: TimedSample[];
}

export async function runBench(target: BenchTarget, plan: RunPlan): Promise<RunResult> {
  const coldStart = await firstInvocation(target);
  await target.warmUp(plan.warmup, plan.shape.kind === 'concurrency' ? plan.shape.inFlight : 1);

  const startNs = process.hrtime.bigint();
  const recorder = new RunRecorder(startNs);
  const bar = plan.progress && new ProgressBar(plan.progress, progressOf(plan.length, recorder, startNs));
  bar?.start();
  try {
    await target.drive(plan.shape, plan.length, recorder, startNs);
  } finally {
    bar?.stop();
  }
  recorder.finish();

  const workers = await target.workers();
  const report = buildReport(
    { functionName: plan.functionName, via: target.via, target: target.where, payloadBytes: plan.payloadBytes, shape: plan.shape, length: plan.length, warmup: plan.warmup },
    coldStart,
    recorder,
    workers,
  );
  return { report, buckets: recorder.latency.buckets(), samples: recorder.timeline.samples };
}

/**
 * Measured alone, before anything else reaches the function. A request that
 * fails here (no such function, refused signature, nothing listening) would
 * fail every time: the run stops with the API's message.
 */
async function firstInvocation(target: BenchTarget): Promise<ColdStart> {
  const before = await target.workers();
  const workerExisted = 'workers' in before ? before.workers.length > 0 : null;
  const { outcome, latencyNs } = await target.first();
  if (outcome.kind === 'failed') throw new UsageError(outcome.message, false);
  return {
    latencyUs: latencyNs / 1000,
    workerExisted,
    outcome: outcome.kind,
    ...(outcome.kind === 'function-error' ? { message: outcome.message } : {}),
  };
}

function progressOf(length: RunLength, recorder: RunRecorder, startNs: bigint): { fraction(): number; completed(): number } {
  return {
    fraction: () =>
      length.kind === 'count'
        ? recorder.completed / length.invocations
        : Number(process.hrtime.bigint() - startNs) / 1e9 / length.seconds,
    completed: () => recorder.completed,
  };
}
