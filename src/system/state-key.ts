// A short name that stands for one state directory (after symlinks), for the
// kernel objects tied to it: the guard socket and the runtime's cgroup.
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export function stateDirKey(stateDir: string): string {
  return createHash('sha256').update(fs.realpathSync(stateDir)).digest('hex').slice(0, 16);
}
