// How many connections the IPC server takes at once. Every Python and
// Node.js function shares the one server, so the cap must sit far above
// what honest workers need (a few each) for one function opening many not
// to lock the others out; yet below the process's file-descriptor limit, so
// that reaching the cap refuses connections instead of starving the rest of
// the runtime (logs, state, worker pipes) of descriptors.
import fs from 'node:fs';

/** Far above what honest workers need: hundreds of workers with a few connections each. */
export const MAX_IPC_CONNECTIONS = 8192;

/**
 * min(MAX_IPC_CONNECTIONS, half the soft RLIMIT_NOFILE); MAX_IPC_CONNECTIONS
 * when the limit cannot be read or is unlimited. `limitsFile` is Linux's
 * /proc/self/limits (overridable for tests).
 */
export function ipcConnectionCap(limitsFile = '/proc/self/limits'): number {
  const soft = softOpenFilesLimit(limitsFile);
  if (soft === undefined) return MAX_IPC_CONNECTIONS;
  return Math.max(1, Math.min(MAX_IPC_CONNECTIONS, Math.floor(soft / 2)));
}

/** The soft "Max open files" of a /proc/<pid>/limits file, or undefined (unreadable, unlimited). */
function softOpenFilesLimit(limitsFile: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\d+)\s/m.exec(text);
  return match === null ? undefined : Number(match[1]);
}
