// What every kind of worker does with its process, whatever protocol it
// speaks: read its output into the function's log, signal its whole process
// group, stop it gracefully, and find the function's own pid in a container.
import type { WorkerLog } from '../logs/worker-log';
import { childrenOf } from '../system/proc-children';
import type { WorkerProcess } from './spawn-worker';

/** After the process exited, how long stop() waits for the rest of its output. */
const OUTPUT_DRAIN_MS = 200;

/** Read stdout and stderr into the log; resolves when both closed. */
export function pipeOutput(child: WorkerProcess | undefined, log: WorkerLog): Promise<void> {
  if (child === undefined) return Promise.resolve();
  const streams = [child.stdout, child.stderr];
  let open = streams.length;
  return new Promise((resolve) => {
    for (const stream of streams) {
      stream.on('data', (chunk: Buffer) => log.output(chunk));
      // A broken pipe shows up as the child's exit; nothing to add here.
      stream.on('error', () => undefined);
      stream.once('close', () => {
        if (--open > 0) return;
        log.outputEnded();
        resolve();
      });
    }
  });
}

/** Signal the worker's whole process group (the function's children too). */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * SIGTERM, then SIGKILL after graceMs; resolves once the process exited
 * and its last words reached the log (the pipes close just after the exit,
 * later only if something it forked escaped with them).
 */
export function stopProcess(pid: number | undefined, graceMs: number, exited: Promise<void>, outputClosed: Promise<void>, alreadyStopping: boolean): Promise<void> {
  if (!alreadyStopping) {
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    timer.unref();
    void exited.then(() => clearTimeout(timer));
  }
  return exited.then(() => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, OUTPUT_DRAIN_MS);
      timer.unref();
    });
    return Promise.race([outputClosed, late]).then(() => clearTimeout(timer));
  });
}

/** The function's own process: `pid`, except in a container, where `pid` is the launcher's relay. */
export function functionPidOf(pid: number | undefined, container: boolean): number | undefined {
  // In a container: the relay's one child is the container's init, whose
  // first child is the function (container.h).
  if (!container || pid === undefined) return pid;
  const init = childrenOf(pid)[0];
  return init === undefined ? undefined : childrenOf(init)[0];
}
