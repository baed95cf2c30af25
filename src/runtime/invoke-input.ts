// What an invoke is given, checked before anything runs: its payload's size
// and its client context. Plain functions, for invokes and routed messages.
import { NanolambdaError } from '../errors';
import { CLIENT_CONTEXT_LIMIT } from '../limits';

export function checkPayload(payload: Uint8Array, limit: number, type: string): void {
  if (payload.length > limit) {
    throw new NanolambdaError(
      'PAYLOAD_TOO_LARGE',
      `${type} payload of ${payload.length} bytes exceeds the limit of ${limit} bytes`,
    );
  }
}

/** Client context must be base64 of a JSON object, as Lambda requires. */
export function encodeClientContext(base64: string): Buffer {
  if (base64.length > CLIENT_CONTEXT_LIMIT) {
    throw new NanolambdaError('INVALID_PARAMETER', `client context of ${base64.length} bytes exceeds ${CLIENT_CONTEXT_LIMIT} bytes`);
  }
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw new NanolambdaError('INVALID_PARAMETER', `client context "${base64.slice(0, 64)}" is not base64 of a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new NanolambdaError('INVALID_PARAMETER', `client context "${base64.slice(0, 64)}" is not base64 of a JSON object`);
  }
  return Buffer.from(base64);
}
