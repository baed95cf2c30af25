// Reading a shadow request: the thing name, the payload bytes, the JSON body,
// its clientToken and (for an update) its version and state sections. Each
// check refuses with the code and message AWS IoT uses for that fault.
//
// Choices where AWS IoT's documentation is silent:
// - The size limit is checked on the request payload bytes before anything
//   else (a hostile payload is never parsed past it); the stored state is
//   checked again after the merge (shadow-document.ts).
// - Non-UTF-8 bytes are refused with 415, as AWS IoT lists.
// - Top-level keys other than state, clientToken and version are ignored (a
//   get document posted back as an update carries metadata and timestamp);
//   keys in `state` other than desired and reported are refused.
// - Numbers that do not fit a double (1e400) are refused: JSON.stringify
//   would turn them into null, which in a shadow means "delete".
// - A get or delete body may be empty or a JSON object; only its clientToken
//   is read.
import { childPath } from '../config/fields';
import { emptyObject, isJsonObject, parseJsonTree, type JsonObject, type JsonValue } from './json-tree';
import { SHADOW_MESSAGES, ShadowRejection, shortForm } from './shadow-rejection';
import { THING_NAME } from '../config/thing-arn';

/** Levels of nesting allowed inside state.desired / state.reported (AWS IoT's limit). */
export const MAX_STATE_DEPTH = 6;
export const MAX_CLIENT_TOKEN_BYTES = 64;
export const MAX_THING_NAME_LENGTH = 128;

export interface UpdateRequest {
  /** The version the caller believes current; the update is refused unless it is. */
  version: number | undefined;
  /** undefined: not in the request; null: clear the section; an object: merge it. */
  desired: JsonObject | null | undefined;
  reported: JsonObject | null | undefined;
}

export function isValidThingName(name: unknown): name is string {
  return typeof name === 'string' && THING_NAME.test(name);
}

/** The thing name, or a 400 naming it. */
export function checkThingName(name: unknown): string {
  if (isValidThingName(name)) return name;
  const shown = typeof name === 'string' ? `'${shortForm(name)}'` : String(typeof name);
  throw new ShadowRejection(
    400,
    `${SHADOW_MESSAGES.invalidThingName} (${shown}: a thing name is 1 to ${MAX_THING_NAME_LENGTH} of a-z, A-Z, 0-9, ':', '_', '-')`,
  );
}

/** The payload as text: 413 when over the limit, 415 when it is not UTF-8. */
export function decodePayload(payload: Buffer, maxBytes: number): string {
  if (payload.length > maxBytes) {
    throw new ShadowRejection(413, `${SHADOW_MESSAGES.tooLarge} (the request is ${payload.length} bytes; the limit is ${maxBytes})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new ShadowRejection(415, SHADOW_MESSAGES.notUtf8);
  }
}

/** The body as a JSON object; an empty body is an empty object when `allowEmpty` (get, delete). */
export function parseBody(text: string, allowEmpty: boolean): JsonObject {
  if (allowEmpty && text.trim() === '') return emptyObject();
  let body: JsonValue;
  try {
    body = parseJsonTree(text);
  } catch {
    // Also a RangeError from absurd nesting: bad input, not a failure of ours.
    throw new ShadowRejection(400, SHADOW_MESSAGES.invalidJson);
  }
  if (!isJsonObject(body)) {
    throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidJson} (expected a JSON object, found ${kindOf(body)})`);
  }
  return body;
}

/** The body's clientToken: a string of at most 64 UTF-8 bytes, or absent. */
export function readClientToken(body: JsonObject): string | undefined {
  const token = body.clientToken;
  if (token === undefined) return undefined;
  if (typeof token !== 'string') {
    throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidClientToken} (expected a string, found ${kindOf(token)})`);
  }
  const bytes = Buffer.byteLength(token, 'utf8');
  if (bytes > MAX_CLIENT_TOKEN_BYTES) {
    throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidClientToken} (${bytes} bytes; at most ${MAX_CLIENT_TOKEN_BYTES})`);
  }
  return token;
}

/** The version and state sections of an update body, checked. */
export function readUpdate(body: JsonObject): UpdateRequest {
  const version = readVersion(body.version);
  const state = body.state;
  if (state === undefined) throw new ShadowRejection(400, SHADOW_MESSAGES.missingState);
  if (!isJsonObject(state)) throw new ShadowRejection(400, `${SHADOW_MESSAGES.stateNotObject} (found ${kindOf(state)})`);
  for (const key of Object.keys(state)) {
    if (key !== 'desired' && key !== 'reported') {
      throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidNode}: '${shortForm(key)}' (state holds only desired and reported)`);
    }
  }
  return {
    version,
    desired: readSection(state.desired, 'state.desired', SHADOW_MESSAGES.desiredNotObject),
    reported: readSection(state.reported, 'state.reported', SHADOW_MESSAGES.reportedNotObject),
  };
}

function readVersion(version: JsonValue | undefined): number | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    const shown = typeof version === 'number' ? String(version) : kindOf(version);
    throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidVersion} (expected a whole number from 0, found ${shown})`);
  }
  return version;
}

function readSection(section: JsonValue | undefined, path: string, notObject: string): JsonObject | null | undefined {
  if (section === undefined || section === null) return section;
  if (!isJsonObject(section)) throw new ShadowRejection(400, `${notObject} (found ${kindOf(section)})`);
  checkMembers(section, 1, path, false);
  return section;
}

/**
 * Nesting, nulls in arrays and unrepresentable numbers, below one node whose
 * members sit at `level`. The walk stops at the first level too deep, so a
 * hostile document costs at most MAX_STATE_DEPTH frames of recursion.
 */
function checkMembers(node: JsonObject | JsonValue[], level: number, path: string, inArray: boolean): void {
  const entries: Array<[string | number, JsonValue]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [key, value] of entries) {
    const at = childPath(path, key);
    if (level > MAX_STATE_DEPTH) throw new ShadowRejection(400, `${SHADOW_MESSAGES.tooDeep} (at ${shortForm(at, 200)})`);
    if (value === null && inArray) {
      throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidJson} (arrays cannot hold null values: ${shortForm(at, 200)})`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new ShadowRejection(400, `${SHADOW_MESSAGES.invalidJson} (a number too large for a double at ${shortForm(at, 200)})`);
    }
    if (typeof value === 'object' && value !== null) checkMembers(value, level + 1, at, inArray || Array.isArray(value));
  }
}

function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(shortForm(value))}`;
  return `${typeof value} ${String(value)}`;
}
