// The Worker interface: one implementation per protocol (the native channel
// for C executables now; Greengrass IPC and the Runtime API later). Pools and
// the scheduler only ever talk to this interface.
import type { FunctionSpec } from '../config/types';
import type { ServiceRequest, RequestStatus } from '../native/control';
import type { Invocation, Outcome } from './invocation';

export type WorkerState = 'starting' | 'ready' | 'stopping' | 'exited';

export interface WorkerHooks {
  /** The worker took results and has room for more queued invocations. */
  onCapacity(worker: Worker): void;
  /** An invocation could not finish at once: timeouts must now be watched. */
  onAwaiting(worker: Worker): void;
  /**
   * The worker is gone. `orphans` were accepted but never started; they are
   * safe to run elsewhere.
   */
  onExit(worker: Worker, orphans: Invocation[]): void;
  /** A service call from the function (invoke, publish, shadow, secrets). */
  onRequest(worker: Worker, request: ServiceRequest): void;
}

export interface Worker {
  readonly fn: FunctionSpec;
  readonly state: WorkerState;
  /** Invocations accepted and not yet finished. */
  readonly inFlight: number;
  /** Finished invocations so far (the sweeper uses it to see idleness). */
  readonly completions: number;
  /** Operating-system process id, once known. */
  readonly pid: number | undefined;
  /** The function's own process: `pid`, except in a container, where `pid` is the launcher's relay. */
  readonly functionPid: number | undefined;
  /** Date.now() when the worker process was spawned. */
  readonly spawnedAt: number;

  /**
   * Hand an invocation to the worker. Returns its outcome when it finished
   * at once (usually only when `spin` is true and the worker was idle), null when it
   * is accepted and will settle later, false when the worker cannot take it
   * now (full, stopping or gone).
   */
  submit(invocation: Invocation, spin: boolean): Outcome | null | false;
  /** Time out the running invocation if it is past its deadline. */
  checkDeadline(nowMs: number): void;
  /** Answer a service call. */
  reply(requestId: number, status: RequestStatus, payload: Uint8Array): void;
  /** Finish current work and exit; SIGKILL after graceMs. */
  stop(graceMs: number): Promise<void>;
}
