// The `Nanolambda` section of a group file: what Greengrass keeps in the cloud
// (code, aliases) and what only a local runtime needs (HTTP endpoint, logs).
//
//   "Nanolambda": {
//     "Code":        { "<FunctionArn as in the group>": "<path>" },   required for every function
//     "Aliases":     { "<alias ARN>": "<version>" },                  optional
//     "Functions":   { "<FunctionArn as in the group>": {...} },      optional: see function-settings.ts
//     "Runtime":     { "MaxConcurrentWorkers": 25,                    on-demand workers of all functions, 1..10000
//                      "ShutdownGraceSeconds": 5,                     in-flight work may finish this long on stop, 0..300
//                      "AllowFunctionsToRunAsRoot": false,            RunAs Uid or Gid 0 accepted (see run-as.ts)
//                      "AllowIsolationFallback": false,               see below
//                      "IpcPort": 0 },                                the Greengrass IPC for Python and Node.js
//                                                                     functions (127.0.0.1; 0: a free port, which
//                                                                     they find in GG_DAEMON_PORT)
//     "Http":        { "Host": "127.0.0.1", "Port": 3001,             optional, default as shown;
//                      "Auth": "SigV4" } | false,                     "None" only on a loopback Host
//     "LogDir":      "<path>",                                        optional, default <config dir>/logs
//     "LogRotation": { "MaxBytes": 5242880, "Files": 5 },             per function log, 1 KB..1 GB; rotated files kept, 1..100
//     "StateDir":    "<path>",                                        optional, default <config dir>/state
//     "LogLevel":    "INFO",                                          the runtime's own log (<LogDir>/system/runtime.log):
//                                                                     DEBUG, INFO, WARN or ERROR
//     "Messaging":   { "MaxMessageBytes": 131072 },                   largest routed message, 1 B..1 MB (Greengrass: 128 KB)
//     "Mqtt":        { ... },                                         optional: the device broker, see mqtt-section.ts
//     "Cloud":       { "Endpoint": "mqtts://...", ... },              optional: the upstream broker, see cloud/cloud-config.ts
//     "EventSources": [ { "Id", "Function", "Schedule" | "Directory", ... } ],  see event-sources/event-sources-section.ts
//     "Secrets":     { "<secret resource Id>": { "FromFile" | "FromEnv" } },  values read at deploy: secrets/secrets-config.ts
//     "SecretKeyFile": "<path>"                                       default <config dir>/keys/secret.key, outside StateDir
//   }
// Paths are relative to the config file's directory. Keys are checked
// against the functions later (load-group.ts), once those are parsed.
// LogDir and StateDir reach the C launcher in tab- and newline-separated
// lists (the directories its containers hide), so the same characters as in
// resource paths are refused (resources.ts).
//
// AllowIsolationFallback: a function whose isolation this machine cannot
// give (the kernel or the runtime's privileges lack what it needs) runs with
// rlimits only instead of failing to deploy. Off by default: a group that
// asks for containers should not silently run without them.
import path from 'node:path';
import { childPath, Fields } from './fields';
import { parseFunctionSettings, type FunctionSettings } from './function-settings';
import { checkPathCharacters } from './resources';
import { isLoopback } from './loopback';
import { parseMqttSection, type MqttBrokerConfig } from './mqtt-section';
import { parseCloudSection, type CloudConfig } from '../cloud/cloud-config';
import { parseEventSourcesSection } from '../event-sources/event-sources-section';
import type { ConfiguredEventSource } from '../event-sources/mapping';
import { LOG_LEVELS, type LogLevel } from '../logs/system-log';
import { EVENT_PAYLOAD_LIMIT } from '../limits';
import { parseSecretKeyFile, parseSecretsSection, type SecretSetting } from '../secrets/secrets-config';

export const DEFAULT_HTTP = Object.freeze({ host: '127.0.0.1', port: 3001 });
/** Greengrass V1's core-wide limit of unpinned workers. */
export const DEFAULT_MAX_CONCURRENT_WORKERS = 25;
const DEFAULT_SHUTDOWN_GRACE_S = 5;
const DEFAULT_LOG_ROTATION = Object.freeze({ maxBytes: 5 * 1024 * 1024, files: 5 });
/** Greengrass V1's local message size limit ("exceeding msg size limit of 128KB"). */
export const DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024;

export interface NanolambdaSection {
  /** FunctionArn -> code path as written (resolved against baseDir later). */
  code: Map<string, string>;
  /** alias ARN -> version, as written (checked against the functions later). */
  aliases: Map<string, string>;
  /** FunctionArn -> its scheduling settings (absent: the defaults). */
  functions: Map<string, FunctionSettings>;
  maxConcurrentWorkers: number;
  shutdownGraceMs: number;
  allowFunctionsToRunAsRoot: boolean;
  allowIsolationFallback: boolean;
  /** The Greengrass IPC server's port on 127.0.0.1 (0: any free one). */
  ipcPort: number;
  http: { host: string; port: number } | undefined;
  /** How the endpoint authenticates: SigV4 against the gateway's keys, or not at all (loopback only). */
  httpAuth: 'SigV4' | 'None';
  logDir: string;
  logRotation: { maxBytes: number; files: number };
  stateDir: string;
  logLevel: LogLevel;
  /** Largest message the router takes (function targets get it as an Event, hence the Event limit above it). */
  maxMessageBytes: number;
  /** The device broker; undefined: none runs. */
  mqtt: MqttBrokerConfig | undefined;
  /** The upstream broker `cloud` stands for; undefined: messages for the cloud are not delivered. */
  cloud: CloudConfig | undefined;
  /** Schedules and watched directories invoking functions (checked against the functions in load-group.ts). */
  eventSources: ConfiguredEventSource[];
  /** Secret resource Id -> where its value comes from (checked against the resources in load-group.ts). */
  secrets: Map<string, SecretSetting>;
  /** The master key of the secret store (kept outside the state directory). */
  secretKeyFile: string;
}

const KNOWN_KEYS = ['Code', 'Aliases', 'Functions', 'Runtime', 'Http', 'LogDir', 'LogRotation', 'StateDir', 'LogLevel', 'Messaging', 'Mqtt', 'Cloud', 'EventSources', 'Secrets', 'SecretKeyFile'] as const;
const VERSION_VALUE = /^(\$LATEST|[0-9]+)$/;

export function parseNanolambdaSection(value: unknown, f: Fields, baseDir: string): NanolambdaSection {
  const P = 'Nanolambda';
  if (value === undefined) {
    throw f.error(P, 'missing: add a "Nanolambda" section with "Code" mapping each FunctionArn to its local executable');
  }
  const obj = f.object(value, P);
  f.onlyKeys(obj, P, KNOWN_KEYS);

  const code = new Map<string, string>();
  const codeObj = f.object(obj.Code ?? {}, `${P}.Code`);
  for (const [arn, p] of Object.entries(codeObj)) {
    const s = f.string(p, childPath(`${P}.Code`, arn));
    if (s.length === 0) throw f.error(childPath(`${P}.Code`, arn), 'expected a path, found the empty string');
    code.set(arn, s);
  }

  const aliases = new Map<string, string>();
  if (obj.Aliases !== undefined) {
    for (const [arn, v] of Object.entries(f.object(obj.Aliases, `${P}.Aliases`))) {
      aliases.set(arn, f.pattern(v, childPath(`${P}.Aliases`, arn), VERSION_VALUE, 'a version number (like "1") or "$LATEST"'));
    }
  }

  const functions = new Map<string, FunctionSettings>();
  if (obj.Functions !== undefined) {
    for (const [arn, v] of Object.entries(f.object(obj.Functions, `${P}.Functions`))) {
      functions.set(arn, parseFunctionSettings(v, childPath(`${P}.Functions`, arn), f, baseDir));
    }
  }

  let maxConcurrentWorkers = DEFAULT_MAX_CONCURRENT_WORKERS;
  let shutdownGraceMs = DEFAULT_SHUTDOWN_GRACE_S * 1000;
  let allowFunctionsToRunAsRoot = false;
  let allowIsolationFallback = false;
  let ipcPort = 0;
  if (obj.Runtime !== undefined) {
    const r = f.object(obj.Runtime, `${P}.Runtime`);
    f.onlyKeys(r, `${P}.Runtime`, ['MaxConcurrentWorkers', 'ShutdownGraceSeconds', 'AllowFunctionsToRunAsRoot', 'AllowIsolationFallback', 'IpcPort']);
    if (r.IpcPort !== undefined) ipcPort = f.integer(r.IpcPort, `${P}.Runtime.IpcPort`, 0, 65535);
    if (r.MaxConcurrentWorkers !== undefined) maxConcurrentWorkers = f.integer(r.MaxConcurrentWorkers, `${P}.Runtime.MaxConcurrentWorkers`, 1, 10_000);
    if (r.ShutdownGraceSeconds !== undefined) {
      shutdownGraceMs = f.integer(r.ShutdownGraceSeconds, `${P}.Runtime.ShutdownGraceSeconds`, 0, 300, 'seconds') * 1000;
    }
    if (r.AllowFunctionsToRunAsRoot !== undefined) {
      allowFunctionsToRunAsRoot = f.boolean(r.AllowFunctionsToRunAsRoot, `${P}.Runtime.AllowFunctionsToRunAsRoot`);
    }
    if (r.AllowIsolationFallback !== undefined) {
      allowIsolationFallback = f.boolean(r.AllowIsolationFallback, `${P}.Runtime.AllowIsolationFallback`);
    }
  }

  let http: NanolambdaSection['http'] = { ...DEFAULT_HTTP };
  let httpAuth: NanolambdaSection['httpAuth'] = 'SigV4';
  if (obj.Http === false) http = undefined;
  else if (obj.Http !== undefined) {
    if (obj.Http === true) throw f.error(`${P}.Http`, 'expected an object {"Host", "Port"} or false, found true');
    const h = f.object(obj.Http, `${P}.Http`);
    f.onlyKeys(h, `${P}.Http`, ['Host', 'Port', 'Auth']);
    const host = h.Host === undefined ? DEFAULT_HTTP.host : f.pattern(h.Host, `${P}.Http.Host`, /^\S+$/, 'a host name or IP address');
    // 0 asks the OS for a free port (tests use it).
    const port = h.Port === undefined ? DEFAULT_HTTP.port : f.integer(h.Port, `${P}.Http.Port`, 0, 65535);
    http = { host, port };
    if (h.Auth !== undefined) httpAuth = f.oneOf(h.Auth, `${P}.Http.Auth`, ['SigV4', 'None'] as const);
    if (httpAuth === 'None' && !isLoopback(host)) {
      throw f.error(
        `${P}.Http.Auth`,
        `"None" lets anyone who reaches ${host} create and run code on the gateway: it is allowed on a loopback Host only (127.0.0.1, ::1, localhost)`,
      );
    }
  }

  const logDir = directory(obj.LogDir, `${P}.LogDir`, 'logs', f, baseDir);
  const stateDir = directory(obj.StateDir, `${P}.StateDir`, 'state', f, baseDir);

  let logRotation: NanolambdaSection['logRotation'] = { ...DEFAULT_LOG_ROTATION };
  if (obj.LogRotation !== undefined) {
    const r = f.object(obj.LogRotation, `${P}.LogRotation`);
    f.onlyKeys(r, `${P}.LogRotation`, ['MaxBytes', 'Files']);
    logRotation = {
      maxBytes: r.MaxBytes === undefined ? logRotation.maxBytes : f.integer(r.MaxBytes, `${P}.LogRotation.MaxBytes`, 1024, 1024 ** 3, 'bytes'),
      files: r.Files === undefined ? logRotation.files : f.integer(r.Files, `${P}.LogRotation.Files`, 1, 100),
    };
  }

  const logLevel = obj.LogLevel === undefined ? 'INFO' : f.oneOf(obj.LogLevel, `${P}.LogLevel`, LOG_LEVELS);
  let maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  if (obj.Messaging !== undefined) {
    const m = f.object(obj.Messaging, `${P}.Messaging`);
    f.onlyKeys(m, `${P}.Messaging`, ['MaxMessageBytes']);
    if (m.MaxMessageBytes !== undefined) maxMessageBytes = f.integer(m.MaxMessageBytes, `${P}.Messaging.MaxMessageBytes`, 1, EVENT_PAYLOAD_LIMIT, 'bytes');
  }
  const mqtt = obj.Mqtt === undefined ? undefined : parseMqttSection(obj.Mqtt, `${P}.Mqtt`, f, baseDir);

  return {
    code,
    aliases,
    functions,
    maxConcurrentWorkers,
    shutdownGraceMs,
    allowFunctionsToRunAsRoot,
    allowIsolationFallback,
    ipcPort,
    http,
    httpAuth,
    logDir,
    logRotation,
    stateDir,
    logLevel,
    maxMessageBytes,
    mqtt,
    cloud: parseCloudSection(obj.Cloud, `${P}.Cloud`, f, baseDir),
    eventSources: parseEventSourcesSection(obj.EventSources ?? [], `${P}.EventSources`, f, baseDir),
    secrets: parseSecretsSection(obj.Secrets, `${P}.Secrets`, f, baseDir),
    secretKeyFile: parseSecretKeyFile(obj.SecretKeyFile, `${P}.SecretKeyFile`, f, baseDir),
  };
}

/** The absolute directory; the resolved path is checked, as the config's own directory is part of it. */
function directory(v: unknown, p: string, fallback: string, f: Fields, baseDir: string): string {
  const dir = path.resolve(baseDir, v === undefined ? fallback : f.pattern(v, p, /^[^\0]+$/, 'a directory path'));
  checkPathCharacters(dir, p, f);
  return dir;
}
