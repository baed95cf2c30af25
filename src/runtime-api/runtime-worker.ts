// What the Runtime API server needs from the worker it serves: the part of
// ProcessWorker's contract (issue 7 design) that a custom runtime drives.
// Declared here, structurally, so the server depends on the contract and not
// on the worker's class; ProcessWorker satisfies it as it is.
import type { FunctionSpec } from '../config/types';
import type { Outcome } from '../workers/invocation';

/** One invocation as the worker hands it out (ProcessWorker's WorkItem). */
export interface RuntimeWorkItem {
  /** Lambda's request id (a UUID): Lambda-Runtime-Aws-Request-Id. */
  requestId: string;
  payload: Buffer;
  /** base64 JSON of the client context as the invoker gave it, or undefined. */
  clientContext: string | undefined;
  /** Epoch milliseconds by which the invocation must finish (Lambda-Runtime-Deadline-Ms). */
  deadlineMs: number;
}

export interface RuntimeApiWorker {
  /** `arn` becomes Lambda-Runtime-Invoked-Function-Arn. */
  readonly fn: Pick<FunctionSpec, 'arn'>;
  /** The worker's process (the launcher's): only it and its descendants may connect. */
  readonly pid: number | undefined;
  /**
   * Long-poll for the next invocation; undefined once the worker is stopping.
   * Called again before complete(), it gives the running invocation again.
   */
  nextWork(): Promise<RuntimeWorkItem | undefined>;
  /** The runtime's answer; false (nothing changed) when requestId is not the running invocation's. */
  complete(requestId: string, outcome: Outcome): boolean;
  /** The runtime could not initialise: the running/next invocation gets `outcome`, the worker stops. */
  initFailed(outcome: Outcome): void;
}
