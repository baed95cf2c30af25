// Events in and results out, by the function's ENCODING_TYPE
// (greengrass-v1.md §3): json events are parsed (an empty body is {}) and
// results serialised (undefined is null); binary events are Buffers and
// results are sent as bytes.
'use strict';

const { runtimeError } = require('./error-document');

/** The event for the handler; throws a Runtime.UnmarshalError when a json event is not JSON. */
function decodeEvent(encoding, payload) {
  if (encoding === 'binary') return payload;
  if (payload.length === 0) return {};
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw runtimeError('Runtime.UnmarshalError', `the event is not JSON (the function's EncodingType is json): ${error.message}`);
  }
}

/**
 * The result's bytes. json: JSON text. binary: bytes and strings as they are,
 * nothing for null or undefined, anything else as JSON text. Throws when the
 * value cannot be serialised (a cycle, a BigInt).
 */
function encodeResult(encoding, value) {
  if (encoding === 'binary') {
    if (value === undefined || value === null) return Buffer.alloc(0);
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return Buffer.from(value);
  }
  // JSON.stringify gives undefined for undefined, functions and symbols: Lambda answers null.
  return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
}

module.exports = { decodeEvent, encodeResult };
