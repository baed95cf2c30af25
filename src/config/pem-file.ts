// A certificate or key file named in the config, read when the config is
// loaded: a missing, unreadable or non-PEM file is a config error naming the
// field, not a failure at the first connection.
import fs from 'node:fs';
import path from 'node:path';
import { describe, type Fields } from './fields';

/** The absolute path (relative ones against the config's directory) and the contents. */
export function readPemFile(value: unknown, p: string, f: Fields, baseDir: string): { file: string; data: Buffer } {
  const file = path.resolve(baseDir, f.pattern(value, p, /^[^\0]+$/, 'a file path'));
  try {
    const data = fs.readFileSync(file);
    if (!data.includes('-----BEGIN ')) throw new Error('it is not PEM (no "-----BEGIN" line)');
    return { file, data };
  } catch (error) {
    throw f.error(p, `cannot use ${describe(file)}: ${(error as Error).message}`);
  }
}
