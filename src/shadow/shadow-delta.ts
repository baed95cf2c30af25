// The delta of a shadow: what `desired` asks for that `reported` does not
// show, and when an update is due to announce it on /update/delta.
//
// AWS IoT rules: the comparison walks desired key by key, into objects on
// both sides; a desired key missing from reported is in the delta; reported
// keys missing from desired are not; arrays (and any value whose type
// differs) compare as whole values, and the delta then holds the whole
// desired value. The delta's metadata is desired's, for the same keys.
import { emptyObject, isEmptyObject, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-tree';

/** desired minus reported, or undefined when they agree. */
export function deltaOf(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const delta = emptyObject();
  for (const key of Object.keys(desired)) {
    const want = desired[key];
    const have = reported?.[key];
    if (isJsonObject(want) && isJsonObject(have)) {
      const nested = deltaOf(want, have);
      if (nested) delta[key] = nested;
    } else if (!jsonEqual(want, have)) {
      delta[key] = want;
    }
  }
  return isEmptyObject(delta) ? undefined : delta;
}

/** Desired's metadata cut to the shape of `delta`. */
export function deltaMetadata(delta: JsonObject, desiredMetadata: JsonObject | undefined): JsonObject {
  const metadata = emptyObject();
  for (const key of Object.keys(delta)) {
    const value = delta[key];
    const entry: JsonValue | undefined = desiredMetadata?.[key];
    if (entry === undefined) continue;
    // A nested delta is a part of desired's object there: cut its metadata too.
    metadata[key] = isJsonObject(value) && isJsonObject(entry) ? deltaMetadata(value, entry) : entry;
  }
  return metadata;
}

/**
 * Whether an update whose request set `requestDesired` is due to publish a
 * delta: AWS IoT publishes when the request's desired values differ from
 * reported, so a report that leaves an old difference, or a desired change
 * that matches reported, publishes none.
 */
export function deltaDue(
  requestDesired: JsonObject | null | undefined,
  desired: JsonObject | undefined,
  reported: JsonObject | undefined,
): boolean {
  if (!requestDesired || !desired) return false;
  return deltaOf(requestedPart(requestDesired, desired), reported) !== undefined;
}

/** The part of the stored desired state that the request wrote (its keys, at their new values). */
function requestedPart(request: JsonObject, desired: JsonObject): JsonObject {
  const part = emptyObject();
  for (const key of Object.keys(request)) {
    const written = request[key];
    const stored = desired[key];
    if (written === null || stored === undefined) continue;
    if (isJsonObject(written) && isJsonObject(stored)) {
      const nested = requestedPart(written, stored);
      if (!isEmptyObject(nested)) part[key] = nested;
    } else {
      part[key] = stored;
    }
  }
  return part;
}
