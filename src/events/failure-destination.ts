// Where an asynchronous event goes when nanolambda gives up on it: Lambda's
// on-failure destination record, published on the local bus or appended to a
// dead-letter file.
import fs from 'node:fs';
import path from 'node:path';
import { TextDecoder } from 'node:util';
import type { FunctionSpec } from '../config/types';
import type { StoredEvent } from './event-store';
import type { GiveUpCondition } from './retry-policy';

/** Publishes on the local bus as the function (the runtime's MessageBus.publish). */
/** Publish on the local bus as the function; returns the targets that took it. */
export type PublishAs = (sourceFunctionArn: string, topic: string, payload: Buffer) => string[];

/** The record Lambda sends to an on-failure destination. */
export interface FailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: GiveUpCondition;
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  /** Present when requestPayload is the base64 of a payload that is not JSON. */
  requestPayloadEncoding?: 'base64';
  /** Absent when the event never ran (it was too old before its first attempt). */
  responseContext?: { statusCode: 200; executedVersion: string; functionError: 'Handled' | 'Unhandled' };
  responsePayload?: unknown;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function failureRecord(fn: FunctionSpec, event: StoredEvent, attempts: number, condition: GiveUpCondition, now: number): FailureRecord {
  const record: FailureRecord = {
    version: '1.0',
    timestamp: new Date(now).toISOString(),
    requestContext: { requestId: event.requestId, functionArn: fn.arn, condition, approximateInvokeCount: attempts },
    requestPayload: null,
  };
  const json = parseJson(event.payload);
  if (json.ok) record.requestPayload = json.value;
  else {
    record.requestPayload = event.payload.toString('base64');
    record.requestPayloadEncoding = 'base64';
  }
  if (event.lastError) {
    record.responseContext = { statusCode: 200, executedVersion: fn.version, functionError: event.lastError.functionError };
    const error = parseJson(event.lastError.payload);
    record.responsePayload = error.ok ? error.value : event.lastError.payload.toString('utf8');
  }
  return record;
}

/**
 * Deliver a record to the function's destination. Returns where it went
 * (for the log line), undefined when the function has none. Throws when the
 * file cannot be written.
 */
export function deliverFailure(fn: FunctionSpec, record: FailureRecord, publish: PublishAs): string | undefined {
  const destination = fn.async.onFailure;
  if (!destination) return undefined;
  const line = JSON.stringify(record);
  if (destination.kind === 'topic') {
    const targets = publish(fn.arn, destination.topic, Buffer.from(line));
    // Nobody took it (no subscription, or every target busy): the caller logs the record.
    if (targets.length === 0) throw new Error(`no subscriber of topic ${destination.topic} took it`);
    return `topic ${destination.topic} (to ${targets.join(', ')})`;
  }
  appendDurably(destination.path, `${line}\n`);
  return `file ${destination.path}`;
}

/** One whole line per write, fsynced: the event row is deleted right after. */
function appendDurably(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    const bytes = Buffer.from(text);
    for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(strictUtf8.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}
