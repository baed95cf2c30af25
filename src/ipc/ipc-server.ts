// The Greengrass V1 IPC server (greengrass-v1.md §2): HTTP/1.1 on loopback,
// one per runtime, through which Python and Node.js workers get their work,
// answer it, log, and call the core's services (invoke, publish, shadow,
// secrets). Every request carries its worker's token (Authorization, raw):
// the token names the worker and so the function, and a worker may only
// take and answer its own function's work.
//
// Answers (a refusal is always a JSON {"errorType","errorMessage"}):
//   401 no token, or one no running worker holds     403 another function's work
//   400 malformed request                            404 unknown path, invocation or result
//   405 wrong method                                 413 body over its limit
//   429 too much at once, or a publish AllOrError that some subscriber could not take now
//   503 the runtime is stopping                      500 a bug
// A malicious worker can waste its own time, never the runtime's memory:
// bodies, headers, polls, requests in progress and held results are bounded.
// Nor can it lock the other functions out: connections that send no request
// close within seconds, and the connection cap is far above what all the
// workers need (connection-cap.ts).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readBody } from '../api/request-body';
import { NanolambdaError } from '../errors';
import { RESPONSE_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT } from '../limits';
import type { ComponentLog } from '../logs/system-log';
import type { ServiceAnswer, ServiceCalls } from '../services/service-calls';
import { responseTooLarge } from '../workers/failures';
import type { Outcome } from '../workers/invocation';
import { AUTHORIZATION, CLIENT_CONTEXT, DEADLINE_MS, FUNCTION_ERROR, headerValue, INVOCATION_ID, INVOCATION_TYPE } from './ipc-headers';
import { ipcConnectionCap } from './connection-cap';
import { badRequest, IpcError, ipcErrorFrom, notFound, tooManyRequests } from './ipc-error';
import { parseInitReport } from './init-report';
import type { IpcWorker, WorkItem } from './ipc-worker';
import { logMessages, MAX_LOG_BODY_BYTES } from './log-events';
import { PendingResults, type ResultLimits } from './pending-results';
import { postWork } from './post-work';
import { matchRoute, type IpcRoute } from './ipc-route';
import { newWorkerToken, WORKER_TOKEN, WorkerRegistration } from './worker-registration';

export { newWorkerToken } from './worker-registration';

export interface IpcServerOptions {
  /** 127.0.0.1: workers reach it on loopback (in a container too: they share the host's network). */
  host: string;
  /** 0 picks a free port (see `port`). */
  port: number;
  /** The runtime's service operations (the same the C channel uses). */
  services: ServiceCalls;
  log: ComponentLog;
  /** Bounds on results kept for callers; defaults in DEFAULT_RESULT_LIMITS. */
  results?: Partial<ResultLimits>;
}

export const DEFAULT_RESULT_LIMITS: ResultLimits = {
  /** A function's SDK fetches each result right after posting: a hundred outstanding is a leak, not a workload. */
  perCaller: 100,
  /** Long enough for a caller that was busy; short enough that forgotten results do not pile up. */
  ttlMs: 60_000,
  /** About ten 6 MB responses. */
  maxBytes: 64 * 1024 * 1024,
};

/** Requests with a body a worker may have in progress at once (bounds what it makes us hold). */
export const MAX_BUSY_PER_WORKER = 8;
/** Long polls for work a worker may have open at once (a runtime needs one). */
export const MAX_POLLS_PER_WORKER = 4;
/** An init report is a line of JSON. */
const MAX_INIT_BODY_BYTES = 64 * 1024;
/**
 * A connection must have sent a request's headers this soon after it opened
 * or began the request: one that sends nothing, or dribbles, is closed, so
 * that idle sockets cannot pile up to the connection cap (an idle kept-alive
 * one goes after KEEP_ALIVE_TIMEOUT_MS). A long poll is not touched: it sent
 * its request, only its answer waits.
 */
export const HEADERS_TIMEOUT_MS = 5_000;
/** How often Node checks for connections past HEADERS_TIMEOUT_MS (its default, 30 s, would let them live that long). */
const CONNECTIONS_CHECK_MS = 1_000;
/** A whole request (a body of at most 6 MB, on loopback) must have arrived this soon. */
const REQUEST_TIMEOUT_MS = 60_000;
/** An idle kept-alive connection lives this long (Node's default): as short as one that never sent anything. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Node's default, stated: an ARN and a client context fit many times over. */
const MAX_HEADER_BYTES = 16 * 1024;

const EMPTY = Buffer.alloc(0);

export class IpcServer {
  private readonly byToken = new Map<string, WorkerRegistration>();
  private readonly byWorker = new Map<IpcWorker, WorkerRegistration>();
  /** Requests held open (polls, result waits), by the worker that made them: closed when it goes. */
  private readonly held = new Map<ServerResponse, WorkerRegistration>();
  private readonly results: PendingResults;
  private readonly resultLimits: ResultLimits;
  private closing = false;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly options: IpcServerOptions,
  ) {
    this.resultLimits = { ...DEFAULT_RESULT_LIMITS, ...options.results };
    this.results = new PendingResults(this.resultLimits, (id, arn, why) =>
      options.log.warn(`dropped the result of invocation ${id} of ${arn}: ${why}`),
    );
  }

  static async start(options: IpcServerOptions): Promise<IpcServer> {
    // Bound the time to send a request (a slow client holds a connection); a held answer (a long poll) is not bounded.
    const server = http.createServer({
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
    });
    // Shared by every function: far above what workers need, so one function cannot lock the others out.
    server.maxConnections = ipcConnectionCap();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const ipc = new IpcServer(server, (server.address() as AddressInfo).port, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => ipc.handle(req, res));
    return ipc;
  }

  /**
   * Bind a token to `worker` and its function, and return it (the same token
   * if the worker is registered already). A worker's process needs its token
   * in its environment before it starts, which is before the worker object
   * exists: make one with newWorkerToken(), start the worker with it, and
   * register the worker with it before the event loop turns (no request can
   * come in between).
   */
  register(worker: IpcWorker, token: string = newWorkerToken()): string {
    const known = this.byWorker.get(worker);
    if (known !== undefined) return known.token;
    if (!WORKER_TOKEN.test(token)) throw new NanolambdaError('INVALID_PARAMETER', 'a worker token must be 64 hex digits, as newWorkerToken() makes');
    if (this.byToken.has(token)) throw new NanolambdaError('INVALID_PARAMETER', 'this token is registered to another worker already');
    const registration = new WorkerRegistration(worker, token, this.options.log);
    this.byToken.set(registration.token, registration);
    this.byWorker.set(worker, registration);
    return registration.token;
  }

  /** The worker is gone: its token stops working, its held requests close, its results are dropped. */
  unregister(worker: IpcWorker): void {
    const registration = this.byWorker.get(worker);
    if (registration === undefined) return;
    this.byWorker.delete(worker);
    this.byToken.delete(registration.token);
    registration.close();
    this.results.dropOwner(registration);
    for (const [res, owner] of this.held) {
      if (owner !== registration) continue;
      this.held.delete(res);
      res.destroy();
    }
  }

  /** Stop listening and close every connection (held polls too). */
  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    for (const registration of this.byToken.values()) registration.close();
    this.byToken.clear();
    this.byWorker.clear();
    this.held.clear();
    this.results.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let registration: WorkerRegistration;
    let route: IpcRoute;
    try {
      // Before routing: a caller without a token learns nothing, not even a 404.
      registration = this.authenticate(req);
      route = matchRoute(req.method ?? 'GET', req.url ?? '/');
    } catch (error) {
      this.refuse(req, res, ipcErrorFrom(error));
      return;
    }
    try {
      switch (route.operation) {
        case 'postWork':
          return this.postWork(registration, route.arn, req, res);
        case 'getResult':
          return this.getResult(registration, route.arn, req, res);
        case 'getWork':
          return this.getWork(registration, route.arn, req, res);
        case 'postResult':
          return this.postResult(registration, route.arn, req, res);
        case 'initialized':
          return this.initialized(registration, route.arn, req, res);
        case 'logs':
          return this.logs(registration, req, res);
      }
    } catch (error) {
      this.refuse(req, res, ipcErrorFrom(error));
    }
  }

  private authenticate(req: IncomingMessage): WorkerRegistration {
    const token = headerValue(req.headers, AUTHORIZATION);
    if (token === undefined || token === '') {
      throw new IpcError(401, 'Unauthorized', 'no Authorization header: send the worker\'s AWS_CONTAINER_AUTHORIZATION_TOKEN as it is');
    }
    const registration = WORKER_TOKEN.test(token) ? this.byToken.get(token) : undefined;
    if (registration === undefined) {
      throw new IpcError(401, 'Unauthorized', 'the Authorization token is not one this runtime gave to a running worker (AWS_CONTAINER_AUTHORIZATION_TOKEN)');
    }
    return registration;
  }

  private postWork(registration: WorkerRegistration, targetArn: string, req: IncomingMessage, res: ServerResponse): void {
    const type = headerValue(req.headers, INVOCATION_TYPE) || 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event') {
      throw badRequest(`X-Amz-Invocation-Type ${JSON.stringify(type.slice(0, 64))} is not RequestResponse or Event`);
    }
    const event = type === 'Event';
    if (!event && !this.results.hasRoomFor(registration)) {
      throw tooManyRequests(
        `${this.resultLimits.perCaller} results of calls by ${registration.worker.fn.arn} are not fetched yet, the most it may have: ` +
          'fetch them (GET /2016-11-01/functions/<ARN> with X-Amz-InvocationId) before posting more',
      );
    }
    this.withBody(registration, req, res, SYNC_PAYLOAD_LIMIT, `the payload exceeds ${SYNC_PAYLOAD_LIMIT} bytes`, async (payload) => {
      const posted = await postWork(this.options.services, {
        caller: registration.worker.fn,
        targetArn,
        event,
        clientContext: headerValue(req.headers, CLIENT_CONTEXT),
        payload,
      });
      let id: string;
      if (event) id = ('answer' in posted ? posted.answer.requestId : undefined) ?? randomUUID();
      else id = this.results.add(registration, targetArn, 'answer' in posted ? posted.answer : posted.pending);
      this.send(res, 202, EMPTY, { [INVOCATION_ID]: id });
    });
  }

  private getResult(registration: WorkerRegistration, targetArn: string, req: IncomingMessage, res: ServerResponse): void {
    const id = headerValue(req.headers, INVOCATION_ID);
    if (id === undefined || id === '') throw badRequest('getting a result needs the X-Amz-InvocationId the POST answered');
    const stop = this.results.take(registration, targetArn, id, (answer) => this.sendResult(res, id, answer));
    if (stop === undefined) {
      throw notFound(
        `no result of invocation ${JSON.stringify(id.slice(0, 64))} of ${targetArn.slice(0, 300)} is waiting for this function: ` +
          'it was never posted by it, was fetched already, or was dropped unfetched',
      );
    }
    req.resume();
    this.hold(registration, res, stop);
  }

  private getWork(registration: WorkerRegistration, arn: string, req: IncomingMessage, res: ServerResponse): void {
    checkOwn(registration, arn, 'take work of');
    if (registration.polls >= MAX_POLLS_PER_WORKER) {
      throw tooManyRequests(`this worker of ${arn} has ${registration.polls} requests for work open already, the most it may`);
    }
    req.resume();
    const stop = registration.poll((item) => this.sendWork(res, item));
    this.hold(registration, res, stop);
  }

  private postResult(registration: WorkerRegistration, arn: string, req: IncomingMessage, res: ServerResponse): void {
    checkOwn(registration, arn, 'answer work of');
    const id = headerValue(req.headers, INVOCATION_ID);
    if (id === undefined || id === '') throw badRequest('an answer needs the X-Amz-InvocationId of the work it answers');
    const kind = outcomeKind(headerValue(req.headers, FUNCTION_ERROR));
    const worker = registration.worker;
    const unknown = () => notFound(`invocation ${JSON.stringify(id.slice(0, 64))} is not running on this worker of ${arn}: it was answered already, timed out, or was never given`);
    const tooLarge = (): void => {
      const declared = Number(req.headers['content-length']);
      const bytes = Number.isSafeInteger(declared) && declared > RESPONSE_PAYLOAD_LIMIT ? declared : RESPONSE_PAYLOAD_LIMIT + 1;
      // The invocation fails as Lambda fails it; the runtime hears why its answer was refused.
      if (!worker.complete(id, responseTooLarge(bytes, RESPONSE_PAYLOAD_LIMIT, id))) throw unknown();
      throw new IpcError(413, 'ResponseSizeTooLarge', `the answer of ${bytes} bytes exceeds the limit of ${RESPONSE_PAYLOAD_LIMIT} bytes: the invocation failed with Function.ResponseSizeTooLarge`);
    };
    this.withBody(registration, req, res, RESPONSE_PAYLOAD_LIMIT, tooLarge, (payload) => {
      if (!worker.complete(id, { kind, payload })) throw unknown();
      this.send(res, 200, EMPTY);
    });
  }

  private initialized(registration: WorkerRegistration, arn: string, req: IncomingMessage, res: ServerResponse): void {
    checkOwn(registration, arn, 'report the initialization of');
    this.withBody(registration, req, res, MAX_INIT_BODY_BYTES, `an initialization report exceeds ${MAX_INIT_BODY_BYTES} bytes`, (body) => {
      const report = parseInitReport(body);
      if (!report.success) {
        const worker = registration.worker;
        worker.logLine(`[ERROR]-the function reported that its initialization failed: ${report.document.toString('utf8', 0, 4096)}`);
        // Before the answer: the runtime exits once answered, and its waiting invocation must fail with this document, not the exit.
        worker.initFailed({ kind: 'unhandled', payload: report.document });
      }
      this.send(res, 200, EMPTY);
    });
  }

  private logs(registration: WorkerRegistration, req: IncomingMessage, res: ServerResponse): void {
    this.withBody(registration, req, res, MAX_LOG_BODY_BYTES, `a log document exceeds ${MAX_LOG_BODY_BYTES} bytes`, (body) => {
      for (const message of logMessages(body)) registration.worker.logLine(message);
      this.send(res, 200, EMPTY);
    });
  }

  /**
   * Read the body within `limit`, then `use` it; whatever `use` throws or
   * rejects with is the answer. Over the limit: a 413 with `tooLarge`'s
   * message (or whatever it throws).
   */
  private withBody(
    registration: WorkerRegistration,
    req: IncomingMessage,
    res: ServerResponse,
    limit: number,
    tooLarge: string | (() => void),
    use: (body: Buffer) => void | Promise<void>,
  ): void {
    if (registration.busy >= MAX_BUSY_PER_WORKER) {
      throw tooManyRequests(`this worker of ${registration.worker.fn.arn} has ${registration.busy} requests in progress already, the most it may: wait for their answers`);
    }
    registration.busy++;
    readBody(req, limit, (outcome) => {
      const answer = (error: unknown, close = false): void => {
        const refusal = ipcErrorFrom(error);
        if (refusal.status >= 500) this.options.log.error(`${req.method} ${req.url?.slice(0, 200)}: ${refusal.message}`);
        this.sendError(res, refusal, close);
      };
      if (outcome.kind === 'aborted') {
        registration.busy--;
        return;
      }
      if (outcome.kind === 'too-large') {
        registration.busy--;
        try {
          if (typeof tooLarge === 'string') throw new IpcError(413, 'RequestEntityTooLarge', tooLarge);
          tooLarge();
        } catch (error) {
          answer(error, !outcome.drained);
        }
        return;
      }
      Promise.resolve()
        .then(() => use(outcome.body))
        .catch((error: unknown) => answer(error))
        .finally(() => registration.busy--);
    });
  }

  /** Keep `res` open until answered; `stop` runs if its client goes first. */
  private hold(registration: WorkerRegistration, res: ServerResponse, stop: () => void): void {
    if (res.writableEnded) return;
    this.held.set(res, registration);
    res.once('close', () => {
      this.held.delete(res);
      stop();
    });
  }

  private sendWork(res: ServerResponse, item: WorkItem): boolean {
    return this.send(res, 200, item.payload, {
      'Content-Type': 'application/octet-stream',
      [INVOCATION_ID]: item.requestId,
      [CLIENT_CONTEXT]: item.clientContext ?? '',
      [DEADLINE_MS]: String(item.deadlineMs),
    });
  }

  /** X-Amz-Function-Error is always sent, '' on success: the Python shadow client requires it. */
  private sendResult(res: ServerResponse, id: string, answer: ServiceAnswer): boolean {
    return this.send(res, 200, answer.payload, {
      'Content-Type': 'application/octet-stream',
      [INVOCATION_ID]: id,
      [FUNCTION_ERROR]: FUNCTION_ERROR_OF[answer.status],
    });
  }

  /** Answer `req` with `error` once its body is drained (answering over unread bytes would reset the connection first). */
  private refuse(req: IncomingMessage, res: ServerResponse, error: IpcError): void {
    if (error.status >= 500) this.options.log.error(`${req.method} ${req.url?.slice(0, 200)}: ${error.message}`);
    else this.options.log.debug(`refused ${req.method} ${req.url?.slice(0, 200)}: ${error.status} ${error.message}`);
    readBody(req, 0, (outcome) => {
      if (outcome.kind === 'aborted') return;
      // A caller without a valid token has no use for its connection: it is not kept for a next request.
      this.sendError(res, error, error.status === 401 || (outcome.kind === 'too-large' && !outcome.drained));
    });
  }

  private sendError(res: ServerResponse, error: IpcError, close: boolean): void {
    this.send(res, error.status, error.body(), { 'Content-Type': 'application/json', ...error.headers }, close);
  }

  /** false when the client is gone already (or the answer could not be sent: the connection is dropped then). */
  private send(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string> = {}, close = false): boolean {
    if (res.destroyed || res.writableEnded || res.headersSent) return false;
    try {
      res.writeHead(status, { ...headers, 'Content-Length': String(body.length), ...(close || this.closing ? { Connection: 'close' } : {}) });
    } catch (error) {
      // A header value HTTP cannot carry (a control character in a client context): never a crash of the runtime.
      this.options.log.error(`an answer could not be sent: ${(error as Error).message}`);
      res.destroy();
      return false;
    }
    res.end(body);
    return true;
  }
}

const FUNCTION_ERROR_OF: Record<ServiceAnswer['status'], string> = {
  success: '',
  handled: 'Handled',
  unhandled: 'Unhandled',
  // Never held (refused with a 429 when posted); a failure if it ever is.
  again: 'Unhandled',
};

/** A worker may take, answer and report only its own function's work. */
function checkOwn(registration: WorkerRegistration, arn: string, what: string): void {
  const own = registration.worker.fn.arn;
  if (arn !== own) {
    throw new IpcError(403, 'Forbidden', `this token belongs to a worker of ${own}: it may not ${what} ${arn.slice(0, 300)}`);
  }
}

function outcomeKind(functionError: string | undefined): Outcome['kind'] {
  if (functionError === undefined || functionError === '') return 'success';
  if (functionError === 'Handled') return 'handled';
  if (functionError === 'Unhandled') return 'unhandled';
  throw badRequest(`X-Amz-Function-Error ${JSON.stringify(functionError.slice(0, 64))} is not "Handled", "Unhandled" or ""`);
}
