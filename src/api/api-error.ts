// Lambda's REST-JSON error envelope: status, x-amzn-ErrorType, x-amzn-RequestId
// and a JSON body that botocore and the JS SDK both read.
import type { ServerResponse } from 'node:http';
import { NanolambdaError } from '../errors';

export interface ApiError {
  status: number;
  /** The exception name clients surface (x-amzn-ErrorType). */
  type: string;
  message: string;
  /** Seconds, sent as Retry-After (429 only). */
  retryAfter?: number;
  /** Lambda's throttling Reason field (429 only). */
  reason?: string;
  /** Extra response headers (e.g. Allow on 405). */
  headers?: Record<string, string>;
}

export function isApiError(value: object): value is ApiError {
  return typeof (value as ApiError).status === 'number' && typeof (value as ApiError).type === 'string';
}

export function apiError(status: number, type: string, message: string): ApiError {
  return { status, type, message };
}

/**
 * Map what an Invoker rejected with onto Lambda's exceptions. RUNTIME_STOPPED
 * is a 409, not a 503: the CLI and SDKs retry 5xx three times, which only
 * delays the caller while we shut down.
 */
export function apiErrorFromInvoke(err: unknown): ApiError {
  if (!NanolambdaError.is(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return apiError(500, 'ServiceException', `internal error in nanolambda: ${text} (please report it)`);
  }
  switch (err.code) {
    case 'FUNCTION_NOT_FOUND':
      return apiError(404, 'ResourceNotFoundException', err.message);
    case 'INVALID_PARAMETER':
    case 'CONFIG_INVALID':
      return apiError(400, 'InvalidParameterValueException', err.message);
    case 'PAYLOAD_TOO_LARGE':
      return apiError(413, 'RequestEntityTooLargeException', err.message);
    case 'TOO_MANY_REQUESTS':
      return {
        ...apiError(429, 'TooManyRequestsException', err.message),
        retryAfter: 1,
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      };
    case 'RUNTIME_STOPPED':
      return apiError(409, 'ResourceConflictException', err.message);
    default:
      return apiError(500, 'ServiceException', err.message);
  }
}

/**
 * Write the envelope. Both `message` and `Message` carry the text (botocore
 * and the JS SDK read `message` first, the Lambda model names `Message`); no
 * `code` field, because one JS SDK variant prefers it over the header.
 */
export function sendApiError(res: ServerResponse, requestId: string, e: ApiError, close: boolean): void {
  const doc: Record<string, string> = {
    Type: e.status >= 500 ? 'Service' : 'User',
    message: e.message,
    Message: e.message,
  };
  if (e.reason !== undefined) doc.Reason = e.reason;
  const body = Buffer.from(JSON.stringify(doc));
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    'x-amzn-ErrorType': e.type,
    'x-amzn-RequestId': requestId,
    ...e.headers,
  };
  if (e.retryAfter !== undefined) headers['Retry-After'] = e.retryAfter;
  if (close) headers.Connection = 'close';
  res.writeHead(e.status, headers);
  res.end(body);
}
