// The `Nanolambda` section of a group file: what Greengrass keeps in the cloud
// (code, aliases) and what only a local runtime needs (HTTP endpoint, logs).
//
//   "Nanolambda": {
//     "Code":         { "<FunctionArn as in the group>": "<path>" },   required for every function
//     "Aliases":      { "<alias ARN>": "<version>" },                  optional
//     "MaxInstances": { "<FunctionArn as in the group>": <1..1000> },  optional, default 10
//     "Http":         { "Host": "127.0.0.1", "Port": 3001 } | false,   optional, default as shown
//     "LogDir":       "<path>"                                         optional, default <config dir>/logs
//   }
// Paths are relative to the config file's directory. Keys are checked
// against the functions later (load-group.ts), once those are parsed.
import path from 'node:path';
import { childPath, Fields } from './fields';

export const DEFAULT_HTTP = Object.freeze({ host: '127.0.0.1', port: 3001 });
/** On-demand workers of one function at once, when MaxInstances does not say. */
export const DEFAULT_MAX_INSTANCES = 10;
export const MAX_MAX_INSTANCES = 1000;

export interface NanolambdaSection {
  /** FunctionArn -> code path as written (resolved against baseDir later). */
  code: Map<string, string>;
  /** alias ARN -> version, as written (checked against the functions later). */
  aliases: Map<string, string>;
  maxInstances: Map<string, number>;
  http: { host: string; port: number } | undefined;
  logDir: string;
}

const KNOWN_KEYS = ['Code', 'Aliases', 'MaxInstances', 'Http', 'LogDir'] as const;
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

  const maxInstances = new Map<string, number>();
  if (obj.MaxInstances !== undefined) {
    for (const [arn, v] of Object.entries(f.object(obj.MaxInstances, `${P}.MaxInstances`))) {
      maxInstances.set(arn, f.integer(v, childPath(`${P}.MaxInstances`, arn), 1, MAX_MAX_INSTANCES));
    }
  }

  let http: NanolambdaSection['http'] = { ...DEFAULT_HTTP };
  if (obj.Http === false) http = undefined;
  else if (obj.Http !== undefined) {
    if (obj.Http === true) throw f.error(`${P}.Http`, 'expected an object {"Host", "Port"} or false, found true');
    const h = f.object(obj.Http, `${P}.Http`);
    f.onlyKeys(h, `${P}.Http`, ['Host', 'Port']);
    const host = h.Host === undefined ? DEFAULT_HTTP.host : f.pattern(h.Host, `${P}.Http.Host`, /^\S+$/, 'a host name or IP address');
    // 0 asks the OS for a free port (tests use it).
    const port = h.Port === undefined ? DEFAULT_HTTP.port : f.integer(h.Port, `${P}.Http.Port`, 0, 65535);
    http = { host, port };
  }

  const logDir =
    obj.LogDir === undefined
      ? path.resolve(baseDir, 'logs')
      : path.resolve(baseDir, f.pattern(obj.LogDir, `${P}.LogDir`, /^[^\0]+$/, 'a directory path'));

  return { code, aliases, maxInstances, http, logDir };
}
