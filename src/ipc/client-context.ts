// X-Amz-Client-Context as the core's services read it (greengrass-v1.md
// §2.3): base64 of a JSON object whose "custom" object carries what a
// publish or shadow call is about ({"custom":{"subject":"<topic>", ...}}).
// A function's own invocations pass the header on to the invoker as it is,
// which checks it the way Lambda does.
import { CLIENT_CONTEXT_LIMIT } from '../limits';
import { badRequest } from './ipc-error';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The "custom" object of the header (an empty object when the header or the key is absent). Throws 400 when malformed. */
export function customContext(header: string | undefined): Record<string, unknown> {
  if (header === undefined || header === '') return {};
  if (header.length > CLIENT_CONTEXT_LIMIT) {
    throw badRequest(`X-Amz-Client-Context is ${header.length} bytes, more than ${CLIENT_CONTEXT_LIMIT}`);
  }
  let parsed: unknown;
  try {
    if (!BASE64.test(header)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw badRequest(`X-Amz-Client-Context "${header.slice(0, 64)}" is not base64 of a JSON object`);
  }
  if (!isObject(parsed)) throw badRequest(`X-Amz-Client-Context "${header.slice(0, 64)}" is not base64 of a JSON object`);
  const custom = parsed.custom;
  if (custom === undefined) return {};
  if (!isObject(custom)) throw badRequest('X-Amz-Client-Context: "custom" must be a JSON object');
  return custom;
}

/** custom.subject: the topic a publish or shadow call is about. Throws 400 naming the header when it is missing. */
export function subjectOf(custom: Record<string, unknown>, what: string): string {
  const subject = custom.subject;
  if (typeof subject !== 'string' || subject === '') {
    throw badRequest(`${what} needs the topic in X-Amz-Client-Context as base64 of {"custom":{"subject":"<topic>"}}`);
  }
  return subject;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
