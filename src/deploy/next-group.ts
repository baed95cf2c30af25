// What a deployment may change while the runtime runs, and which function
// entries it leaves as they were. An entry whose every setting is the same
// keeps its object: its pool, its warm workers and its log carry over. The
// settings of the runtime itself (where its state, logs and endpoint are,
// how many workers it allows) need a restart.
import type { FunctionSpec, GroupConfig } from '../config/types';
import { NanolambdaError } from '../errors';

const RESTART_FIELDS = ['stateDir', 'logDir', 'logRotation', 'logLevel', 'http', 'httpAuth', 'mqtt', 'cloud', 'ipcPort', 'maxConcurrentWorkers'] as const;

/** The group to switch to, with unchanged entries replaced by the running ones. Throws when a restart is needed. */
export function nextGroup(running: GroupConfig, next: GroupConfig): GroupConfig {
  for (const field of RESTART_FIELDS) {
    // String(): JSON.stringify(undefined) is undefined (a section added or removed).
    const was = String(JSON.stringify(running[field]));
    const now = String(JSON.stringify(next[field]));
    if (was !== now) {
      // Certificates make long values: name the field alone then.
      const change = was.length + now.length > 200 ? '' : ` (${was} -> ${now})`;
      throw new NanolambdaError(
        'INVALID_PARAMETER',
        `${next.file}: ${field} differs from the running runtime's${change}: it needs a restart, not a deployment`,
      );
    }
  }
  const kept = new Map(running.functions.map((fn) => [settingsOf(fn), fn]));
  return { ...next, functions: next.functions.map((fn) => kept.get(settingsOf(fn)) ?? fn) };
}

/** Everything an entry is, as one string: two entries are the same when these are equal. */
function settingsOf(fn: FunctionSpec): string {
  return JSON.stringify(fn);
}
