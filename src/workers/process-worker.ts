// A worker process running a runtime program (nanolambda's Python or
// Node.js runtime, or a custom runtime's bootstrap) instead of a C
// executable: it asks for work over HTTP (the Greengrass IPC or the Lambda
// Runtime API, src/ipc and src/runtime-api), which call nextWork() and
// complete() here. Everything else is as for executables: the launcher, its
// isolation and cgroups, the function's log, timeouts and exits.
//
// One invocation at a time, as the pools schedule. The worker is ready when
// its runtime first asks for work (it has initialised); an invocation given
// to a worker still starting waits for that, and the worker is killed if its
// runtime does not ask within INIT_TIMEOUT_MS (holding work or not). An
// invocation its runtime does not take within its timeout (a runtime that
// answered and then hung) times out as if it had run.
import fs from 'node:fs';
import type { FunctionSpec } from '../config/types';
import type { RequestStatus } from '../native/control';
import { nativeBinding } from '../native/binding';
import type { WorkerCgroup } from '../isolation/runtime-cgroups';
import { RESPONSE_PAYLOAD_LIMIT } from '../limits';
import type { WorkerLog } from '../logs/worker-log';
import {
  ErrorTypes,
  exitedBeforeReady,
  exitedDuringInvocation,
  initTimedOut,
  outOfMemory,
  responseTooLarge,
  timedOut,
  workerStartFailed,
} from './failures';
import type { Invocation, Outcome } from './invocation';
import { isStartError, spawnWorker, type WorkerProcess } from './spawn-worker';
import type { Worker, WorkerHooks, WorkerState } from './worker';
import { functionPidOf, pipeOutput, signalGroup, stopProcess } from './worker-process';

/** Lambda's limit on a runtime's initialisation (its INIT phase). */
export const INIT_TIMEOUT_MS = 10_000;

export interface WorkItem {
  /** Lambda's request id (a UUID): X-Amz-InvocationId, Lambda-Runtime-Aws-Request-Id, context.aws_request_id. */
  requestId: string;
  payload: Buffer;
  /** base64 JSON of the client context as the invoker gave it, or undefined. */
  clientContext: string | undefined;
  /** Epoch milliseconds by which the invocation must finish. */
  deadlineMs: number;
}

export interface ProcessWorkerOptions {
  launcherPath: string;
  /** The program and its arguments, as the launcher execs them (paths inside the container in GreengrassContainer mode). */
  argv: string[];
  /** Environment of the function process (already complete, but for what `prepare` adds). */
  env: NodeJS.ProcessEnv;
  /**
   * What must exist before the process does (a Runtime API server listening
   * for it): variables to add to its environment. The process starts once
   * this resolves; a rejection fails the worker's start.
   */
  prepare?: (worker: ProcessWorker) => Promise<Record<string, string>>;
  log: WorkerLog;
  cgroup?: WorkerCgroup;
  container?: boolean;
}

export class ProcessWorker implements Worker {
  state: WorkerState = 'starting';
  completions = 0;
  pid: number | undefined;
  readonly spawnedAt = Date.now();

  private readonly log: WorkerLog;
  private readonly cgroup: WorkerCgroup | undefined;
  private readonly container: boolean;
  private readonly exitPromise: Promise<void>;
  private exited!: () => void;
  private outputClosed: Promise<void> = Promise.resolve();
  /** The invocation this worker holds, when it was given it, and whether its runtime has taken it. */
  private current: { invocation: Invocation; acceptedAt: number; item: WorkItem | undefined } | undefined;
  /** Stops a runtime that never asks for work (pinned and MinWarm workers too, which may hold nothing). */
  private initTimer: NodeJS.Timeout | undefined;
  /** The runtime's requests for work, waiting for an invocation. */
  private readonly waiters: Array<(item: WorkItem | undefined) => void> = [];

  constructor(
    readonly fn: FunctionSpec,
    private readonly hooks: WorkerHooks,
    private readonly options: ProcessWorkerOptions,
  ) {
    this.log = options.log;
    this.cgroup = options.cgroup;
    this.container = options.container === true;
    const cgroup = this.cgroup;
    if (cgroup !== undefined) this.log.measurePeakWith(() => cgroup.peakKb());
    this.exitPromise = new Promise((resolve) => (this.exited = resolve));
    this.initTimer = setTimeout(() => this.initTimedOut(), INIT_TIMEOUT_MS);
    this.initTimer.unref();
    if (options.prepare === undefined) {
      this.spawn({});
      return;
    }
    options.prepare(this).then(
      (extra) => {
        if (this.state === 'stopping' || this.state === 'exited') return this.startFailed('the worker was stopped before its process started');
        try {
          this.spawn(extra);
        } catch (error) {
          this.startFailed((error as Error).message);
        }
      },
      (error: Error) => this.startFailed(error.message),
    );
  }

  private spawn(extraEnv: Record<string, string>): void {
    const { options } = this;
    let child: WorkerProcess | undefined;
    // No native channel: the launcher gets /dev/null where a channel would be (NANOLAMBDA_CHANNEL=none).
    const nothing = fs.openSync('/dev/null', 'r');
    try {
      const env = { ...options.env, ...extraEnv, NANOLAMBDA_CHANNEL: 'none' };
      child = spawnWorker(nativeBinding(), options.launcherPath, options.argv, { env, shmFd: nothing, workerFd: nothing }, (code, signal) => {
        this.onExit(code, signal);
        this.exited();
      });
    } catch (error) {
      if (!isStartError(error)) throw error;
      process.nextTick(() => this.startFailed(`cannot start ${options.launcherPath}: ${error.message}`));
    } finally {
      fs.closeSync(nothing);
    }
    this.pid = child?.pid;
    this.log.spawned(this.pid);
    this.outputClosed = pipeOutput(child, this.log);
  }

  private startFailed(reason: string): void {
    this.onExit(null, null, reason);
    this.exited();
  }

  get functionPid(): number | undefined {
    return functionPidOf(this.pid, this.container);
  }

  get inFlight(): number {
    return this.current === undefined ? 0 : 1;
  }

  submit(invocation: Invocation, _spin: boolean): Outcome | null | false {
    if (this.state === 'stopping' || this.state === 'exited' || this.current !== undefined) return false;
    this.current = { invocation, acceptedAt: Date.now(), item: undefined };
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.handOut());
    // Watched from now on: its timeout once it runs, the runtime's start before that.
    this.hooks.onAwaiting(this);
    return null;
  }

  /**
   * The runtime asks for work (a long poll): the next invocation, or
   * undefined once the worker is stopping. Asking again before answering
   * gets the same invocation (a runtime that retried its request).
   */
  nextWork(): Promise<WorkItem | undefined> {
    if (this.state === 'stopping' || this.state === 'exited') return Promise.resolve(undefined);
    if (this.state === 'starting') {
      this.state = 'ready';
      clearTimeout(this.initTimer);
      this.log.ready();
    }
    if (this.current !== undefined) return Promise.resolve(this.current.item ?? this.handOut());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The runtime's answer for the running invocation; false (nothing changes) when `requestId` is not its. */
  complete(requestId: string, outcome: Outcome): boolean {
    const current = this.current;
    if (current?.item === undefined || current.item.requestId !== requestId) return false;
    this.current = undefined;
    this.completions++;
    const { invocation } = current;
    if (outcome.kind === 'success' && outcome.payload.length > RESPONSE_PAYLOAD_LIMIT) {
      this.log.finished(invocation, this.runNs(invocation), ErrorTypes.responseTooLarge);
      invocation.settle(responseTooLarge(outcome.payload.length, RESPONSE_PAYLOAD_LIMIT, requestId));
    } else {
      this.log.finished(invocation, this.runNs(invocation));
      invocation.settle(outcome);
    }
    if (this.state === 'ready') this.hooks.onCapacity(this);
    return true;
  }

  /** The runtime could not initialise: the invocation it holds fails with `outcome`, and the worker goes. */
  initFailed(outcome: Outcome): void {
    const current = this.current;
    if (current !== undefined) {
      this.current = undefined;
      this.log.finished(current.invocation, this.runNs(current.invocation), ErrorTypes.exit);
      current.invocation.settle(outcome);
    }
    this.terminate();
  }

  /** A line from the runtime itself (the IPC's local logs) into the function's log. */
  logLine(text: string): void {
    this.log.output(Buffer.from(text.endsWith('\n') ? text : `${text}\n`));
  }

  checkDeadline(nowMs: number): void {
    const current = this.current;
    if (current === undefined || this.state === 'exited') return;
    const { invocation } = current;
    if (current.item === undefined) {
      // Not taken yet: a runtime still starting may not take forever, and
      // one that answered and never asked again is as good as hung.
      if (this.state === 'starting' && nowMs - this.spawnedAt >= INIT_TIMEOUT_MS) {
        this.initTimedOut();
      } else if (this.state === 'ready' && nowMs - current.acceptedAt >= invocation.timeoutMs) {
        this.current = undefined;
        this.log.finished(invocation, 0, ErrorTypes.timedOut);
        invocation.settle(timedOut(invocation.timeoutMs, this.log.requestIdOf(invocation)));
        this.terminate();
      }
      return;
    }
    if (nowMs - invocation.startedAt < invocation.timeoutMs) return;
    this.current = undefined;
    this.log.samplePeakRss();
    this.log.finished(invocation, this.runNs(invocation), ErrorTypes.timedOut);
    invocation.settle(timedOut(invocation.timeoutMs, this.log.requestIdOf(invocation)));
    this.terminate();
  }

  /** The runtime never asked for work: what waited for it fails with Runtime.InitTimeout, and the worker goes. */
  private initTimedOut(): void {
    if (this.state !== 'starting') return;
    const current = this.current;
    if (current !== undefined) {
      this.current = undefined;
      this.log.finished(current.invocation, 0, ErrorTypes.initTimedOut);
      current.invocation.settle(initTimedOut(INIT_TIMEOUT_MS, this.log.requestIdOf(current.invocation)));
    }
    this.logLine(`nanolambda: the runtime did not ask for work within ${INIT_TIMEOUT_MS / 1000} seconds of starting: stopped`);
    this.terminate();
  }

  /** Service calls of these runtimes are answered over HTTP by their servers, never through here. */
  reply(_requestId: number, _status: RequestStatus, _payload: Uint8Array): void {}

  stop(graceMs: number): Promise<void> {
    const alreadyStopping = this.state === 'exited' || this.state === 'stopping';
    if (!alreadyStopping) {
      this.state = 'stopping';
      this.endWaiters();
    }
    return stopProcess(this.pid, graceMs, this.exitPromise, this.outputClosed, alreadyStopping);
  }

  /** The held invocation, now given to the runtime. */
  private handOut(): WorkItem {
    const current = this.current!;
    const { invocation } = current;
    invocation.startedAt = Date.now();
    this.log.started(invocation);
    current.item = {
      requestId: this.log.requestIdOf(invocation),
      payload: Buffer.from(invocation.payload.buffer, invocation.payload.byteOffset, invocation.payload.byteLength),
      clientContext: invocation.clientContext === null ? undefined : Buffer.from(invocation.clientContext).toString('latin1'),
      deadlineMs: invocation.startedAt + invocation.timeoutMs,
    };
    return current.item;
  }

  private runNs(invocation: Invocation): number {
    return invocation.startedAt > 0 ? Math.max(0, Date.now() - invocation.startedAt) * 1e6 : 0;
  }

  private endWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Kill at once (a timeout, a failed start); the exit handler cleans up. */
  private terminate(): void {
    if (this.state === 'exited') return;
    this.state = 'stopping';
    this.endWaiters();
    signalGroup(this.pid, 'SIGKILL');
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startError?: string): void {
    if (this.state === 'exited') return;
    const wasReady = this.state === 'ready' || this.completions > 0 || this.current?.item !== undefined;
    this.state = 'exited';
    clearTimeout(this.initTimer);
    this.endWaiters();
    signalGroup(this.pid, 'SIGKILL');
    this.log.samplePeakRss();
    this.log.exited();
    const outOfMemoryKill = signal === 'SIGKILL' && this.cgroup?.oomKilled() === true;
    void this.cgroup?.remove().catch((error: Error) => process.emitWarning(error.message, { code: 'NANOLAMBDA_CGROUP' }));

    const orphans: Invocation[] = [];
    const current = this.current;
    this.current = undefined;
    if (current !== undefined) {
      const { invocation, item } = current;
      const fail = (errorType: string, outcome: (id: string) => Outcome) => {
        this.log.finished(invocation, this.runNs(invocation), errorType);
        invocation.settle(outcome(this.log.requestIdOf(invocation)));
      };
      if (startError !== undefined) fail(ErrorTypes.startError, (id) => workerStartFailed(new Error(startError), id));
      else if (!wasReady) fail(ErrorTypes.exit, (id) => exitedBeforeReady(code, signal, id, 'its function log says why: a handler that does not load, a bootstrap that fails'));
      else if (item !== undefined && outOfMemoryKill) fail(ErrorTypes.outOfMemory, (id) => outOfMemory(this.cgroup?.limitBytes, id));
      else if (item !== undefined) fail(ErrorTypes.exit, (id) => exitedDuringInvocation(code, signal, id));
      else {
        // Never taken by the runtime: it runs elsewhere, under the same request id.
        this.log.requeued(invocation);
        orphans.push(invocation);
      }
    }
    this.hooks.onExit(this, orphans);
  }
}
