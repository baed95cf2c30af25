// Reading the small text files of /proc and /sys: undefined instead of an
// exception when absent, since a missing file is itself an answer here.
import fs from 'node:fs';

export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
