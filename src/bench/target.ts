// What the benchmark drives: one function through one entry point, and the
// runtime's view of that function's workers (for cold start and memory).
import type { WorkerStatus } from '../control/status';
import type { Invoke } from './load-generator';

export type Via = 'http' | 'api';

/** The function's workers now, or why the runtime could not be asked. */
export type WorkersAnswer = { workers: WorkerStatus[] } | { unavailable: string };

export interface BenchTarget {
  readonly via: Via;
  /** Where the calls go, for the report ("http://127.0.0.1:3001", "TS API (group.json)"). */
  readonly where: string;
  readonly invoke: Invoke;
  workers(): Promise<WorkersAnswer>;
  /** Release sockets, stop an in-process runtime. */
  close(): Promise<void>;
}
