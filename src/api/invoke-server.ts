// The Lambda Invoke endpoint over node:http, so the AWS CLI and SDKs can drive
// a runtime: `POST /2015-03-31/functions/{FunctionName}/invocations`.
// Function failures are always 200 + X-Amz-Function-Error (clients retry 5xx);
// only a request that could not become an invocation gets an error envelope.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { InvokeOptions, InvokeResult, Invoker } from '../invoke-types';
import { apiError, apiErrorFromInvoke, isApiError, sendApiError, type ApiError } from './api-error';
import { invokeOptionsFromHeaders } from './invoke-headers';
import { matchInvokePath } from './invoke-route';
import { EVENT_PAYLOAD_LIMIT, OVERSIZE_DRAIN_BUDGET, SYNC_PAYLOAD_LIMIT, tooLargeMessage } from './limits';
import { readBody } from './request-body';
import type { SigV4Verifier } from './sigv4/verifier';
import { MANAGEMENT_BODY_LIMIT, runManagement, type ManagementContext } from './management-api';
import { matchManagementPath, type ManagementRoute } from './management-route';

export interface InvokeServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (see the returned address). */
  port: number;
  /** Told about internal errors (500s); default: silent. */
  onInternalError?: (err: unknown) => void;
  /** Lambda's management operations (CreateFunction, ...); absent: Invoke only. */
  management?: ManagementContext;
  /** SigV4 against the gateway's access keys; absent: no authentication (keep the endpoint local then). */
  auth?: SigV4Verifier;
}

export interface InvokeServer {
  address: { host: string; port: number };
  /** Stop accepting, finish in-flight requests, close every connection. */
  close(): Promise<void>;
}

const INVOKE_PATH = '/2015-03-31/functions/{FunctionName}/invocations';

/** CreateFunction and UpdateFunctionCode requests being read and stored at once, at most. */
const MAX_CODE_UPLOADS = 2;

export async function startInvokeServer(invoker: Invoker, opts: InvokeServerOptions): Promise<InvokeServer> {
  let closing = false;
  let codeUploads = 0;
  const onInternalError = opts.onInternalError;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    // Before routing, as AWS does: an unsigned request learns nothing, not even a 404.
    const signed = opts.auth?.checkHeaders(req);
    if (signed !== undefined && !signed.ok) {
      refuse(req, res, requestId, signed.error);
      return;
    }
    const checkBody = (body: Buffer): ApiError | undefined => {
      const verified = signed?.verifyBody(body);
      return verified === undefined || verified.ok ? undefined : verified.error;
    };
    const route = matchInvokePath(req.url ?? '/');
    if (route === undefined) {
      const management = opts.management && matchManagementPath(req.method ?? 'GET', pathOf(req.url ?? '/'));
      if (management) serveManagement(req, res, requestId, management, opts.management!, checkBody);
      else sendApiError(res, requestId, unknownOperation(req), closing);
      return;
    }
    if (req.method !== 'POST') {
      const e = apiError(405, 'MethodNotAllowedException', `${req.method} is not allowed on ${INVOKE_PATH}: use POST`);
      e.headers = { Allow: 'POST' };
      sendApiError(res, requestId, e, closing);
      return;
    }
    // Header problems are answered after the body is read, so the client can
    // finish sending and the keep-alive connection stays usable.
    const options: InvokeOptions | ApiError = isApiError(route)
      ? route
      : invokeOptionsFromHeaders(req.headers, route.qualifier);
    const functionName = isApiError(route) ? '' : route.functionName;
    const limit = !isApiError(options) && options.type === 'Event' ? EVENT_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;

    readCheckedBody(req, res, requestId, limit, tooLargeMessage(limit), checkBody, (body) => {
      if (isApiError(options)) {
        sendApiError(res, requestId, options, closing);
        return;
      }
      invoker.invoke(functionName, body, options).then(
        (result) => sendResult(res, requestId, result, closing),
        (err: unknown) => {
          const e = apiErrorFromInvoke(err);
          if (e.status >= 500) onInternalError?.(err);
          sendApiError(res, requestId, e, closing);
        },
      );
    });
  };

  const serveManagement = (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    route: ManagementRoute | ApiError,
    context: ManagementContext,
    checkBody: (body: Buffer) => ApiError | undefined,
  ): void => {
    if (isApiError(route)) {
      sendApiError(res, requestId, route, closing);
      return;
    }
    // A deployment package is up to 70 MB of JSON and base64 held while it
    // is stored: a small gateway takes a few at a time, and says so.
    const carriesCode = route.operation === 'CreateFunction' || route.operation === 'UpdateFunctionCode';
    if (carriesCode && codeUploads >= MAX_CODE_UPLOADS) {
      refuse(req, res, requestId, {
        ...apiError(429, 'TooManyRequestsException', `${MAX_CODE_UPLOADS} deployment packages are being stored already: retry in a moment`),
        retryAfter: 1,
      });
      return;
    }
    if (carriesCode) codeUploads++;
    const release = (): void => {
      if (carriesCode) codeUploads--;
    };
    const tooLarge = `Request must be smaller than ${MANAGEMENT_BODY_LIMIT} bytes for the ${route.operation} operation`;
    res.once('close', release);
    readCheckedBody(req, res, requestId, MANAGEMENT_BODY_LIMIT, tooLarge, checkBody, (body) => {
      void runManagement(route, body, context).then((answer) => {
        if (isApiError(answer)) {
          if (answer.status >= 500) onInternalError?.(answer);
          sendApiError(res, requestId, answer, closing);
          return;
        }
        const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.body));
        const headers: Record<string, string | number> = { 'Content-Length': body.length, 'x-amzn-RequestId': requestId };
        if (answer.body !== undefined) headers['Content-Type'] = 'application/json';
        if (closing) headers.Connection = 'close';
        res.writeHead(answer.status, headers);
        res.end(body);
      });
    });
  };

  /** Read the body; `use` it once it is within `limit` and its signature holds, else answer the error. */
  const readCheckedBody = (
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    limit: number,
    tooLarge: string,
    checkBody: (body: Buffer) => ApiError | undefined,
    use: (body: Buffer) => void,
  ): void => {
    readBody(req, limit, (outcome) => {
      if (outcome.kind === 'aborted') return;
      if (outcome.kind === 'too-large') {
        sendApiError(res, requestId, apiError(413, 'RequestEntityTooLargeException', tooLarge), closing || !outcome.drained);
        return;
      }
      const unsigned = checkBody(outcome.body);
      if (unsigned !== undefined) sendApiError(res, requestId, unsigned, closing);
      else use(outcome.body);
    });
  };

  /**
   * A 403 once the body is drained (closing on unread bytes would reset the
   * connection before the client sees it). Drained, not kept: an
   * unauthenticated client must not make us hold its bytes.
   */
  const refuse = (req: IncomingMessage, res: ServerResponse, requestId: string, e: ApiError): void => {
    let drained = 0;
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > OVERSIZE_DRAIN_BUDGET) {
        sendApiError(res, requestId, e, true);
        req.destroy();
      }
    });
    req.on('end', () => {
      if (!res.headersSent) sendApiError(res, requestId, e, closing);
    });
  };

  const server = http.createServer(handle);
  // Requests with `Expect: 100-continue` can be refused before the body is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // Refused before the client sends its body.
    const signed = opts.auth?.checkHeaders(req);
    if (signed !== undefined && !signed.ok) {
      sendApiError(res, randomUUID(), signed.error, true);
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    const event = req.headers['x-amz-invocation-type'] === 'Event';
    const limit = event ? EVENT_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    if (length > limit && matchInvokePath(req.url ?? '/') !== undefined) {
      sendApiError(res, randomUUID(), apiError(413, 'RequestEntityTooLargeException', tooLargeMessage(limit)), true);
      return;
    }
    if (length > MANAGEMENT_BODY_LIMIT) {
      const e = apiError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${MANAGEMENT_BODY_LIMIT} bytes`);
      sendApiError(res, randomUUID(), e, true);
      return;
    }
    res.writeContinue();
    handle(req, res);
  });
  // Longer than Node's 5 s so SDK connection pools rarely race a server-side close.
  server.keepAliveTimeout = 30_000;

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;

  return {
    address: { host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        if (closing) {
          resolve();
          return;
        }
        closing = true;
        // In-flight responses are sent with Connection: close; idle sockets go now.
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** The path of a request target, absolute-form (through a proxy) or not. */
function pathOf(url: string): string {
  if (url.charCodeAt(0) === 47 /* '/' */) return url;
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? '/' : url.slice(slash);
}

function unknownOperation(req: IncomingMessage): ApiError {
  const path = (req.url ?? '/').split('?', 1)[0];
  return apiError(
    404,
    'UnknownOperationException',
    `no operation for ${req.method} ${path}: nanolambda serves Invoke (POST ${INVOKE_PATH}), the function, version and alias operations, and the event source mapping operations`,
  );
}

function sendResult(res: ServerResponse, requestId: string, result: InvokeResult, close: boolean): void {
  if (result.statusCode !== 200) {
    // Event (202) and DryRun (204): empty body, no function headers.
    const headers: Record<string, string | number> = { 'x-amzn-RequestId': result.requestId ?? requestId };
    if (result.statusCode === 202) headers['Content-Length'] = 0;
    if (close) headers.Connection = 'close';
    res.writeHead(result.statusCode, headers);
    res.end();
    return;
  }
  const headers: Record<string, string | number> = {
    // What Lambda sends whatever the function returned.
    'Content-Type': 'application/json',
    'Content-Length': result.payload.length,
    'x-amzn-RequestId': result.requestId ?? requestId,
    'X-Amz-Executed-Version': result.executedVersion,
  };
  if (result.functionError !== undefined) headers['X-Amz-Function-Error'] = result.functionError;
  if (result.logResult !== undefined) headers['X-Amz-Log-Result'] = result.logResult;
  if (close) headers.Connection = 'close';
  res.writeHead(200, headers);
  res.end(result.payload);
}
