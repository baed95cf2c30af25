// The headers of a /runtime/invocation/next answer (lambda-api.md §4): what a
// runtime client builds its context from. aws-lambda-cpp refuses an
// invocation without a request id or a positive deadline, and the RICs parse
// the client context as JSON, so these are always well formed.
import { randomBytes } from 'node:crypto';
import type { RuntimeWorkItem } from './runtime-worker';

/** An X-Ray trace header, as Lambda gives every invocation one (runtimes copy it into _X_AMZN_TRACE_ID). */
export function newTraceId(nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

/** Bytes a header value may carry (Node refuses others: control characters and DEL). */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Lambda-Runtime-Client-Context: the decoded JSON, as Lambda sends it.
 * Node writes header strings as latin1, so UTF-8 text goes out as its bytes
 * re-read as latin1: the runtime receives the UTF-8 bytes Lambda would send.
 * Returns undefined (no header) when there is no client context or it
 * cannot be carried in a header.
 */
export function clientContextHeader(base64: string | undefined): string | undefined {
  if (base64 === undefined || base64 === '') return undefined;
  const text = Buffer.from(base64, 'base64').toString('utf8');
  if (text === '') return undefined;
  const asBytes = (value: string): string => Buffer.from(value, 'utf8').toString('latin1');
  const asSent = asBytes(text);
  if (HEADER_SAFE.test(asSent)) return asSent;
  // JSON may only hold raw control characters as whitespace between tokens
  // (a pretty-printed context): the compact form is the same value.
  try {
    return asBytes(JSON.stringify(JSON.parse(text)));
  } catch {
    // Not JSON and not carriable: every runtime client would fail the invocation on it anyway.
    return undefined;
  }
}

export function invocationHeaders(item: RuntimeWorkItem, invokedFunctionArn: string, traceId: string): Record<string, string> {
  const headers: Record<string, string> = {
    // Lambda's default: the event is JSON as far as runtimes are concerned.
    'Content-Type': 'application/json',
    'Lambda-Runtime-Aws-Request-Id': item.requestId,
    'Lambda-Runtime-Deadline-Ms': String(Math.max(1, Math.floor(item.deadlineMs))),
    'Lambda-Runtime-Invoked-Function-Arn': invokedFunctionArn,
    'Lambda-Runtime-Trace-Id': traceId,
  };
  const clientContext = clientContextHeader(item.clientContext);
  if (clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = clientContext;
  return headers;
}
