// Request limits of the Invoke operation, as real Lambda applies them.

// The payload and client-context caps are shared with the TS API (../limits):
// sync 6 MB; Event 1 MB, as the current Lambda API allows (it was 256 KB
// before), so an Event the cloud accepts is accepted here too.
export { CLIENT_CONTEXT_LIMIT, EVENT_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT } from '../limits';

/**
 * How many bytes past the limit we still read (and discard) so a client that
 * sends an oversized body without waiting can finish writing and read our 413
 * instead of a connection reset. Past this budget we stop reading and close.
 */
export const OVERSIZE_DRAIN_BUDGET = 8 * 1024 * 1024;

/** Qualifier: 1-128 characters (Lambda's model). */
export const QUALIFIER_MAX = 128;

/** FunctionName in its longest (full ARN) form (Lambda's model). */
export const FUNCTION_NAME_MAX = 256;

export function tooLargeMessage(limit: number): string {
  // Lambda's own wording, so scripts matching on it keep working.
  return `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
}
