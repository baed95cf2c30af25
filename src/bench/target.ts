// What the benchmark drives: one function through one entry point, and the
// runtime's view of that function's workers (for cold start and memory).
// A target drives its own load (LoadDriver): call by call from TypeScript
// (http, api: see call-driver.ts) or in rounds timed in C (gg-invoke).
import type { EncodingType } from '../config/types';
import type { WorkerStatus } from '../control/status';
import type { LoadShape, RunLength } from './load-generator';
import type { InvokeOutcome } from './outcome';
import type { RunRecorder } from './recorder';

export type Via = 'http' | 'api' | 'gg-invoke';

/** The function's workers now, or why the runtime could not be asked. */
export type WorkersAnswer = { workers: WorkerStatus[] } | { unavailable: string };

/** The first invocation of a run, measured alone. */
export interface FirstCall {
  outcome: InvokeOutcome;
  latencyNs: number;
}

export interface LoadDriver {
  /** One invocation, before anything else reaches the function. */
  first(): Promise<FirstCall>;
  /** Unmeasured invocations, `inFlight` at a time. */
  warmUp(count: number, inFlight: number): Promise<void>;
  /** The measured run: every completion recorded (in time order); resolves when all completed. */
  drive(shape: LoadShape, length: RunLength, recorder: RunRecorder, startNs: bigint): Promise<void>;
}

export interface BenchTarget extends LoadDriver {
  readonly via: Via;
  /** Where the calls go, for the report ("http://127.0.0.1:3001", "TS API (group.json)"). */
  readonly where: string;
  /** The function's EncodingType when the target knows the function (json: payloads must be JSON). */
  readonly encoding: EncodingType | undefined;
  workers(): Promise<WorkersAnswer>;
  /** Release sockets, stop an in-process runtime. */
  close(): Promise<void>;
}
