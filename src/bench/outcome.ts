// What one benchmark invocation came to, whatever path it took.

export type InvokeOutcome =
  | { kind: 'ok' }
  /** The function ran and failed (X-Amz-Function-Error / functionError). */
  | { kind: 'function-error'; message: string }
  /** The invocation did not happen: HTTP error status, refused connection, API rejection. */
  | { kind: 'failed'; message: string };

/** Error text shown in a report: one line, bounded. */
export function shortMessage(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
