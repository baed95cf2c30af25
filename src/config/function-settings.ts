// Nanolambda.Functions["<FunctionArn>"]: how the runtime schedules and limits
// one function. Greengrass V2's names where it has one (maxInstancesCount,
// maxIdleTimeInSeconds, maxQueueSize), Lambda's for asynchronous invocation
// (MaximumRetryAttempts, MaximumEventAgeInSeconds, DestinationConfig.OnFailure).
//
//   "MaxInstances": 10               on-demand workers at once, 1..1000
//   "MinWarm": 0                     on-demand workers pre-started and never reaped, 0..MaxInstances
//   "MaxIdleTimeInSeconds": 60       an idle on-demand worker stops after this, 1..86400
//   "MaxQueueSize": 1000             invocations waiting for a worker, 1..100000; more are throttled
//   "MaximumRetryAttempts": 2        retries of a failed Event invocation, 0..10
//   "MaximumEventAgeInSeconds": 21600  an Event older than this is not run again, 1..21600
//   "RetryDelaySeconds": 60          delay before the first retry (doubles after), 0..3600
//   "OnFailure": {"Topic": "t"} | {"File": "dead.jsonl"}   where a failed Event goes
//   "SystemLogLevel": "INFO"         "WARN": no START/END/REPORT for invocations that succeed
//   "MaxProcesses": 1024             processes and threads of a worker at most (Lambda's quota), 1..65536
//   "CpuWeight": 100                 a worker's share of contended CPU (cgroup v2 weight), 1..10000
//   "MaxOpenFiles": 1024             a worker's open file descriptors at most (RLIMIT_NOFILE), 16..1048576
//   "CoreFileSizeKB": 0              largest core dump a worker writes (RLIMIT_CORE), 0..1048576; 0: none
//   "TmpSizeKB": 16384               size of the container's private /tmp, and of its /dev/shm, each, 64..1048576
//
// Core dumps are off by default: a crash-looping function would otherwise
// fill the flash of a small gateway. /tmp and /dev/shm are memory (tmpfs):
// unbounded, one function's scratch files could exhaust the machine's RAM.
import path from 'node:path';
import type { FailureDestination } from './types';
import { describe, Fields } from './fields';

export const DEFAULT_MAX_INSTANCES = 10;
export const MAX_MAX_INSTANCES = 1000;
const DEFAULT_MAX_IDLE_S = 60;
const DEFAULT_MAX_QUEUE_SIZE = 1000;
const DEFAULT_RETRIES = 2;
const DEFAULT_MAX_EVENT_AGE_S = 6 * 3600;
const DEFAULT_RETRY_DELAY_S = 60;

export interface FunctionSettings {
  /** Undefined when not given: a pinned function then runs one, others DEFAULT_MAX_INSTANCES. */
  maxInstances: number | undefined;
  minWarm: number;
  maxIdleMs: number;
  maxQueueSize: number;
  maxRetries: number;
  maxEventAgeMs: number;
  retryDelayMs: number;
  onFailure: FailureDestination | undefined;
  systemLogLevel: 'INFO' | 'WARN';
  maxProcesses: number;
  cpuWeight: number;
  maxOpenFiles: number;
  coreFileBytes: number;
  tmpBytes: number;
  /** The Lambda runtime (python3.11, nodejs20.x, provided.al2, ...) when the group entry does not say (FunctionRuntimeOverride). */
  runtime: string | undefined;
}

export const DEFAULT_SETTINGS: Readonly<FunctionSettings> = Object.freeze({
  maxInstances: undefined,
  minWarm: 0,
  maxIdleMs: DEFAULT_MAX_IDLE_S * 1000,
  maxQueueSize: DEFAULT_MAX_QUEUE_SIZE,
  maxRetries: DEFAULT_RETRIES,
  maxEventAgeMs: DEFAULT_MAX_EVENT_AGE_S * 1000,
  retryDelayMs: DEFAULT_RETRY_DELAY_S * 1000,
  onFailure: undefined,
  systemLogLevel: 'INFO',
  maxProcesses: 1024,
  cpuWeight: 100,
  maxOpenFiles: 1024,
  coreFileBytes: 0,
  tmpBytes: 16384 * 1024,
  runtime: undefined,
});

const KEYS = [
  'MaxInstances',
  'MinWarm',
  'MaxIdleTimeInSeconds',
  'MaxQueueSize',
  'MaximumRetryAttempts',
  'MaximumEventAgeInSeconds',
  'RetryDelaySeconds',
  'OnFailure',
  'SystemLogLevel',
  'MaxProcesses',
  'CpuWeight',
  'MaxOpenFiles',
  'CoreFileSizeKB',
  'TmpSizeKB',
  'Runtime',
] as const;
const LOG_LEVELS = ['INFO', 'WARN'] as const;

export function parseFunctionSettings(value: unknown, p: string, f: Fields, baseDir: string): FunctionSettings {
  const obj = f.object(value, p);
  f.onlyKeys(obj, p, KEYS);
  const d = DEFAULT_SETTINGS;
  const maxInstances = obj.MaxInstances === undefined ? undefined : f.integer(obj.MaxInstances, `${p}.MaxInstances`, 1, MAX_MAX_INSTANCES);
  const warmCap = maxInstances ?? DEFAULT_MAX_INSTANCES;
  const minWarm = obj.MinWarm === undefined ? d.minWarm : f.integer(obj.MinWarm, `${p}.MinWarm`, 0, MAX_MAX_INSTANCES);
  if (minWarm > warmCap) {
    throw f.error(`${p}.MinWarm`, `${minWarm} warm workers exceed MaxInstances (${warmCap}): lower MinWarm or raise MaxInstances`);
  }
  return {
    maxInstances,
    minWarm,
    maxIdleMs: seconds(obj.MaxIdleTimeInSeconds, `${p}.MaxIdleTimeInSeconds`, f, 1, 86400, d.maxIdleMs, true),
    maxQueueSize: obj.MaxQueueSize === undefined ? d.maxQueueSize : f.integer(obj.MaxQueueSize, `${p}.MaxQueueSize`, 1, 100_000),
    maxRetries: obj.MaximumRetryAttempts === undefined ? d.maxRetries : f.integer(obj.MaximumRetryAttempts, `${p}.MaximumRetryAttempts`, 0, 10),
    maxEventAgeMs: seconds(obj.MaximumEventAgeInSeconds, `${p}.MaximumEventAgeInSeconds`, f, 1, 21600, d.maxEventAgeMs, true),
    retryDelayMs: seconds(obj.RetryDelaySeconds, `${p}.RetryDelaySeconds`, f, 0, 3600, d.retryDelayMs, false),
    onFailure: obj.OnFailure === undefined ? undefined : parseDestination(obj.OnFailure, `${p}.OnFailure`, f, baseDir),
    systemLogLevel: obj.SystemLogLevel === undefined ? d.systemLogLevel : f.oneOf(obj.SystemLogLevel, `${p}.SystemLogLevel`, LOG_LEVELS),
    maxProcesses: obj.MaxProcesses === undefined ? d.maxProcesses : f.integer(obj.MaxProcesses, `${p}.MaxProcesses`, 1, 65536),
    cpuWeight: obj.CpuWeight === undefined ? d.cpuWeight : f.integer(obj.CpuWeight, `${p}.CpuWeight`, 1, 10000),
    maxOpenFiles: obj.MaxOpenFiles === undefined ? d.maxOpenFiles : f.integer(obj.MaxOpenFiles, `${p}.MaxOpenFiles`, 16, 1_048_576),
    coreFileBytes: kilobytes(obj.CoreFileSizeKB, `${p}.CoreFileSizeKB`, f, 0, d.coreFileBytes),
    tmpBytes: kilobytes(obj.TmpSizeKB, `${p}.TmpSizeKB`, f, 64, d.tmpBytes),
    runtime: obj.Runtime === undefined ? undefined : f.pattern(obj.Runtime, `${p}.Runtime`, /^\S+$/, 'a Lambda runtime identifier, like "python3.11"'),
  };
}

/** KB (min..1 GB) as bytes. */
function kilobytes(v: unknown, p: string, f: Fields, min: number, fallbackBytes: number): number {
  return v === undefined ? fallbackBytes : f.integer(v, p, min, 1_048_576, 'KB') * 1024;
}

/** Seconds as milliseconds; fractions allowed unless `whole`. */
function seconds(v: unknown, p: string, f: Fields, min: number, max: number, fallbackMs: number, whole: boolean): number {
  if (v === undefined) return fallbackMs;
  if (whole) return f.integer(v, p, min, max, 'seconds') * 1000;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw f.error(p, `expected a number of seconds from ${min} to ${max}, found ${describe(v)}`);
  }
  return Math.round(v * 1000);
}

function parseDestination(v: unknown, p: string, f: Fields, baseDir: string): FailureDestination {
  const obj = f.object(v, p);
  f.onlyKeys(obj, p, ['Topic', 'File']);
  if ((obj.Topic === undefined) === (obj.File === undefined)) {
    throw f.error(p, 'expected exactly one of {"Topic": "<topic>"} or {"File": "<path>"}');
  }
  if (obj.Topic !== undefined) {
    const topic = f.pattern(obj.Topic, `${p}.Topic`, /^[^#+\0]{1,256}$/, 'an MQTT topic of 1-256 characters without wildcards');
    return { kind: 'topic', topic };
  }
  const file = f.pattern(obj.File, `${p}.File`, /^[^\0]+$/, 'a file path');
  return { kind: 'file', path: path.resolve(baseDir, file) };
}
