// Why the IPC server refused a request: an HTTP status and a JSON body
// {"errorType", "errorMessage"} naming the problem and the input at fault.
// The SDKs surface any non-2xx as an error (Python IPCException with the
// body in its message, a Node.js error callback), so the message is what a
// function's author gets to read.
import { NanolambdaError, type ErrorCode } from '../errors';

export class IpcError extends Error {
  /** Headers the answer carries besides the body's (Allow on a 405). */
  headers: Record<string, string> | undefined;

  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }

  body(): Buffer {
    return Buffer.from(JSON.stringify({ errorType: this.errorType, errorMessage: this.message }));
  }
}

export function badRequest(message: string): IpcError {
  return new IpcError(400, 'InvalidRequest', message);
}

export function notFound(message: string): IpcError {
  return new IpcError(404, 'NotFound', message);
}

export function tooManyRequests(message: string): IpcError {
  return new IpcError(429, 'TooManyRequests', message);
}

/** The status for each error an operation can throw. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  FUNCTION_NOT_FOUND: 404,
  INVALID_PARAMETER: 400,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  RUNTIME_STOPPED: 503,
};

/** Whatever an operation threw, as a refusal: a NanolambdaError keeps its code as errorType; anything else is a 500. */
export function ipcErrorFrom(error: unknown): IpcError {
  if (error instanceof IpcError) return error;
  if (NanolambdaError.is(error)) return new IpcError(STATUS_OF[error.code] ?? 500, error.code, error.message);
  return new IpcError(500, 'INTERNAL', `internal error: ${(error as Error)?.message ?? String(error)}`);
}
