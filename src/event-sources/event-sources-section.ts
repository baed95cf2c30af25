// The group file's Nanolambda.EventSources: schedules and watched
// directories that invoke functions (Event invocations, durable and retried).
//
//   "EventSources": [
//     { "Id": "nightly", "Function": "<FunctionArn as in the group, or name[:qualifier]>",
//       "Schedule": "cron(0 3 * * ? *)",        rate(...) or cron(...), as AWS EventBridge writes them
//       "Input": { ... },                       optional: sent instead of the Scheduled Event (any JSON, up to 1 MB)
//       "Enabled": true },                      optional, default true
//     { "Id": "uploads", "Function": "...",
//       "Directory": "<path>",                  relative to the group file's directory
//       "Bucket": "<name>",                     optional, default the directory's name (an S3 bucket name)
//       "Prefix": "", "Suffix": ".jpg",         optional key filters, default "" (any)
//       "Recursive": false,                     optional: subdirectories too
//       "SettleMilliseconds": 500,              optional, 0..600000: a file being written is complete once unchanged this long
//       "Enabled": true }
//   ]
// Ids are unique ([A-Za-z0-9_.-], 1-64): a mapping's UUID derives from its
// Id, and so does what its directory has delivered (kept across restarts).
// Function names are checked against the group's functions once those are
// parsed (checkEventSourceFunctions).
import path from 'node:path';
import { childPath, describe, Fields } from '../config/fields';
import { NanolambdaError } from '../errors';
import { EVENT_PAYLOAD_LIMIT } from '../limits';
import { parseFunctionName } from '../registry/arn';
import { DEFAULT_SETTLE_MS, type ConfiguredEventSource, type SourceSpec } from './mapping';
import { parseScheduleExpression } from './schedule-expression';
import { bucketNameProblem } from './source-arn';

const COMMON_KEYS = ['Id', 'Function', 'Enabled'] as const;
const SCHEDULE_KEYS = ['Schedule', 'Input'] as const;
const DIRECTORY_KEYS = ['Directory', 'Bucket', 'Prefix', 'Suffix', 'Recursive', 'SettleMilliseconds'] as const;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** S3's longest key; a longer filter could match nothing. */
const MAX_FILTER_LENGTH = 1024;
const MAX_SETTLE_MS = 600_000;

export function parseEventSourcesSection(value: unknown, jsonPath: string, f: Fields, baseDir: string): ConfiguredEventSource[] {
  const ids = new Map<string, string>();
  return f.array(value, jsonPath).map((item, i) => {
    const p = childPath(jsonPath, i);
    const obj = f.object(item, p);
    const isSchedule = obj.Schedule !== undefined;
    if (isSchedule === (obj.Directory !== undefined)) {
      throw f.error(p, 'expected exactly one of "Schedule" (rate(...) or cron(...)) and "Directory" (a path to watch)');
    }
    f.onlyKeys(obj, p, [...COMMON_KEYS, ...(isSchedule ? SCHEDULE_KEYS : DIRECTORY_KEYS)]);

    const id = f.pattern(obj.Id, `${p}.Id`, ID, 'an Id of 1-64 letters, digits, "_", "." or "-"');
    const earlier = ids.get(id);
    if (earlier !== undefined) throw f.error(`${p}.Id`, `"${id}" is already the Id of ${earlier}: Ids must be unique`);
    ids.set(id, p);

    const functionName = f.string(obj.Function, `${p}.Function`);
    try {
      parseFunctionName(functionName);
    } catch (error) {
      throw f.error(`${p}.Function`, (error as Error).message);
    }
    const enabled = obj.Enabled === undefined ? true : f.boolean(obj.Enabled, `${p}.Enabled`);
    const source = isSchedule ? scheduleSource(obj, p, f) : directorySource(obj, p, f, baseDir);
    return { id, jsonPath: p, functionName, enabled, source };
  });
}

function scheduleSource(obj: Record<string, unknown>, p: string, f: Fields): SourceSpec {
  const expression = f.string(obj.Schedule, `${p}.Schedule`);
  try {
    parseScheduleExpression(expression);
  } catch (error) {
    throw f.error(`${p}.Schedule`, (error as Error).message);
  }
  let input: string | undefined;
  if (obj.Input !== undefined) {
    input = JSON.stringify(obj.Input);
    if (Buffer.byteLength(input) > EVENT_PAYLOAD_LIMIT) {
      throw f.error(`${p}.Input`, `is ${Buffer.byteLength(input)} bytes of JSON: an Event payload is at most ${EVENT_PAYLOAD_LIMIT} bytes`);
    }
  }
  return { kind: 'schedule', expression, input };
}

function directorySource(obj: Record<string, unknown>, p: string, f: Fields, baseDir: string): SourceSpec {
  const written = f.pattern(obj.Directory, `${p}.Directory`, /^[^\0]+$/, 'a directory path');
  const directory = path.resolve(baseDir, written);
  let bucket: string;
  if (obj.Bucket === undefined) {
    bucket = path.basename(directory);
    const wrong = bucketNameProblem(bucket);
    if (wrong !== undefined) {
      throw f.error(`${p}.Directory`, `its name is the default Bucket, but ${wrong}: set "Bucket" to the name events should show`);
    }
  } else {
    bucket = f.string(obj.Bucket, `${p}.Bucket`);
    const wrong = bucketNameProblem(bucket);
    if (wrong !== undefined) throw f.error(`${p}.Bucket`, `expected an S3 bucket name, but ${wrong}`);
  }
  return {
    kind: 'directory',
    directory,
    bucket,
    prefix: filter(obj.Prefix, `${p}.Prefix`, f),
    suffix: filter(obj.Suffix, `${p}.Suffix`, f),
    recursive: obj.Recursive === undefined ? false : f.boolean(obj.Recursive, `${p}.Recursive`),
    settleMs: obj.SettleMilliseconds === undefined ? DEFAULT_SETTLE_MS : f.integer(obj.SettleMilliseconds, `${p}.SettleMilliseconds`, 0, MAX_SETTLE_MS, 'milliseconds'),
  };
}

function filter(v: unknown, p: string, f: Fields): string {
  if (v === undefined) return '';
  const s = f.string(v, p);
  if (s.length > MAX_FILTER_LENGTH) throw f.error(p, `expected at most ${MAX_FILTER_LENGTH} characters, found ${describe(s)} (${s.length})`);
  return s;
}

/** What checkEventSourceFunctions needs of the group's function registry (FunctionRegistry has it). */
export interface FunctionResolver {
  /** Throws NanolambdaError (FUNCTION_NOT_FOUND, INVALID_PARAMETER) when the name reaches no entry. */
  resolve(nameOrArn: string): unknown;
}

/** Every source's Function must reach one of the group's functions; the error names the entry's Function field. */
export function checkEventSourceFunctions(sources: readonly ConfiguredEventSource[], registry: FunctionResolver, f: Fields): void {
  for (const source of sources) {
    try {
      registry.resolve(source.functionName);
    } catch (error) {
      if (!NanolambdaError.is(error)) throw error;
      throw f.error(`${source.jsonPath}.Function`, `${error.message}: name one of the group's functions`);
    }
  }
}
