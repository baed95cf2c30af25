// The log tail returned with X-Amz-Log-Result: the invocation's START line,
// the output of its worker while it ran, its END and REPORT lines, cut to
// the last bytes (Lambda: 4 KB) and base64-encoded.

export function composeLogTail(startLine: string, output: readonly Buffer[], endAndReport: Buffer, maxBytes: number): string {
  const text = Buffer.concat([Buffer.from(startLine, 'utf8'), ...output, endAndReport]);
  return text.subarray(Math.max(0, text.length - maxBytes)).toString('base64');
}
