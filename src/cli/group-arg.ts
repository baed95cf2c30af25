// The group a command works on: the file named on the command line, or the
// built-in example group when none is, as `nanolambda start` runs it.
import path from 'node:path';
import { loadGroupFile } from '../config/load-group';
import type { GroupConfig } from '../config/types';
import { loadExampleGroup } from '../examples/example-group';

export function groupFromArg(file: string | undefined): GroupConfig {
  return file === undefined ? loadExampleGroup() : loadGroupFile(path.resolve(file));
}
