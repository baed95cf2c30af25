// Control frames on a worker's socket (native/wire/control.proto), the slow
// path beside the shared-memory rings: doorbells, service calls from the
// function (invoke, publish, shadow, secrets) and their replies.
import path from 'node:path';
import type protobuf from 'protobufjs';
import { packageRoot } from './binding';

/** Must match NLW_MAX_FRAME_BYTES in native/wire/nlw_control.h. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
const PREFIX_BYTES = 4;

/** gg_request_status values (greengrasssdk.h). */
export const enum RequestStatus {
  Success = 0,
  Handled = 1,
  Unhandled = 2,
  Unknown = 3,
  Again = 4,
}

export interface InvokeCall {
  functionArn: string;
  qualifier: string;
  clientContext: string;
  event: boolean;
  payload: Uint8Array;
}
export interface PublishCall {
  topic: string;
  payload: Uint8Array;
  policy: 'BEST_EFFORT' | 'ALL_OR_ERROR';
}
export interface ShadowCall {
  op: 'GET' | 'UPDATE' | 'DELETE';
  thingName: string;
  payload: Uint8Array;
}
export interface SecretCall {
  secretId: string;
  versionId: string;
  versionStage: string;
}
export interface ServiceRequest {
  id: number;
  invoke?: InvokeCall;
  publish?: PublishCall;
  shadow?: ShadowCall;
  secret?: SecretCall;
}
export interface Frame {
  hello?: { pid: number; sdkVersion: string };
  doorbell?: object;
  request?: ServiceRequest;
  reply?: { id: number; status: RequestStatus; payload: Uint8Array };
  shutdown?: object;
}

let frameType: protobuf.Type | undefined;

function schema(): protobuf.Type {
  if (!frameType) {
    // Loaded on first use, not at import: protobufjs costs ~8 MB of RSS, and
    // an idle runtime with no worker running never needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const protobuf = require('protobufjs') as typeof import('protobufjs');
    const root = protobuf.loadSync(path.join(packageRoot, 'native', 'wire', 'control.proto'));
    frameType = root.lookupType('nanolambda.wire.Frame');
  }
  return frameType;
}

// Enums as their names, scalars with their defaults filled in; bytes stay
// the Buffers protobufjs decoded (no copy).
const decodeOptions: protobuf.IConversionOptions = { enums: String, defaults: true };

/** Encode one frame with its 4-byte little-endian length prefix. */
export function encodeFrame(frame: Frame): Buffer {
  const type = schema();
  const body = type.encode(type.fromObject(frame as Record<string, unknown>)).finish();
  const out = Buffer.allocUnsafe(PREFIX_BYTES + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, PREFIX_BYTES);
  return out;
}

export function decodeFrameBody(body: Uint8Array): Frame {
  const type = schema();
  const message = type.decode(body);
  const object = type.toObject(message, decodeOptions) as Frame & Record<string, unknown>;
  // toObject with defaults fills unset oneof members with nothing, but keep
  // only the member that was on the wire.
  const present = (message as unknown as { body?: string }).body;
  if (!present) throw new Error('control frame has no body');
  return { [present]: object[present] } as Frame;
}

/**
 * Splits a byte stream into frames. Every length is bounded: a prefix of 0
 * or over MAX_FRAME_BYTES means the peer is broken or hostile, and the
 * stream is refused as a whole (the caller kills the worker). Each byte is
 * copied at most once, however the frame is cut into chunks.
 */
export class FrameReader {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Body length of the frame being read; -1 while its prefix is not read. */
  private bodyBytes = -1;

  /** Feeds bytes; returns the complete frames now available. Throws on a bad stream. */
  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.bodyBytes < 0) {
        if (this.pendingBytes < PREFIX_BYTES) break;
        const length = this.take(PREFIX_BYTES).readUInt32LE(0);
        if (length === 0 || length > MAX_FRAME_BYTES) {
          throw new Error(`control frame length ${length} is outside 1..${MAX_FRAME_BYTES}`);
        }
        this.bodyBytes = length;
      }
      if (this.pendingBytes < this.bodyBytes) break;
      const body = this.take(this.bodyBytes);
      this.bodyBytes = -1;
      frames.push(decodeFrameBody(body));
    }
    return frames;
  }

  /** Remove the first n pending bytes (n <= pendingBytes). */
  private take(n: number): Buffer {
    this.pendingBytes -= n;
    const first = this.pending[0]!;
    if (first.length >= n) {
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const piece = this.pending[0]!;
      const used = Math.min(piece.length, n - filled);
      piece.copy(out, filled, 0, used);
      filled += used;
      if (used === piece.length) this.pending.shift();
      else this.pending[0] = piece.subarray(used);
    }
    return out;
  }
}
