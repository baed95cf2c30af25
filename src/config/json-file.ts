// Read a JSON file with errors that say where: Node 20's JSON.parse often
// gives no position, so on failure a small scanner finds the offending
// offset and we report line and column.
import fs from 'node:fs';
import { ConfigError } from '../errors';

/** Read and parse `file` (an absolute path), or throw ConfigError saying why not. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', readFailure(err));
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows add a BOM
  return parseJsonText(text, file);
}

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found: give the path of a group definition JSON file';
    case 'EISDIR':
      return 'is a directory, expected a group definition JSON file';
    case 'EACCES':
    case 'EPERM':
      return 'unreadable: permission denied (check the file mode and owner)';
    default:
      return `unreadable: ${(err as Error).message}`;
  }
}

/** JSON.parse with a ConfigError carrying line and column on failure. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = (err as Error).message;
    const offset = jsonErrorOffset(text);
    if (offset < 0) throw new ConfigError(file, '', `invalid JSON: ${detail}`);
    const where = lineColumn(text, offset);
    const found = offset >= text.length ? 'end of file' : JSON.stringify(text[offset]);
    throw new ConfigError(file, '', `invalid JSON at line ${where.line} column ${where.column}: unexpected ${found} (${detail})`);
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first character that makes `text` invalid JSON (text.length
 * when it ends too early). Only called after JSON.parse failed.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = (): void => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail();
            }
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else num();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (at) {
    // Not a number: the scanner itself failed (e.g. nesting too deep for the stack).
    return typeof at === 'number' ? Math.min(at, text.length) : -1;
  }
  return -1; // should not happen: JSON.parse disagreed
}
