// The Runtime API's own answers, shaped as Lambda's (RIE's rendering):
// 202 {"status":"OK"} for accepted posts, {"errorMessage","errorType"} for
// refusals. Runtime clients only look at the status code; the JSON is for
// the person reading a runtime's log.
import type { ServerResponse } from 'node:http';

/** errorType values the Runtime API itself answers with. */
export const RuntimeApiErrorTypes = {
  invalidRequestId: 'InvalidRequestID',
  invalidStateTransition: 'InvalidStateTransition',
  tooLarge: 'RequestEntityTooLarge',
  invalidResponseMode: 'InvalidFunctionResponseMode',
  internal: 'InternalServerError',
  // Not Lambda's (its router answers these without a body); named in the same style.
  notFound: 'NotFound',
  methodNotAllowed: 'MethodNotAllowed',
} as const;

const ACCEPTED = Buffer.from('{"status":"OK"}');

export function sendAccepted(res: ServerResponse): void {
  send(res, 202, ACCEPTED, {});
}

export function sendRuntimeApiError(
  res: ServerResponse,
  status: number,
  errorType: string,
  errorMessage: string,
  options: { closeConnection?: boolean; headers?: Record<string, string> } = {},
): void {
  const headers: Record<string, string> = { ...options.headers };
  // The request body was not read to its end: the connection cannot carry another request.
  if (options.closeConnection) headers.Connection = 'close';
  send(res, status, Buffer.from(JSON.stringify({ errorMessage, errorType })), headers);
}

function send(res: ServerResponse, status: number, body: Buffer, headers: Record<string, string>): void {
  // The runtime may have gone away meanwhile; there is nobody to tell then.
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, ...headers });
  res.end(body);
}
