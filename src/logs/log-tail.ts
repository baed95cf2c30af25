// The log tail returned with X-Amz-Log-Result: the invocation's output
// framed by Lambda's START / END / REPORT lines, cut to its last bytes.
import { randomUUID } from 'node:crypto';
import type { FunctionSpec } from '../config/types';
import type { Outcome } from '../workers/invocation';

export function composeLogTail(
  output: Buffer,
  version: string,
  durationMs: number,
  fn: FunctionSpec,
  outcome: Outcome,
  maxBytes: number,
): string {
  const requestId = randomUUID();
  const memory = fn.memoryBytes ? `\tMemory Size: ${Math.floor(fn.memoryBytes / (1024 * 1024))} MB` : '';
  const status = outcome.kind === 'unhandled' ? '\tStatus: error' : '';
  const text = Buffer.concat([
    Buffer.from(`START RequestId: ${requestId} Version: ${version}\n`),
    output,
    Buffer.from(
      `END RequestId: ${requestId}\n` +
        `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms${memory}${status}\n`,
    ),
  ]);
  return text.subarray(Math.max(0, text.length - maxBytes)).toString('base64');
}
