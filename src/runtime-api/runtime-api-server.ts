// The Lambda Runtime API (lambda-api.md §4) for one worker of a custom
// runtime (`provided*`): its bootstrap, or any runtime interface client
// (aws-lambda-ric, aws-lambda-cpp), finds it through AWS_LAMBDA_RUNTIME_API
// and pulls invocations from it. One server per worker, on loopback and a
// free port. The API has no credentials (runtime clients send none), so a
// connection is served only when it comes from one of the worker's own
// processes (socket-owner.ts): another function, or any other local
// process, cannot take its events or forge its answers.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { descendsFrom, socketOwners } from '../system/socket-owner';
import { readBody } from '../api/request-body';
import { RESPONSE_PAYLOAD_LIMIT } from '../limits';
import type { ComponentLog } from '../logs/system-log';
import type { Outcome } from '../workers/invocation';
import { responseTooLarge, unhandled } from '../workers/failures';
import { describedError, errorDocument } from './error-document';
import { InvocationLongPoll } from './invocation-long-poll';
import { RuntimeApiErrorTypes, sendAccepted, sendRuntimeApiError } from './runtime-api-replies';
import { matchRoute, type PostRoute } from './runtime-api-route';
import type { RuntimeApiWorker } from './runtime-worker';
import { streamedResponseOutcome } from './streamed-response';

export interface RuntimeApiServerOptions {
  log: ComponentLog;
}

/** A runtime needs one or two connections; more is a runtime gone wrong, bounded here. */
const MAX_CONNECTIONS = 32;
const RESPONSE_MODE_HEADER = 'lambda-runtime-function-response-mode';

export class RuntimeApiServer {
  /** "127.0.0.1:<port>", the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  private readonly longPoll: InvocationLongPoll;
  /** The runtime asked for work: it is initialised, an init error is no longer a transition it may make. */
  private ready = false;
  private initErrorReported = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: http.Server,
    port: number,
    private readonly worker: RuntimeApiWorker,
    private readonly log: ComponentLog,
  ) {
    this.address = `127.0.0.1:${port}`;
    this.longPoll = new InvocationLongPoll(worker, log);
  }

  /** One per worker, on 127.0.0.1 and a free port. */
  static async start(worker: RuntimeApiWorker, options: RuntimeApiServerOptions): Promise<RuntimeApiServer> {
    const server = http.createServer();
    server.maxConnections = MAX_CONNECTIONS;
    server.headersTimeout = 30_000;
    // A streamed response may legitimately take as long as the invocation
    // runs; the worker's timeout bounds it, not the HTTP server.
    server.requestTimeout = 0;
    // The runtime's connection sits idle while its handler runs, for up to
    // the function's timeout. Closing it meanwhile races the runtime's next
    // post (a reset /response loses the answer): keep it as long as the runtime does.
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const api = new RuntimeApiServer(server, port, worker, options.log);
    server.on('connection', (socket: Socket) => {
      if (api.fromWorker(socket, port)) return;
      options.log.warn(`refused a Runtime API connection to ${worker.fn.arn}'s worker from a process that is not its (port ${socket.remotePort ?? '?'})`);
      socket.destroy();
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => api.handle(req, res));
    return api;
  }

  /** Whether a new connection comes from one of the worker's processes. */
  private fromWorker(socket: Socket, serverPort: number): boolean {
    const root = this.worker.pid;
    if (root === undefined || socket.remotePort === undefined) return false;
    return socketOwners(socket.remotePort, serverPort).some((pid) => descendsFrom(pid, root));
  }

  /** Stop listening and close every connection, a parked /next too (the runtime sees its connection drop). */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.longPoll.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      const route = matchRoute(req.method ?? 'GET', req.url ?? '/');
      switch (route.kind) {
        case 'next':
          req.resume();
          this.next(res);
          return;
        case 'response':
        case 'error':
        case 'init-error':
          this.readPost(req, res, route);
          return;
        case 'wrong-method':
          req.resume();
          sendRuntimeApiError(res, 405, RuntimeApiErrorTypes.methodNotAllowed, `${req.method} is not allowed on ${route.path}: use ${route.allow}`, {
            headers: { Allow: route.allow },
          });
          return;
        case 'not-found':
          req.resume();
          sendRuntimeApiError(
            res,
            404,
            RuntimeApiErrorTypes.notFound,
            `${route.path} is not a Runtime API path: use /2018-06-01/runtime/invocation/next, /2018-06-01/runtime/invocation/{AwsRequestId}/response or /error, /2018-06-01/runtime/init/error`,
          );
          return;
      }
    } catch (error) {
      // A bug, not the runtime's fault: answer it and keep serving the worker.
      this.log.error(`Runtime API of ${this.worker.fn.arn}: ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
      sendRuntimeApiError(res, 500, RuntimeApiErrorTypes.internal, 'Internal Server Error');
    }
  }

  private next(res: ServerResponse): void {
    if (this.initErrorReported) {
      sendRuntimeApiError(
        res,
        403,
        RuntimeApiErrorTypes.invalidStateTransition,
        'State transition from InitError to Ready failed for runtime. Error: the runtime reported an init error; it should exit',
      );
      return;
    }
    this.ready = true;
    this.longPoll.accept(res);
  }

  /** Read a post's body (6 MB + 100 bytes at most, as Lambda's responses) and act on it. */
  private readPost(req: IncomingMessage, res: ServerResponse, route: PostRoute): void {
    // readBody does not report how much was sent past the cap; Lambda's error names the size.
    const declared = Number(req.headers['content-length']);
    let received = 0;
    if (!Number.isFinite(declared)) req.on('data', (chunk: Buffer) => (received += chunk.length));
    readBody(req, RESPONSE_PAYLOAD_LIMIT, (outcome) => {
      try {
        if (outcome.kind === 'aborted') {
          // The runtime went away mid-post. Its invocation stays running: the
          // runtime may post again, or the worker reports its exit or timeout.
          this.log.warn(`Runtime API of ${this.worker.fn.arn}: the runtime disconnected while posting ${req.url}`);
          return;
        }
        if (outcome.kind === 'too-large') {
          this.tooLarge(res, route, Number.isFinite(declared) ? declared : received, !outcome.drained);
          return;
        }
        if (route.kind === 'init-error') this.initError(res, errorDocument(outcome.body, req.headers, 'an init error'), 202);
        else if (route.kind === 'error') this.complete(res, route.requestId, { kind: 'unhandled', payload: errorDocument(outcome.body, req.headers, 'an invocation error') });
        else this.response(req, res, route.requestId, outcome.body);
      } catch (error) {
        this.log.error(`Runtime API of ${this.worker.fn.arn}: ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
        sendRuntimeApiError(res, 500, RuntimeApiErrorTypes.internal, 'Internal Server Error');
      }
    });
  }

  private response(req: IncomingMessage, res: ServerResponse, requestId: string, body: Buffer): void {
    const mode = req.headers[RESPONSE_MODE_HEADER];
    if (mode === undefined || mode === '') {
      this.complete(res, requestId, { kind: 'success', payload: body });
      return;
    }
    if (mode === 'streaming') {
      // Streamed responses are buffered: the invoker gets the whole body at the end.
      this.complete(res, requestId, streamedResponseOutcome(body, req.trailers));
      return;
    }
    // Lambda fails the invocation and tells the runtime its header is wrong.
    const failed = unhandled('Runtime.InvalidResponseModeHeader', `invalid ${RESPONSE_MODE_HEADER} header '${String(mode)}': use 'streaming' or none`, requestId);
    if (!this.worker.complete(requestId, failed)) {
      this.invalidRequestId(res, requestId);
      return;
    }
    sendRuntimeApiError(res, 400, RuntimeApiErrorTypes.invalidResponseMode, 'Invalid function response mode');
  }

  private complete(res: ServerResponse, requestId: string, outcome: Outcome): void {
    if (!this.worker.complete(requestId, outcome)) {
      this.invalidRequestId(res, requestId);
      return;
    }
    sendAccepted(res);
  }

  /** Over the cap: the invocation fails as Lambda fails it (Function.ResponseSizeTooLarge), the runtime gets a 413. */
  private tooLarge(res: ServerResponse, route: PostRoute, bytes: number, closeConnection: boolean): void {
    const message = `Exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT} bytes).`;
    if (route.kind === 'init-error') {
      const document = describedError('Runtime.Unknown', `the runtime's init error document (${bytes} bytes) exceeded the maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT} bytes)`);
      this.initError(res, document, 413, closeConnection);
      return;
    }
    if (!this.worker.complete(route.requestId, responseTooLarge(bytes, RESPONSE_PAYLOAD_LIMIT, route.requestId))) {
      this.invalidRequestId(res, route.requestId, closeConnection);
      return;
    }
    this.log.warn(`invocation ${route.requestId} of ${this.worker.fn.arn}: the runtime's ${route.kind} of ${bytes} bytes is over ${RESPONSE_PAYLOAD_LIMIT} bytes`);
    sendRuntimeApiError(res, 413, RuntimeApiErrorTypes.tooLarge, message, { closeConnection });
  }

  private initError(res: ServerResponse, document: Buffer, status: 202 | 413, closeConnection = false): void {
    if (this.ready || this.initErrorReported) {
      const from = this.initErrorReported ? 'InitError' : 'Ready';
      sendRuntimeApiError(
        res,
        403,
        RuntimeApiErrorTypes.invalidStateTransition,
        `State transition from ${from} to InitError failed for runtime. Error: State transition is not allowed`,
        { closeConnection },
      );
      return;
    }
    this.initErrorReported = true;
    this.log.info(`the runtime of ${this.worker.fn.arn} could not initialise: ${document.toString('utf8', 0, 512)}`);
    this.worker.initFailed({ kind: 'unhandled', payload: document });
    if (status === 202) sendAccepted(res);
    else sendRuntimeApiError(res, 413, RuntimeApiErrorTypes.tooLarge, `Exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_LIMIT} bytes).`, { closeConnection });
  }

  private invalidRequestId(res: ServerResponse, requestId: string, closeConnection = false): void {
    this.log.warn(`Runtime API of ${this.worker.fn.arn}: the runtime answered invocation '${requestId}', which is not the one in progress`);
    sendRuntimeApiError(
      res,
      400,
      RuntimeApiErrorTypes.invalidRequestId,
      `Invalid request ID: '${requestId}' is not the invocation in progress (already answered, timed out, or never given)`,
      { closeConnection },
    );
  }
}
