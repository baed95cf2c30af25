// Talking to the Greengrass IPC server the way the Python and Node.js
// runtimes do: plain node:http, one connection per request, the token raw
// in Authorization. And a stand-in worker implementing the ProcessWorker
// contract the server relies on (fn, nextWork, complete, logLine), so the
// server can be driven without a runtime process.
import http from 'node:http';
import type { FunctionSpec } from '../../src/config/types';
import type { IpcWorker, WorkItem } from '../../src/ipc/ipc-worker';
import type { Outcome } from '../../src/workers/invocation';

export interface IpcAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface IpcCall {
  token?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One request; resolves with the answer (any status). */
export function ipcRequest(port: number, method: string, path: string, call: IpcCall = {}): Promise<IpcAnswer> {
  return started(port, method, path, call).answer;
}

/** A request whose answer may take long (a poll): it can be abandoned with abort(). */
export function started(port: number, method: string, path: string, call: IpcCall = {}): { answer: Promise<IpcAnswer>; abort(): void } {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== undefined) headers.Authorization = call.token;
  const body = call.body === undefined ? undefined : Buffer.from(call.body);
  if (body !== undefined) headers['Content-Length'] = String(body.length);
  const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false });
  const answer = new Promise<IpcAnswer>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.end(body);
  return { answer, abort: () => req.destroy() };
}

/** The JSON of an answer's body. */
export function json(answer: IpcAnswer): any {
  return JSON.parse(answer.body.toString('utf8'));
}

/** base64 of {"custom": custom}, as the SDKs send X-Amz-Client-Context. */
export function contextHeader(custom: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ custom })).toString('base64');
}

/**
 * A worker as ProcessWorker behaves towards the server: it holds one
 * invocation at a time; asking again before answering gets the same one;
 * once stopping, asks get undefined.
 */
export class StandInWorker implements IpcWorker {
  readonly lines: string[] = [];
  readonly outcomes = new Map<string, Outcome>();
  /** How many times the server asked for work. */
  asks = 0;
  private readonly queue: WorkItem[] = [];
  private current: WorkItem | undefined;
  private readonly waiters: Array<(item: WorkItem | undefined) => void> = [];
  private stopping = false;

  constructor(readonly fn: FunctionSpec) {}

  /** Queue an invocation for the worker's runtime. */
  give(item: WorkItem): void {
    this.queue.push(item);
    if (this.current === undefined && this.waiters.length > 0) {
      this.current = this.queue.shift();
      for (const waiter of this.waiters.splice(0)) waiter(this.current);
    }
  }

  nextWork(): Promise<WorkItem | undefined> {
    this.asks++;
    if (this.stopping) return Promise.resolve(undefined);
    this.current ??= this.queue.shift();
    if (this.current !== undefined) return Promise.resolve(this.current);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  complete(requestId: string, outcome: Outcome): boolean {
    if (this.current?.requestId !== requestId) return false;
    this.current = undefined;
    this.outcomes.set(requestId, outcome);
    return true;
  }

  logLine(text: string): void {
    this.lines.push(text);
  }

  /** Failed init reports (a ProcessWorker fails the waiting invocation with the outcome and stops). */
  readonly initFailures: Outcome[] = [];
  initFailed(outcome: Outcome): void {
    this.initFailures.push(outcome);
  }

  stop(): void {
    this.stopping = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}

/** A work item as a pool would hand it over. */
export function workItem(requestId: string, payload: string | Buffer, clientContext?: string): WorkItem {
  return { requestId, payload: Buffer.from(payload), clientContext, deadlineMs: Date.now() + 3000 };
}
