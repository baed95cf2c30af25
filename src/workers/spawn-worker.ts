// Starts a worker process through the addon and reports its exit the way a
// ChildProcess did. Why not child_process: on Linux libuv fork()s the whole
// runtime (page tables of ~100 MB, copied to be thrown away at exec), 5-10 ms
// a worker; the addon's posix_spawn costs a fraction of that (see
// native/spawn/nls_spawn.h). The child sees what spawn(launcher, args,
// { stdio: ['ignore', 'pipe', 'pipe', shmFd, workerFd], env, detached: true })
// gave it.
import net from 'node:net';
import os from 'node:os';
import type { NativeBinding } from '../native/binding';

export interface WorkerSpawnOptions {
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Become the process's fd 3 and fd 4; the caller still owns (and closes) its own. */
  shmFd: number;
  workerFd: number;
}

export interface WorkerProcess {
  pid: number;
  /** Its stdout and stderr pipes; they close once every writer (it, and what it forked) is gone. */
  stdout: net.Socket;
  stderr: net.Socket;
}

/** Called once, after the process exited: its exit code, or the signal that killed it. */
export type WorkerExitListener = (code: number | null, signal: NodeJS.Signals | null) => void;

/**
 * Signal numbers to names, the first name of a number winning (6 is
 * SIGABRT, not SIGIOT; 29 SIGIO, not SIGPOLL), as Node names them for a
 * ChildProcess.
 */
const signalNames = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(os.constants.signals)) {
  if (!signalNames.has(number)) signalNames.set(number, name as NodeJS.Signals);
}

/**
 * Spawn errors that child_process reported as an 'error' event (the
 * program could not be started) rather than by throwing: the caller treats
 * them as the worker's start failing.
 */
const START_ERROR_CODES: ReadonlySet<string> = new Set(['EACCES', 'EAGAIN', 'EMFILE', 'ENFILE', 'ENOENT']);

export function isStartError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && START_ERROR_CODES.has((error as { code?: unknown }).code as string);
}

/**
 * Start `file` with `args` and watch it until it exits. Throws what
 * child_process.spawn reported (code 'ENOENT', message "spawn <file>
 * ENOENT", ...); see isStartError.
 */
export function spawnWorker(
  native: NativeBinding,
  file: string,
  args: readonly string[],
  options: WorkerSpawnOptions,
  onExit: WorkerExitListener,
): WorkerProcess {
  const spawned = native.spawnWorker(file, [file, ...args], envPairs(options.env), options.shmFd, options.workerFd);
  native.watchExit(spawned.pidfd, spawned.pid, (code, signal) => {
    if (signal === null) onExit(code, null);
    // A signal Node has no name for (a real-time one) read as exit code 0 from a ChildProcess.
    else onExit(signalNames.has(signal) ? null : 0, signalNames.get(signal) ?? null);
  });
  return {
    pid: spawned.pid,
    stdout: new net.Socket({ fd: spawned.stdoutFd, readable: true, writable: false }),
    stderr: new net.Socket({ fd: spawned.stderrFd, readable: true, writable: false }),
  };
}

/** "NAME=value" for every variable that has a value, in child_process's order. */
function envPairs(env: NodeJS.ProcessEnv): string[] {
  const pairs: string[] = [];
  // for...in, as child_process does: inherited variables count too.
  for (const name in env) {
    const value = env[name];
    if (value !== undefined) pairs.push(`${name}=${value}`);
  }
  return pairs;
}
