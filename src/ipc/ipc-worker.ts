// What the Greengrass IPC server needs of a worker: its function, its long
// poll for work, its answers, its log, and its failure to initialise.
// ProcessWorker (src/workers) is the worker that has them; the server asks
// for no more, so anything shaped so can stand in for one.
import type { ProcessWorker } from '../workers/process-worker';

export type { WorkItem } from '../workers/process-worker';

export type IpcWorker = Pick<ProcessWorker, 'fn' | 'nextWork' | 'complete' | 'logLine' | 'initFailed'>;
