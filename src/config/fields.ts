// Typed reads of untrusted JSON, each failure a ConfigError naming the file,
// the JSON path of the field and what was expected versus found.
import { ConfigError } from '../errors';

export type JsonObject = Record<string, unknown>;

/** `a.b` for identifier-like keys, `a["arn:aws:..."]` otherwise. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** How a value found in the file is shown in an error: its type and a short rendering. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `the string ${JSON.stringify(v.length > 80 ? v.slice(0, 80) + '...' : v)}`;
    case 'number':
      return `the number ${v}`;
    case 'boolean':
      return `${v}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

export class Fields {
  constructor(readonly file: string) {}

  error(path: string, reason: string): ConfigError {
    return new ConfigError(this.file, path, reason);
  }

  object(v: unknown, path: string): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw this.error(path, `expected an object, found ${v === undefined ? 'nothing' : describe(v)}`);
    }
    return v as JsonObject;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) throw this.error(path, `expected an array, found ${v === undefined ? 'nothing' : describe(v)}`);
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') throw this.error(path, `expected a string, found ${v === undefined ? 'nothing' : describe(v)}`);
    return v;
  }

  /** A string matching `re`; `rule` says in words what the pattern is. */
  pattern(v: unknown, path: string, re: RegExp, rule: string): string {
    const s = this.string(v, path);
    if (!re.test(s)) throw this.error(path, `expected ${rule}, found ${describe(s)}`);
    return s;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') throw this.error(path, `expected true or false, found ${describe(v)}`);
    return v;
  }

  /** An integer in [min, max]; `unit` (e.g. 'seconds') is named in the error. */
  integer(v: unknown, path: string, min: number, max: number, unit = ''): number {
    const range = `an integer${unit ? ` number of ${unit}` : ''} from ${min} to ${max}`;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw this.error(path, `expected ${range}, found ${v === undefined ? 'nothing' : describe(v)}`);
    }
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw this.error(path, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, found ${describe(v)}`);
    }
    return v as T;
  }

  /** Refuse keys outside `known`: a typo would otherwise be silently ignored. */
  onlyKeys(obj: JsonObject, path: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        throw this.error(childPath(path, key), `unknown field; expected one of ${known.join(', ')}`);
      }
    }
  }
}
