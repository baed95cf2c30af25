// JSON values as the shadow service holds them: every object has a null
// prototype. Shadow documents are written by devices and functions, so their
// keys are hostile input: a key such as "__proto__" or "constructor" must be
// plain data. On a null-prototype object reading `o[key]` never finds an
// inherited member and assigning `o[key]` never reaches a prototype setter,
// so the merge, delta and metadata code can index objects without care.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A new empty object with no prototype. */
export function emptyObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

/**
 * JSON.parse, with every object rebuilt without a prototype. Throws what
 * JSON.parse throws (a SyntaxError, or a RangeError for absurd nesting).
 */
export function parseJsonTree(text: string): JsonValue {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    // JSON.parse created `value` with Object.prototype, but as own data
    // properties (even "__proto__"): copying them by assignment onto a
    // null-prototype object keeps every key as data.
    const copy = emptyObject();
    for (const key of Object.keys(value)) copy[key] = (value as Record<string, JsonValue>)[key];
    return copy;
  }) as JsonValue;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an object has no keys. */
export function isEmptyObject(value: JsonObject): boolean {
  for (const _key in value) return false;
  return true;
}

/** A copy of the object's own keys, one level deep (the values are shared). */
export function shallowCopy(value: JsonObject): JsonObject {
  const copy = emptyObject();
  for (const key of Object.keys(value)) copy[key] = value[key];
  return copy;
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, i) => jsonEqual(element, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}
