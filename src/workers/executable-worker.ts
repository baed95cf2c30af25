// A worker process running a C Lambda executable linked against csdk,
// reached through the native channel: invocations and results travel through
// shared-memory rings, everything else as control frames on a socketpair.
import net from 'node:net';
import type { FunctionSpec } from '../config/types';
import { nativeBinding, type ChannelHandle, type NativeBinding } from '../native/binding';
import { encodeFrame, FrameReader, RequestStatus, type Frame, type ServiceRequest } from '../native/control';
import { RESPONSE_PAYLOAD_LIMIT } from '../limits';
import type { WorkerCgroup } from '../isolation/runtime-cgroups';
import type { WorkerLog } from '../logs/worker-log';
import {
  ErrorTypes,
  exitedBeforeReady,
  exitedDuringInvocation,
  outOfMemory,
  handledError,
  protocolViolation,
  responseTooLarge,
  timedOut,
  workerStartFailed,
} from './failures';
import type { Invocation, Outcome } from './invocation';
import { isStartError, spawnWorker, type WorkerProcess } from './spawn-worker';
import type { Worker, WorkerHooks, WorkerState } from './worker';
import { functionPidOf, pipeOutput, signalGroup, stopProcess } from './worker-process';

/** Result status values (NLW_STATUS_* in native/wire/nlw_channel.h). */
const STATUS_SUCCESS = 0;
const STATUS_HANDLED = 1;
/** The handler's response was over the limit; payload: its size in decimal. */
const STATUS_TOO_LARGE = 2;
/** Service calls a worker may have unanswered at once; more get GG_REQUEST_AGAIN. */
const MAX_PENDING_REQUESTS = 64;
/** Reply bytes we buffer for a worker before we stop reading its requests. */
const MAX_UNREAD_REPLY_BYTES = 1024 * 1024;
/**
 * Results up to this size are copied into a slice of Node's Buffer pool
 * (Buffer.allocUnsafe serves sizes below 4 KB from its 8 KB slabs).
 */
const SMALL_RESULT_BYTES = 1024;
/** worker_state values (NLW_WORKER_*). */
const WORKER_READY = 1;
/** duration_ns saturates here (a handler that ran 4.29 s or longer): use host time. */
const DURATION_SATURATED = 0xffffffff;

export interface ExecutableWorkerOptions {
  launcherPath: string;
  /** The executable and its arguments as the launcher execs them (the path inside the container, in GreengrassContainer mode). */
  argv: string[];
  /** Environment of the function process (already complete). */
  env: NodeJS.ProcessEnv;
  /** Where the worker's stdout and stderr (pipes) and its invocations' START/END/REPORT lines go. */
  log: WorkerLog;
  /** Bytes of each ring; a power of two. */
  ringBytes: number;
  /** The worker's cgroups (the launcher joins them), when the machine has them. */
  cgroup?: WorkerCgroup;
  /** GreengrassContainer mode: the spawned process is the container's relay, not the function. */
  container?: boolean;
}

export class ExecutableWorker implements Worker {
  state: WorkerState = 'starting';
  completions = 0;
  pid: number | undefined;
  readonly spawnedAt = Date.now();

  private readonly native: NativeBinding;
  private readonly log: WorkerLog;
  private readonly cgroup: WorkerCgroup | undefined;
  private readonly container: boolean;
  /** Resolves when both output pipes closed. */
  private readonly outputClosed: Promise<void>;
  private readonly channel: ChannelHandle;
  private readonly socket: net.Socket;
  private readonly reader = new FrameReader();
  /** Accepted invocations in ring order; the head is the one running. */
  private readonly fifo: Invocation[] = [];
  /** channelTake's [id, status, duration_ns]. */
  private readonly meta = new Uint32Array(3);
  private smallResult = Buffer.allocUnsafe(SMALL_RESULT_BYTES);
  private nextId = 1;
  private pendingRequests = 0;
  private readonly exitPromise: Promise<void>;

  constructor(
    readonly fn: FunctionSpec,
    private readonly hooks: WorkerHooks,
    options: ExecutableWorkerOptions,
  ) {
    this.native = nativeBinding();
    this.log = options.log;
    this.cgroup = options.cgroup;
    this.container = options.container === true;
    const cgroup = this.cgroup;
    if (cgroup !== undefined) this.log.measurePeakWith(() => cgroup.peakKb());
    const opened = this.native.channelOpen(options.ringBytes);
    this.channel = opened.handle;
    let exited!: () => void;
    this.exitPromise = new Promise((resolve) => (exited = resolve));
    let child: WorkerProcess | undefined;
    try {
      // stdout and stderr are pipes read by the host, which owns the log file
      // (so rotating it is a rename, and a worker never holds it). Its own
      // session and process group, so that stopping the worker also stops
      // whatever the function forked.
      const spawnOptions = { env: options.env, shmFd: opened.shmFd, workerFd: opened.workerFd };
      child = spawnWorker(this.native, options.launcherPath, options.argv, spawnOptions, (code, signal) => {
        this.onExit(code, signal);
        exited();
      });
    } catch (error) {
      if (!isStartError(error)) {
        // Not the launcher's fault (ENOMEM, a bad argument): the caller's.
        this.native.closeFd(opened.hostFd);
        this.native.channelClose(this.channel);
        throw error;
      }
      // The launcher cannot be started (missing, not executable): the
      // invocations fail with that, once the pool holds this worker.
      process.nextTick(() => {
        this.onExit(null, null, `cannot start ${options.launcherPath}: ${error.message}`);
        exited();
      });
    } finally {
      // The child has its own copies now (or never will).
      this.native.closeFd(opened.shmFd);
      this.native.closeFd(opened.workerFd);
    }
    this.pid = child?.pid;
    this.log.spawned(this.pid);
    this.outputClosed = pipeOutput(child, this.log);
    this.socket = new net.Socket({ fd: opened.hostFd, readable: true, writable: true });
    this.socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    // A worker that does not read its replies must not make us buffer them
    // without bound: stop reading its requests until it catches up.
    this.socket.on('drain', () => this.socket.resume());
    // A dead peer shows up as the child's exit; socket errors add nothing.
    this.socket.on('error', () => undefined);
  }

  get functionPid(): number | undefined {
    return functionPidOf(this.pid, this.container);
  }

  get inFlight(): number {
    return this.fifo.length;
  }

  submit(invocation: Invocation, spin: boolean): Outcome | null | false {
    if (this.state === 'stopping' || this.state === 'exited') return false;
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    invocation.id = id;
    let accepted: boolean;
    try {
      accepted = this.native.channelSubmit(this.channel, id, invocation.payload, invocation.clientContext);
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw error;
      // The worker corrupted the ring: it is stopped, the invocation goes elsewhere.
      this.failProtocol((error as Error).message);
      return false;
    }
    if (!accepted) return false;
    this.fifo.push(invocation);
    if (this.fifo.length > 1) return null;
    this.log.started(invocation);
    // Without spinning, take() still arms the doorbell for this result.
    const result = this.take(spin);
    if (result !== undefined) return this.finishHead(result);
    // take() may have found a corrupt ring and stopped the worker.
    if ((this.state as WorkerState) === 'stopping') return null;
    invocation.startedAt = Date.now();
    this.hooks.onAwaiting(this);
    return null;
  }

  checkDeadline(nowMs: number): void {
    const head = this.fifo[0];
    if (!head || head.startedAt === 0 || this.state === 'exited') return;
    if (nowMs - head.startedAt < head.timeoutMs) return;
    // A result may be waiting behind a doorbell we have not read yet.
    this.drain();
    const stillHead = this.fifo[0];
    if (stillHead !== head) return;
    this.fifo.shift();
    // The last look at its memory before the kill, for the REPORT line.
    this.log.samplePeakRss();
    this.log.finished(head, this.hostDurationNs(head), ErrorTypes.timedOut);
    head.settle(timedOut(head.timeoutMs, this.log.requestIdOf(head)));
    this.terminate();
  }

  reply(requestId: number, status: RequestStatus, payload: Uint8Array): void {
    this.pendingRequests--;
    if (this.state === 'exited') return;
    this.send({ reply: { id: requestId, status, payload } });
  }

  stop(graceMs: number): Promise<void> {
    const alreadyStopping = this.state === 'exited' || this.state === 'stopping';
    if (!alreadyStopping) {
      this.state = 'stopping';
      this.send({ shutdown: {} });
    }
    return stopProcess(this.pid, graceMs, this.exitPromise, this.outputClosed, alreadyStopping);
  }

  /** Host-measured run time of an invocation that has no worker-measured one. */
  private hostDurationNs(invocation: Invocation): number {
    return invocation.startedAt > 0 ? Math.max(0, Date.now() - invocation.startedAt) * 1e6 : 0;
  }

  /** Kill at once (timeout or protocol violation); the exit handler cleans up. */
  private terminate(): void {
    if (this.state === 'exited') return;
    this.state = 'stopping';
    signalGroup(this.pid, 'SIGKILL');
  }

  /** Take one result for the head invocation and turn it into an outcome. */
  private finishHead(result: Buffer): Outcome {
    const head = this.fifo.shift()!;
    this.completions++;
    const meta = this.meta;
    const id = meta[0]!;
    const status = meta[1]!;
    if (id !== head.id) {
      this.terminate();
      this.log.finished(head, this.hostDurationNs(head), ErrorTypes.invalidResponse);
      return protocolViolation(`result for invocation ${id} while ${head.id} was running`, this.log.requestIdOf(head));
    }
    const durationNs = meta[2] !== DURATION_SATURATED ? meta[2]! : this.hostDurationNs(head);
    let outcome: Outcome;
    if (status === STATUS_SUCCESS && result.length <= RESPONSE_PAYLOAD_LIMIT) {
      this.log.finished(head, durationNs);
      outcome = { kind: 'success', payload: result };
    } else if (status === STATUS_HANDLED) {
      this.log.finished(head, durationNs);
      outcome = handledError(result);
    } else if (status === STATUS_SUCCESS || status === STATUS_TOO_LARGE) {
      this.log.finished(head, durationNs, ErrorTypes.responseTooLarge);
      const bytes = status === STATUS_SUCCESS ? result.length : Number(result.toString('latin1'));
      outcome = responseTooLarge(bytes, RESPONSE_PAYLOAD_LIMIT, this.log.requestIdOf(head));
    } else {
      this.terminate();
      this.log.finished(head, durationNs, ErrorTypes.invalidResponse);
      return protocolViolation(`unknown result status ${status}`, this.log.requestIdOf(head));
    }
    const next = this.fifo[0];
    if (next !== undefined) {
      next.startedAt = Date.now();
      this.log.started(next);
    }
    return outcome;
  }

  /** channelTake, with a corrupt ring turned into stopping the worker. */
  private take(spin: boolean): Buffer | undefined {
    if (this.state === 'exited') return undefined;
    let result: Buffer | number | undefined;
    try {
      result = this.native.channelTake(this.channel, this.meta, spin, this.smallResult);
    } catch (error) {
      this.failProtocol((error as Error).message);
      return undefined;
    }
    if (typeof result !== 'number') return result;
    // The result was copied into smallResult, a slice of Node's Buffer pool
    // (much cheaper than a Buffer of its own); hand it out, take a new one.
    const payload = this.smallResult.subarray(0, result);
    this.smallResult = Buffer.allocUnsafe(SMALL_RESULT_BYTES);
    return payload;
  }

  /** Take every result that is ready; the channel re-arms its doorbell. */
  private drain(): void {
    let took = false;
    while (this.fifo.length > 0) {
      const head = this.fifo[0]!;
      const result = this.take(false);
      if (result === undefined) break;
      head.settle(this.finishHead(result));
      took = true;
    }
    if (took && (this.state === 'ready' || this.state === 'starting')) this.hooks.onCapacity(this);
  }

  private onSocketData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.failProtocol((error as Error).message);
      return;
    }
    for (const frame of frames) {
      if (frame.doorbell) this.drain();
      else if (frame.request) this.onRequest(frame.request);
      else if (frame.hello) this.onHello();
      else this.failProtocol(`unexpected control frame ${Object.keys(frame).join(',')}`);
    }
  }

  private onRequest(request: ServiceRequest): void {
    if (this.pendingRequests >= MAX_PENDING_REQUESTS) {
      const message = `more than ${MAX_PENDING_REQUESTS} service calls of this worker are unanswered: try again`;
      this.send({ reply: { id: request.id, status: RequestStatus.Again, payload: Buffer.from(JSON.stringify({ errorMessage: message })) } });
      return;
    }
    this.pendingRequests++;
    this.hooks.onRequest(this, request);
  }

  private onHello(): void {
    if (this.state !== 'starting') return;
    this.state = 'ready';
    this.log.ready();
  }

  private failProtocol(detail: string): void {
    const head = this.fifo.shift();
    if (head !== undefined) {
      this.log.finished(head, this.hostDurationNs(head), ErrorTypes.invalidResponse);
      head.settle(protocolViolation(detail, this.log.requestIdOf(head)));
    }
    this.terminate();
  }

  private send(frame: Frame): void {
    if (this.socket.destroyed) return;
    this.socket.write(encodeFrame(frame));
    if (this.socket.writableLength > MAX_UNREAD_REPLY_BYTES) this.socket.pause();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, startError?: string): void {
    if (this.state === 'exited') return;
    // No new work from here on, not even from the final drain.
    this.state = 'stopping';
    // Results the worker published before dying are real results.
    if (startError === undefined) this.drain();
    const status = new Uint32Array(3);
    this.native.channelWorkerState(this.channel, status);
    const wasReady = status[0]! >= WORKER_READY;
    const busyId = status[1]!;
    this.state = 'exited';
    // Whatever the function forked goes with it.
    signalGroup(this.pid, 'SIGKILL');
    this.socket.destroy();
    this.native.channelClose(this.channel);

    // Max Memory Used from the cgroup, which outlives the process until removed.
    this.log.samplePeakRss();
    this.log.exited();
    const outOfMemoryKill = signal === 'SIGKILL' && this.cgroup?.oomKilled() === true;
    void this.cgroup?.remove().catch((error: Error) => process.emitWarning(error.message, { code: 'NANOLAMBDA_CGROUP' }));

    const orphans: Invocation[] = [];
    for (const invocation of this.fifo.splice(0)) {
      // Say what really failed: the launcher itself, or the function's start.
      if (startError !== undefined) this.fail(invocation, ErrorTypes.startError, (id) => workerStartFailed(new Error(startError), id));
      else if (!wasReady) this.fail(invocation, ErrorTypes.exit, (id) => exitedBeforeReady(code, signal, id));
      else if (invocation.id === busyId && outOfMemoryKill) {
        this.fail(invocation, ErrorTypes.outOfMemory, (id) => outOfMemory(this.cgroup?.limitBytes, id));
      } else if (invocation.id === busyId) this.fail(invocation, ErrorTypes.exit, (id) => exitedDuringInvocation(code, signal, id));
      else {
        // Never started: it runs elsewhere, under the same request id.
        this.log.requeued(invocation);
        orphans.push(invocation);
      }
    }
    this.hooks.onExit(this, orphans);
  }

  /** Settle an invocation with a platform failure, and end its log lines with it. */
  private fail(invocation: Invocation, errorType: string, outcome: (requestId: string) => Outcome): void {
    this.log.finished(invocation, this.hostDurationNs(invocation), errorType);
    invocation.settle(outcome(this.log.requestIdOf(invocation)));
  }
}
