// The error document an invoker gets when a runtime posts an error
// (/invocation/{id}/error, /init/error, a streamed response's error trailers).
// Lambda forwards the runtime's body unchanged, whatever its shape (the Node
// RIC sends `trace`, the Python RIC `stackTrace` and `requestId`); only the
// X-Ray "error cause" content type is filtered, as RAPID does. Where the
// runtime sent nothing usable we write a document in Lambda's shape rather
// than hand the invoker an empty error.
import type { IncomingHttpHeaders } from 'node:http';

export const ERROR_TYPE_HEADER = 'lambda-runtime-function-error-type';
const ERROR_CAUSE_CONTENT_TYPE = 'application/vnd.aws.lambda.error.cause+json';
/** RAPID's check of the error-type header before it trusts it. */
const VALID_ERROR_TYPE = /^(Runtime|Function)\.[A-Z][a-zA-Z]+$/;

/** The error-type header when it is one Lambda accepts, else `Runtime.Unknown` as RAPID reports it. */
export function reportedErrorType(value: string | string[] | undefined): string {
  const type = Array.isArray(value) ? value[0] : value;
  return type !== undefined && VALID_ERROR_TYPE.test(type) ? type : 'Runtime.Unknown';
}

/** A document in Lambda's shape for an error the runtime did not describe itself. */
export function describedError(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorMessage, errorType }));
}

/** What the invoker gets for an error post with this body and these headers. `what` names the post in messages. */
export function errorDocument(body: Buffer, headers: IncomingHttpHeaders, what: string): Buffer {
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === ERROR_CAUSE_CONTENT_TYPE) return withoutErrorCause(body);
  if (body.length === 0) {
    return describedError(reportedErrorType(headers[ERROR_TYPE_HEADER]), `the runtime posted ${what} without a body`);
  }
  return body;
}

/**
 * The cause content type carries an X-Ray `errorCause` beside the error; the
 * invoker gets the error fields only (RAPID re-serialises them, and answers
 * the JSON string "Invalid error body" when they do not parse).
 */
function withoutErrorCause(body: Buffer): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return Buffer.from(JSON.stringify('Invalid error body'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return Buffer.from(JSON.stringify('Invalid error body'));
  const fields = parsed as Record<string, unknown>;
  const errorMessage = typeof fields.errorMessage === 'string' ? fields.errorMessage : '';
  const errorType = typeof fields.errorType === 'string' ? fields.errorType : '';
  const stackTrace = Array.isArray(fields.stackTrace) ? fields.stackTrace.filter((line) => typeof line === 'string') : [];
  return Buffer.from(JSON.stringify(stackTrace.length > 0 ? { errorMessage, errorType, stackTrace } : { errorMessage, errorType }));
}
