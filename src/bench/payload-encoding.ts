// Payloads and the function's EncodingType. A json function (Python and
// Node.js by default) parses its event: anything but JSON fails in its
// runtime with Runtime.UnmarshalError before the handler runs, which would
// benchmark the error path. So the generated payload is always a JSON
// document of exactly the asked size (valid for binary functions too), and a
// payload given as is must be JSON when the function is known to take JSON.
import { UsageError } from '../cli/cli-error';
import type { EncodingType } from '../config/types';

/** `--payload-size N`: "" (an empty event, {} to a json function), "0", or a JSON string "xx…x" of N bytes. */
export function jsonPayloadOfSize(size: number): Buffer {
  if (size === 0) return Buffer.alloc(0);
  if (size === 1) return Buffer.from('0');
  const bytes = Buffer.alloc(size, 'x');
  bytes[0] = 0x22; // "
  bytes[size - 1] = 0x22;
  return bytes;
}

/** Refuse a payload a json function cannot parse, naming the option that gave it. */
export function checkPayloadEncoding(payload: Buffer, payloadSource: string, functionName: string, encoding: EncodingType | undefined): void {
  // An empty event reaches a json handler as {}.
  if (encoding !== 'json' || payload.length === 0) return;
  let problem: string | undefined;
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    problem = error instanceof TypeError ? 'it is not UTF-8' : (error as Error).message;
  }
  if (problem === undefined) return;
  throw new UsageError(
    `option ${payloadSource}: '${functionName}' takes JSON (its EncodingType is json) and this payload is not JSON (${problem}); ` +
      `give a JSON document, or use --payload-size N for a JSON string of N bytes`,
  );
}
