// One worker known to the IPC server: its token and its long polls for
// work. The worker is asked for work once however many polls wait (a
// runtime that retried, or a client that went away and came back), and
// the item goes to every poll still open. A poll whose client went away
// takes nothing with it: the worker keeps the item as its running
// invocation and hands it out again at the next poll.
import { randomBytes } from 'node:crypto';
import type { ComponentLog } from '../logs/system-log';
import type { IpcWorker, WorkItem } from './ipc-worker';

/** Delivers a work item to a waiting poll; false when that poll's client is gone. */
export type WorkTaker = (item: WorkItem) => boolean;

/** A worker's AWS_CONTAINER_AUTHORIZATION_TOKEN: 32 random bytes, hex. */
export function newWorkerToken(): string {
  return randomBytes(32).toString('hex');
}

/** The shape of every token newWorkerToken makes. */
export const WORKER_TOKEN = /^[0-9a-f]{64}$/;

export class WorkerRegistration {
  /** Requests with a body being read or run now (bounded per worker). */
  busy = 0;
  private readonly takers = new Set<WorkTaker>();
  private asking = false;
  /** The worker said it is stopping: no more work will come. */
  private finished = false;

  constructor(
    readonly worker: IpcWorker,
    /** What the worker sends as Authorization. */
    readonly token: string,
    private readonly log: ComponentLog,
  ) {}

  /** Polls waiting now. */
  get polls(): number {
    return this.takers.size;
  }

  /**
   * Wait for the worker's next invocation; returns a function that stops
   * waiting. A stopping worker's polls are never answered: its process is
   * on its way out, and its connections close with it.
   */
  poll(take: WorkTaker): () => void {
    this.takers.add(take);
    this.ask();
    return () => this.takers.delete(take);
  }

  /** Forget the polls (the worker is gone). */
  close(): void {
    this.finished = true;
    this.takers.clear();
  }

  private ask(): void {
    if (this.asking || this.finished) return;
    this.asking = true;
    this.worker.nextWork().then(
      (item) => {
        this.asking = false;
        if (item === undefined) {
          this.finished = true;
          return;
        }
        const takers = [...this.takers];
        this.takers.clear();
        for (const take of takers) take(item);
      },
      (error: unknown) => {
        // A broken worker must not take the server with it; its polls wait for its exit.
        this.asking = false;
        this.finished = true;
        this.log.error(`the worker of ${this.worker.fn.arn} failed to give work: ${(error as Error)?.message ?? String(error)}`);
      },
    );
  }
}
