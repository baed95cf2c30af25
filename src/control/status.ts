// What `nanolambda ps` shows: the runtime's functions, their workers and
// queues, as one JSON document served on the control socket.
import type { CloudBridgeStatus } from '../cloud/cloud-bridge';
import type { FunctionPool } from '../scheduler/function-pool';
import { readProcessMemory } from '../system/proc-memory';

export interface WorkerStatus {
  pid: number | undefined;
  state: string;
  /** Milliseconds since the worker was started. */
  ageMs: number;
  /** Invocations it finished. */
  invocations: number;
  inFlight: number;
  /** Resident memory now and at its peak, from /proc; undefined once gone. */
  rssKb: number | undefined;
  peakRssKb: number | undefined;
}

export interface FunctionStatus {
  name: string;
  arn: string;
  version: string;
  lifecycle: 'pinned' | 'on-demand';
  maxInstances: number;
  minWarm: number;
  /** Sync invocations (and routed messages) waiting for a worker, and the limit. */
  queued: number;
  maxQueueSize: number;
  /** Durable async events of this function: waiting, and running now. */
  events: { queued: number; inFlight: number };
  workers: WorkerStatus[];
}

export interface RuntimeStatus {
  pid: number;
  startedAt: string;
  group: string;
  workersInUse: number;
  maxConcurrentWorkers: number;
  functions: FunctionStatus[];
  /** Durable events of functions the group no longer has: kept, not run. */
  strandedEvents: Array<{ functionArn: string; queued: number }>;
  /** The upstream broker connection and its queue, when the group has one. */
  cloud?: CloudBridgeStatus;
  /** Where client devices connect, when the group runs the device broker. */
  mqtt?: { host: string; port: number };
}

export function poolStatus(pool: FunctionPool, events: { queued: number; inFlight: number }, nowMs: number): FunctionStatus {
  const { fn } = pool;
  return {
    name: fn.name,
    arn: fn.arn,
    version: fn.version,
    lifecycle: fn.pinned ? 'pinned' : 'on-demand',
    maxInstances: fn.maxInstances,
    minWarm: fn.minWarm,
    queued: pool.queued,
    maxQueueSize: fn.maxQueueSize,
    events,
    workers: pool.workers.map((worker) => {
      const pid = worker.functionPid;
      const memory = pid === undefined ? undefined : readProcessMemory(pid);
      return {
        pid: worker.pid,
        state: worker.state,
        ageMs: nowMs - worker.spawnedAt,
        invocations: worker.completions,
        inFlight: worker.inFlight,
        rssKb: memory?.rssKb,
        peakRssKb: memory?.peakRssKb,
      };
    }),
  };
}
