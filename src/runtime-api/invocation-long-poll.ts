// GET /runtime/invocation/next: a runtime parks the request until its worker
// has an invocation for it. At most one nextWork() call is outstanding, so a
// runtime that disconnects and comes back waits on the same call rather than
// making the worker hand out a second item. An item whose runtime went away
// before it could be written is not lost: the worker still holds it as
// running and gives it again to the next /next (its contract), with the same
// trace id here.
import type { ServerResponse } from 'node:http';
import type { ComponentLog } from '../logs/system-log';
import { invocationHeaders, newTraceId } from './invocation-headers';
import { RuntimeApiErrorTypes, sendRuntimeApiError } from './runtime-api-replies';
import type { RuntimeApiWorker, RuntimeWorkItem } from './runtime-worker';

export class InvocationLongPoll {
  /** The runtime's parked /next, while its connection is open. */
  private waiting: ServerResponse | undefined;
  /** A nextWork() call is outstanding. */
  private polling = false;
  /** The last item handed out, so a re-delivery keeps its trace id. */
  private lastGiven: { requestId: string; traceId: string } | undefined;
  private closed = false;

  constructor(
    private readonly worker: RuntimeApiWorker,
    private readonly log: ComponentLog,
  ) {}

  /** A runtime asks for its next invocation. */
  accept(res: ServerResponse): void {
    if (this.closed) {
      sendRuntimeApiError(res, 500, RuntimeApiErrorTypes.internal, 'the Runtime API is closing: the runtime should exit');
      return;
    }
    const previous = this.waiting;
    if (previous !== undefined) {
      // One runtime, one /next at a time. The newer request wins: a runtime
      // that lost its connection and asks again must not be refused because
      // the server has not yet seen the old connection close. The older one,
      // if anyone still reads it, gets Lambda's state-transition refusal.
      sendRuntimeApiError(
        previous,
        403,
        RuntimeApiErrorTypes.invalidStateTransition,
        'State transition from Ready to Ready failed for runtime. Error: a newer /runtime/invocation/next request took this one\'s place',
      );
    }
    this.waiting = res;
    res.once('close', () => {
      if (this.waiting === res) this.waiting = undefined;
    });
    if (!this.polling) this.poll();
  }

  /** Stop handing out work; a parked request is left for the server to close. */
  close(): void {
    this.closed = true;
    this.waiting = undefined;
  }

  private poll(): void {
    this.polling = true;
    this.worker.nextWork().then(
      (item) => {
        this.polling = false;
        this.hand(item);
      },
      (error: unknown) => {
        this.polling = false;
        this.log.error(`the worker of ${this.worker.fn.arn} failed to give the next invocation: ${(error as Error)?.message ?? String(error)}`);
        this.refuseWaiting();
      },
    );
  }

  private hand(item: RuntimeWorkItem | undefined): void {
    if (this.closed) return;
    if (item === undefined) {
      this.refuseWaiting();
      return;
    }
    const res = this.waiting;
    this.waiting = undefined;
    if (res === undefined) {
      this.log.debug(`invocation ${item.requestId} of ${this.worker.fn.arn} is kept for the runtime's next /next: its previous one disconnected`);
      return;
    }
    const traceId = this.lastGiven?.requestId === item.requestId ? this.lastGiven.traceId : newTraceId();
    this.lastGiven = { requestId: item.requestId, traceId };
    let headers: Record<string, string>;
    try {
      headers = invocationHeaders(item, this.worker.fn.arn, traceId);
      if (item.clientContext && headers['Lambda-Runtime-Client-Context'] === undefined) {
        this.log.warn(`invocation ${item.requestId} of ${this.worker.fn.arn}: its client context is not JSON and cannot be sent in a header; the runtime gets none`);
      }
      res.writeHead(200, { ...headers, 'Content-Length': item.payload.length });
    } catch (error) {
      // A header value Node refuses (a malformed request id from a bug upstream): say so, keep serving.
      this.log.error(`cannot give invocation ${item.requestId} of ${this.worker.fn.arn} to its runtime: ${(error as Error).message}`);
      sendRuntimeApiError(res, 500, RuntimeApiErrorTypes.internal, 'Internal Server Error');
      return;
    }
    res.end(item.payload);
  }

  /** The worker has nothing more to give (stopping) or failed: the runtime should exit, as RIE tells it with a 500. */
  private refuseWaiting(): void {
    const res = this.waiting;
    this.waiting = undefined;
    if (res !== undefined) sendRuntimeApiError(res, 500, RuntimeApiErrorTypes.internal, 'the worker is stopping: no more invocations; the runtime should exit');
  }
}
