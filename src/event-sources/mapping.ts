// What an event source mapping is, whichever way it was made: the group
// file's Nanolambda.EventSources (read-only through the API) or the Lambda
// API's CreateEventSourceMapping (stored in <StateDir>/event-sources.db).
import { createHash } from 'node:crypto';

export const DEFAULT_SETTLE_MS = 500;

export type SourceSpec =
  | {
      kind: 'schedule';
      /** The rate(...) or cron(...) expression, validated. */
      expression: string;
      /** The constant payload (JSON text) sent instead of the Scheduled Event. */
      input: string | undefined;
    }
  | {
      kind: 'directory';
      /** Absolute path of the watched directory. */
      directory: string;
      /** The bucket name shown in events. */
      bucket: string;
      /** S3-style key filters: a key must start with prefix and end with suffix. */
      prefix: string;
      suffix: string;
      /** Subdirectories too (keys then hold '/'). */
      recursive: boolean;
      /** A file being written is complete once unchanged this long. */
      settleMs: number;
    };

/** One entry of Nanolambda.EventSources, as parsed (see event-sources-section.ts). */
export interface ConfiguredEventSource {
  id: string;
  /** The entry's JSON path in the group file (for errors). */
  jsonPath: string;
  /** As written: a FunctionArn of the group, or name[:qualifier]. */
  functionName: string;
  enabled: boolean;
  source: SourceSpec;
}

export interface Mapping {
  uuid: string;
  /** From the group file (its Id) or from the API. */
  origin: { kind: 'config'; id: string } | { kind: 'api' };
  /** What each event invokes: the FunctionName as given, resolved at every invocation. */
  functionName: string;
  /** The function's full ARN when the mapping was made or last changed. */
  functionArn: string;
  eventSourceArn: string;
  enabled: boolean;
  lastModifiedMs: number;
  source: SourceSpec;
}

/**
 * A group-file mapping's UUID, derived from its Id (a name-based UUID, RFC
 * 4122 version 5 layout) so it stays the same across restarts and deploys:
 * what a directory delivered is remembered under it.
 */
export function configMappingUuid(id: string): string {
  const hash = createHash('sha1').update(`nanolambda event source\u0000${id}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether two specs would run the same way (a deploy keeps such a mapping running). */
export function sameSource(a: SourceSpec, b: SourceSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Region and account of a function ARN (arn:aws:lambda:<region>:<account>:function:...), for event payloads. */
export function regionAndAccount(functionArn: string): { region: string; account: string } {
  const parts = functionArn.split(':');
  return parts[0] === 'arn' && parts.length >= 5 ? { region: parts[3]!, account: parts[4]! } : { region: '', account: '' };
}
