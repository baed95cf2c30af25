// A thing's shadow as stored: `state` ({desired?, reported?}) and `metadata`
// (the same shape with a {"timestamp"} per leaf), and how an accepted update
// changes it.
//
// Merge rules (AWS IoT Device Shadow): a null value deletes its key; an
// object merges key by key into an existing object and replaces any other
// value; anything else (including an array) replaces the value whole;
// `"desired": null` / `"reported": null` clears the section.
//
// Choices where AWS IoT's documentation is silent:
// - The stored state never holds an empty object: an object emptied by
//   deletions is removed, up to and including its section, and an update
//   that sets `{}` where no object was stores nothing there. Metadata has a
//   timestamp per leaf, so an empty object would have no timestamp to show.
// - Array metadata has one entry per element, as AWS IoT shows it: a
//   {"timestamp"} for a scalar element, the per-leaf metadata of an object
//   element. An array is always replaced whole, so all its entries share
//   the update's timestamp.
import { emptyObject, isEmptyObject, isJsonObject, shallowCopy, type JsonObject, type JsonValue } from './json-tree';
import type { UpdateRequest } from './shadow-request';

export interface ShadowDocument {
  /** {desired?, reported?}: only sections that hold something. */
  state: JsonObject;
  /** {desired?, reported?}: the state's shape, a {"timestamp"} per leaf. */
  metadata: JsonObject;
}

export const SECTIONS = ['desired', 'reported'] as const;
export type Section = (typeof SECTIONS)[number];

/** The section of a state or metadata object, or undefined when absent. */
export function sectionOf(node: JsonObject, section: Section): JsonObject | undefined {
  const value = node[section];
  return isJsonObject(value) ? value : undefined;
}

/** The document after `update`, stamped `timestamp` (epoch seconds). `current` is left untouched. */
export function applyUpdate(current: ShadowDocument | undefined, update: UpdateRequest, timestamp: number): ShadowDocument {
  const state = current ? shallowCopy(current.state) : emptyObject();
  const metadata = current ? shallowCopy(current.metadata) : emptyObject();
  for (const section of SECTIONS) {
    const change = update[section];
    if (change === undefined) continue;
    const merged = change === null ? undefined : mergeObject(sectionOf(state, section), sectionOf(metadata, section), change, timestamp);
    if (merged === undefined || isEmptyObject(merged.state)) {
      delete state[section];
      delete metadata[section];
    } else {
      state[section] = merged.state;
      metadata[section] = merged.metadata;
    }
  }
  return { state, metadata };
}

/**
 * Merge `change` into an object (and its metadata) without modifying either:
 * new objects are built along the changed paths, the rest is shared.
 */
function mergeObject(
  state: JsonObject | undefined,
  metadata: JsonObject | undefined,
  change: JsonObject,
  timestamp: number,
): { state: JsonObject; metadata: JsonObject } {
  const nextState = state ? shallowCopy(state) : emptyObject();
  const nextMetadata = metadata ? shallowCopy(metadata) : emptyObject();
  for (const key of Object.keys(change)) {
    const value = change[key];
    if (value === null) {
      delete nextState[key];
      delete nextMetadata[key];
    } else if (isJsonObject(value)) {
      const existing = nextState[key];
      const existingMetadata = nextMetadata[key];
      const merged = isJsonObject(existing)
        ? mergeObject(existing, isJsonObject(existingMetadata) ? existingMetadata : undefined, value, timestamp)
        : mergeObject(undefined, undefined, value, timestamp);
      if (isEmptyObject(merged.state)) {
        delete nextState[key];
        delete nextMetadata[key];
      } else {
        nextState[key] = merged.state;
        nextMetadata[key] = merged.metadata;
      }
    } else {
      nextState[key] = value;
      nextMetadata[key] = metadataOf(value, timestamp);
    }
  }
  return { state: nextState, metadata: nextMetadata };
}

/**
 * The metadata of a value set at `timestamp`: {"timestamp"} for a scalar
 * (or a null in a request), per key for an object, per element for an array.
 */
export function metadataOf(value: JsonValue, timestamp: number): JsonValue {
  if (Array.isArray(value)) return value.map((element) => metadataOf(element, timestamp));
  if (isJsonObject(value)) {
    const metadata = emptyObject();
    for (const key of Object.keys(value)) metadata[key] = metadataOf(value[key], timestamp);
    return metadata;
  }
  const leaf = emptyObject();
  leaf.timestamp = timestamp;
  return leaf;
}

/** The state and metadata of what an update request set, as its /update/accepted document shows them. */
export function requestEcho(update: UpdateRequest, timestamp: number): ShadowDocument {
  const state = emptyObject();
  const metadata = emptyObject();
  for (const section of SECTIONS) {
    const change = update[section];
    if (change === undefined) continue;
    state[section] = change;
    metadata[section] = metadataOf(change, timestamp);
  }
  return { state, metadata };
}

/** UTF-8 bytes of the state as AWS IoT counts a document's size: desired and reported, not metadata. */
export function stateBytes(document: ShadowDocument): number {
  return Buffer.byteLength(JSON.stringify(document.state), 'utf8');
}
