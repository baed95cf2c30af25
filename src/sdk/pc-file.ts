// A reader for pkg-config's .pc files, enough for the SDK's own one: a gateway
// or a laptop gets the compiler and linker flags without pkg-config installed.
//
// What it understands (pkg-config's format): `name=value` variables, expanded
// in order with `${name}` (any other `$` is itself, as pkgconf has it;
// freedesktop pkg-config's `$$` escape is not supported); `Keyword: value`
// fields; `#` comments; a backslash at the end of a line joining it to the
// next; and `${pcfiledir}`, the directory holding the file, which makes a
// prefix relocatable (`prefix=${pcfiledir}/../..`).
import fs from 'node:fs';
import path from 'node:path';
import { NanolambdaError } from '../errors';

export interface PcFile {
  /** The file's absolute path. */
  file: string;
  /** Variables, already expanded. */
  variables: ReadonlyMap<string, string>;
  /** Fields by lower-cased keyword (pkg-config accepts `Cflags` and `CFlags`), not yet expanded. */
  fields: ReadonlyMap<string, { text: string; line: number }>;
}

const NAME = /^[A-Za-z0-9_.]+$/;

function pcError(file: string, line: number, reason: string): NanolambdaError {
  return new NanolambdaError('INVALID_PARAMETER', `${file}:${line}: ${reason}`);
}

/** `text` with `${name}` replaced from `variables`; an unknown name is an error naming the line. */
function expand(text: string, variables: ReadonlyMap<string, string>, file: string, line: number): string {
  return text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    const value = variables.get(name);
    if (value === undefined) throw pcError(file, line, `undefined variable '\${${name}}'`);
    return value;
  });
}

/** Logical lines (continuations joined, comments dropped) with the number of the line each starts on. */
function logicalLines(text: string): { text: string; line: number }[] {
  const result: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const uncommented = raw.replace(/\r$/, '').replace(/(^|[^\\])#.*$/, '$1').replace(/\\#/g, '#');
    const current = pending ?? { text: '', line: index + 1 };
    const continued = uncommented.endsWith('\\');
    current.text += continued ? uncommented.slice(0, -1) : uncommented;
    pending = continued ? current : undefined;
    if (!continued) result.push(current);
  });
  if (pending) result.push(pending);
  return result;
}

/** Read and check a .pc file; errors name the file and line. */
export function readPcFile(file: string): PcFile {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new NanolambdaError('NATIVE_UNAVAILABLE', `cannot read the pkg-config file ${absolute}: ${(err as Error).message}`);
  }
  const variables = new Map<string, string>([['pcfiledir', path.dirname(absolute)]]);
  const fields = new Map<string, { text: string; line: number }>();
  for (const { text: content, line } of logicalLines(text)) {
    const trimmed = content.trim();
    if (trimmed === '') continue;
    // Whichever of '=' and ':' comes first decides: `prefix=/a:b` is a variable.
    const m = /^([^=:\s]+)\s*([=:])\s*(.*)$/.exec(trimmed);
    if (!m || !NAME.test(m[1]!)) throw pcError(absolute, line, `'${trimmed}' is neither 'name=value' nor 'Keyword: value'`);
    const [, name, kind, value] = m as unknown as [string, string, string, string];
    if (kind === '=') {
      if (name === 'pcfiledir') throw pcError(absolute, line, `'pcfiledir' is set by the reader and cannot be redefined`);
      variables.set(name, expand(value, variables, absolute, line));
    } else {
      fields.set(name.toLowerCase(), { text: value, line });
    }
  }
  return { file: absolute, variables, fields };
}

/**
 * A field's flags, one argument each, as a compiler gets them: split on
 * whitespace before expanding, so a prefix with a space stays one argument;
 * absolute paths of -I and -L made clean (`lib/pkgconfig/../..` gone).
 * A missing field gives no flags (pkg-config does the same).
 */
export function pcFlags(pc: PcFile, keyword: 'Cflags' | 'Libs'): string[] {
  const field = pc.fields.get(keyword.toLowerCase());
  if (field === undefined) return [];
  return field.text
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => expand(word, pc.variables, pc.file, field.line))
    .map((flag) => {
      const m = /^(-[IL])(\/.*)$/.exec(flag);
      return m ? `${m[1]}${path.normalize(m[2]!)}` : flag;
    });
}
