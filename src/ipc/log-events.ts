// POST /2016-11-01/cloudwatch/logs/: a PutLogEvents-like document from a
// worker's runtime (greengrass-v1.md §2.7),
//   {"logGroupName", "logStreamName", "logEvents": [{"timestamp": ms, "message": "..."}]},
// whose messages go to the caller's function log. As Greengrass does, an
// empty event list is refused (400); so is anything that is not this shape.
import { badRequest } from './ipc-error';

/** PutLogEvents' own limits: a batch of at most 10,000 events and 1 MB. */
export const MAX_LOG_EVENTS = 10_000;
export const MAX_LOG_BODY_BYTES = 1024 * 1024;

/** The messages of a log document, in order. Throws a 400 naming what is wrong. */
export function logMessages(body: Buffer): string[] {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('the log document is not JSON: expected {"logGroupName", "logStreamName", "logEvents": [{"timestamp", "message"}]}');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw badRequest('the log document is not a JSON object: expected {"logGroupName", "logStreamName", "logEvents": [...]}');
  }
  const events = (document as { logEvents?: unknown }).logEvents;
  if (!Array.isArray(events)) throw badRequest('logEvents must be a list of {"timestamp", "message"}');
  if (events.length === 0) throw badRequest('logEvents is empty: send at least one event');
  if (events.length > MAX_LOG_EVENTS) throw badRequest(`logEvents has ${events.length} events, more than ${MAX_LOG_EVENTS}`);
  return events.map((event: unknown, i) => {
    const message = typeof event === 'object' && event !== null ? (event as { message?: unknown }).message : undefined;
    if (typeof message !== 'string') throw badRequest(`logEvents[${i}].message must be a string`);
    return message;
  });
}
