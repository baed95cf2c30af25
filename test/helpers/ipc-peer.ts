// The other side of the Greengrass V1 IPC (greengrass-v1.md §2), written from
// the documented protocol for the runtime tests (Node.js and Python runtime
// programs, their core modules and the public SDKs): it hands work to a
// runtime on its long-polled GET .../work, takes its answers, records the
// invocations a function makes (POST /functions/<arn>), the results it asks
// for (GET /functions/<arn>), the local log documents it posts and the
// initialization reports it PUTs, so tests can check them byte for byte. Tokens bind a caller to its own function, as
// the real server does.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const FUNCTIONS = '/2016-11-01/functions/';
const LOCAL_LOGS = '/2016-11-01/cloudwatch/logs/';

export interface PeerWork {
  payload?: Buffer | string;
  /** The X-Amz-Client-Context header (base64 JSON) to send; empty when not given. */
  clientContext?: string;
  /** The X-Amz-Deadline-Ms header to send, if any. */
  deadlineMs?: number;
  /** The invocation id to give, for a test that must know it before the answer comes; a fresh one otherwise. */
  invocationId?: string;
}

export interface PeerAnswer {
  invocationId: string;
  /** X-Amz-Function-Error as the runtime posted it; undefined for a result. */
  functionError: string | undefined;
  body: Buffer;
}

/** An invocation a function made through the IPC (an SDK call). */
export interface PeerInvocation {
  caller: string;
  target: string;
  invocationType: string | undefined;
  /** The X-Amz-Client-Context header as sent. */
  clientContext: string | undefined;
  body: Buffer;
  invocationId: string;
}

/** A get-result request a function made: whose result it asked for. */
export interface PeerResultRequest {
  caller: string;
  target: string;
  /** The X-Amz-InvocationId header as sent ('' without one). */
  invocationId: string;
}

/** A PUT /functions/<own ARN>/initialized a runtime made. */
export interface PeerInitReport {
  functionArn: string;
  /** The body as sent ({"Success": bool, "Response": "<text>"}). */
  body: Buffer;
}

/** What the peer answers a RequestResponse invocation with. */
export interface PeerReply {
  body: Buffer | string;
  /** X-Amz-Function-Error: '' when not given; null leaves the header out, as an old core may, which clients must survive. */
  functionError?: string | null;
}

interface Pending {
  invocationId: string;
  work: PeerWork;
  resolve: (answer: PeerAnswer) => void;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class IpcPeer {
  readonly invocations: PeerInvocation[] = [];
  readonly resultRequests: PeerResultRequest[] = [];
  /** The documents POSTed to the local logs (greengrass-v1.md §2.7), parsed, in order. */
  readonly logPosts: unknown[] = [];
  /** The initialization reports runtimes PUT, in order. */
  readonly initReports: PeerInitReport[] = [];
  /** Answers for RequestResponse invocations of other functions; the default echoes the request. */
  reply: (invocation: PeerInvocation) => PeerReply = (invocation) => ({ body: invocation.body });
  /** A reason to refuse an invocation with HTTP 403 (a JSON refusal), or undefined to take it. */
  refuse: (invocation: PeerInvocation) => string | undefined = () => undefined;
  private readonly tokens = new Map<string, string>();
  private readonly queued = new Map<string, Pending[]>();
  private readonly polling = new Map<string, http.ServerResponse[]>();
  private readonly polls = new Map<string, number>();
  private readonly running = new Map<string, Pending>();
  private readonly replies = new Map<string, PeerReply>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<IpcPeer> {
    const server = http.createServer();
    const peer = new IpcPeer(server);
    server.on('request', (req, res) => {
      peer.handle(req, res).catch((error: Error) => {
        res.writeHead(500).end(error.message);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return peer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A new token for a worker of `functionArn` (each call gives another, as a core gives each worker its own). */
  addFunction(functionArn: string): string {
    const token = randomUUID().replace(/-/g, '');
    this.tokens.set(token, functionArn);
    return token;
  }

  /** How many GET .../work requests of `functionArn` are waiting for work. */
  waitingRuntimes(functionArn: string): number {
    return this.polling.get(functionArn)?.length ?? 0;
  }

  /** How many GET .../work requests `functionArn` has made so far, answered or not. */
  workRequests(functionArn: string): number {
    return this.polls.get(functionArn) ?? 0;
  }

  /** How many invocations were handed out and not answered yet. */
  runningCount(): number {
    return this.running.size;
  }

  /** Forgets the invocations handed out (as a server does when they time out): their answers get a 404, their promises never settle. */
  abandonRunning(): void {
    this.running.clear();
  }

  /** Gives `functionArn` an invocation; resolves with the runtime's answer. */
  invoke(functionArn: string, work: PeerWork = {}): Promise<PeerAnswer> {
    return new Promise((resolve) => {
      const pending: Pending = { invocationId: work.invocationId ?? randomUUID(), work, resolve };
      const waiting = this.polling.get(functionArn)?.shift();
      if (waiting) this.deliver(waiting, pending);
      else this.queued.set(functionArn, [...(this.queued.get(functionArn) ?? []), pending]);
    });
  }

  close(): Promise<void> {
    for (const responses of this.polling.values()) for (const res of responses) res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private deliver(res: http.ServerResponse, pending: Pending): void {
    this.running.set(pending.invocationId, pending);
    const headers: Record<string, string> = {
      'X-Amz-InvocationId': pending.invocationId,
      'X-Amz-Client-Context': pending.work.clientContext ?? '',
    };
    if (pending.work.deadlineMs !== undefined) headers['X-Amz-Deadline-Ms'] = String(pending.work.deadlineMs);
    res.writeHead(200, headers).end(pending.work.payload ?? '');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = req.url ?? '';
    const caller = this.tokens.get(header(req, 'authorization') ?? '');
    if (!caller) {
      res.writeHead(401).end('unknown authorization token');
      return;
    }
    if (url === LOCAL_LOGS && req.method === 'POST') {
      this.takeLogs(res, body);
      return;
    }
    if (!url.startsWith(FUNCTIONS)) {
      res.writeHead(404).end(`no route ${url}`);
      return;
    }
    const rest = url.slice(FUNCTIONS.length);
    if (rest.endsWith('/initialized') && req.method === 'PUT') {
      const own = rest.slice(0, -'/initialized'.length);
      if (own !== caller) {
        res.writeHead(403).end(`this token belongs to ${caller}, not ${own}`);
        return;
      }
      this.initReports.push({ functionArn: own, body });
      res.writeHead(200).end();
      return;
    }
    if (rest.endsWith('/work')) {
      const own = rest.slice(0, -'/work'.length);
      if (own !== caller) {
        res.writeHead(403).end(`this token belongs to ${caller}, not ${own}`);
        return;
      }
      if (req.method === 'GET') this.takeWork(own, res);
      else this.takeAnswer(req, res, body);
      return;
    }
    if (req.method === 'POST') this.takeInvocation(req, res, caller, rest, body);
    else this.giveResult(req, res, caller, rest);
  }

  private takeLogs(res: http.ServerResponse, body: Buffer): void {
    let document: unknown;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch (error) {
      res.writeHead(400).end(`the log document is not JSON: ${(error as Error).message}`);
      return;
    }
    this.logPosts.push(document);
    res.writeHead(200).end();
  }

  private takeWork(functionArn: string, res: http.ServerResponse): void {
    this.polls.set(functionArn, this.workRequests(functionArn) + 1);
    const next = this.queued.get(functionArn)?.shift();
    if (next) {
      this.deliver(res, next);
      return;
    }
    this.polling.set(functionArn, [...(this.polling.get(functionArn) ?? []), res]);
    res.on('close', () => {
      const list = this.polling.get(functionArn) ?? [];
      this.polling.set(functionArn, list.filter((r) => r !== res));
    });
  }

  private takeAnswer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const invocationId = header(req, 'x-amz-invocationid') ?? '';
    const pending = this.running.get(invocationId);
    if (!pending) {
      res.writeHead(404).end(`no running invocation ${invocationId}`);
      return;
    }
    this.running.delete(invocationId);
    res.writeHead(202).end();
    pending.resolve({ invocationId, functionError: header(req, 'x-amz-function-error'), body });
  }

  private takeInvocation(req: http.IncomingMessage, res: http.ServerResponse, caller: string, target: string, body: Buffer): void {
    const invocation: PeerInvocation = {
      caller,
      target,
      invocationType: header(req, 'x-amz-invocation-type'),
      clientContext: header(req, 'x-amz-client-context'),
      body,
      invocationId: randomUUID(),
    };
    this.invocations.push(invocation);
    const refusal = this.refuse(invocation);
    if (refusal !== undefined) {
      // The real server's refusals are JSON documents.
      res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errorType: 'Forbidden', errorMessage: refusal }));
      return;
    }
    if (invocation.invocationType !== 'Event') this.replies.set(invocation.invocationId, this.reply(invocation));
    res.writeHead(invocation.invocationType === 'Event' ? 202 : 200, { 'X-Amz-InvocationId': invocation.invocationId }).end();
  }

  private giveResult(req: http.IncomingMessage, res: http.ServerResponse, caller: string, target: string): void {
    const invocationId = header(req, 'x-amz-invocationid') ?? '';
    this.resultRequests.push({ caller, target, invocationId });
    const reply = this.replies.get(invocationId);
    if (!reply) {
      res.writeHead(404).end(`no result for invocation ${invocationId}`);
      return;
    }
    this.replies.delete(invocationId);
    // Always sent, empty on success (greengrass-v1.md §2.2), unless a test plays an old core that leaves it out.
    const headers: Record<string, string> = {};
    if (reply.functionError !== null) headers['X-Amz-Function-Error'] = reply.functionError ?? '';
    res.writeHead(200, headers).end(reply.body);
  }
}
