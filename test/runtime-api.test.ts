// The Lambda Runtime API server (src/runtime-api) driven by real runtimes:
// a bash+curl bootstrap as AWS's custom-runtime tutorial writes one, and raw
// HTTP clients for what a bootstrap cannot easily do (disconnect mid-poll,
// chunked bodies, trailers, hostile bytes). The worker behind it is a test
// double that keeps ProcessWorker's contract; the server is what is tested.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeApiServer } from '../src/runtime-api/runtime-api-server';
import { runtimeApiEnvironment } from '../src/runtime-api/runtime-api-environment';
import type { ComponentLog } from '../src/logs/system-log';
import type { Outcome } from '../src/workers/invocation';
import { timedOut } from '../src/workers/failures';
import { TEST_ARN, WorkerDouble } from './fixtures/runtime-api/worker-double';
import { tempDir } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const BOOTSTRAP = path.join(__dirname, 'fixtures', 'runtime-api', 'bootstrap.sh');
const LIMIT = 6 * 1024 * 1024 + 100;

function missingTool(): string | undefined {
  for (const tool of ['bash', 'curl']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}
const missing = missingTool();
if (missing) console.warn(`skipping the bootstrap tests of runtime-api.test.ts: ${missing}`);

class RecordingLog implements ComponentLog {
  readonly lines: string[] = [];
  debug(message: string): void {
    this.lines.push(`DEBUG ${message}`);
  }
  info(message: string): void {
    this.lines.push(`INFO ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`WARN ${message}`);
  }
  error(message: string): void {
    this.lines.push(`ERROR ${message}`);
  }
}

interface Harness {
  worker: WorkerDouble;
  api: RuntimeApiServer;
  log: RecordingLog;
  host: string;
  port: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(): Promise<Harness> {
  const worker = new WorkerDouble();
  const log = new RecordingLog();
  const api = await RuntimeApiServer.start(worker, { log });
  cleanups.push(() => api.close());
  const [host, port] = api.address.split(':');
  return { worker, api, log, host: host!, port: Number(port) };
}

interface Bootstrap {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** "<what> <status> <reply>" lines the bootstrap wrote. */
  records(): string[];
}

function runBootstrap(h: Harness, extraEnv: Record<string, string> = {}): Bootstrap {
  const dir = tempDir('runtime-api');
  const record = path.join(dir, 'record');
  fs.writeFileSync(record, '');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    RECORD: record,
    ...runtimeApiEnvironment({ name: 'custom-runtime', version: '3', memoryBytes: 128 * 1024 * 1024 }, {
      runtimeApi: h.api.address,
      handler: 'function.handler',
      taskRoot: dir,
    }),
    ...extraEnv,
  };
  // Its own process group, so the curl it is waiting in goes with it at the end.
  const child = spawn('bash', [BOOTSTRAP], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  });
  return { child, exited, records: () => fs.readFileSync(record, 'utf8').split('\n').filter((line) => line !== '') };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(
  h: Harness,
  method: string,
  urlPath: string,
  opts: { headers?: Record<string, string | number>; body?: Buffer | string; chunks?: Buffer[]; trailers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: h.host, port: h.port, method, path: urlPath, headers: opts.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const chunk of opts.chunks) req.write(chunk);
      if (opts.trailers) req.addTrailers(opts.trailers);
      req.end();
    } else req.end(opts.body);
  });
}

const json = (reply: Reply): Record<string, unknown> => JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
const document = (outcome: Outcome): Record<string, unknown> => JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;
const base64Json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

/** The bootstrap's echo: the raw /next headers it received, then the event. */
function parseEcho(payload: Buffer): { statusLine: string; headers: Map<string, string>; event: string } {
  const text = payload.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { statusLine: statusLine!, headers, event: text.slice(split + 4) };
}

describe.skipIf(missing !== undefined)('a bash+curl bootstrap against the Runtime API', () => {
  it('gets each invocation with Lambda headers, and its responses complete them', async () => {
    const h = await harness();
    const boot = runBootstrap(h);
    const clientContext = { custom: { subject: 'sensors/1' }, client: { app_title: 'Grüße' } };
    const first = h.worker.invoke('{"hello":"world"}', { clientContext: base64Json(clientContext), timeoutMs: 30_000 });
    const second = h.worker.invoke('[1,2,3]');

    const one = await first.outcome;
    expect(one.kind).toBe('success');
    const echo = parseEcho(one.payload);
    expect(echo.statusLine).toMatch(/^HTTP\/1\.1 200/);
    expect(echo.event).toBe('{"hello":"world"}');
    expect(echo.headers.get('lambda-runtime-aws-request-id')).toBe(first.requestId);
    expect(echo.headers.get('lambda-runtime-invoked-function-arn')).toBe(TEST_ARN);
    expect(Number(echo.headers.get('lambda-runtime-deadline-ms'))).toBeGreaterThan(Date.now());
    expect(echo.headers.get('lambda-runtime-trace-id')).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(echo.headers.get('content-type')).toBe('application/json');
    // The decoded JSON, its UTF-8 intact, as Lambda sends it.
    expect(JSON.parse(echo.headers.get('lambda-runtime-client-context')!)).toEqual(clientContext);
    expect(echo.headers.has('lambda-runtime-cognito-identity')).toBe(false);

    const two = await second.outcome;
    const echo2 = parseEcho(two.payload);
    expect(echo2.event).toBe('[1,2,3]');
    expect(echo2.headers.get('lambda-runtime-aws-request-id')).toBe(second.requestId);
    expect(echo2.headers.has('lambda-runtime-client-context')).toBe(false);
    expect(echo2.headers.get('lambda-runtime-trace-id')).not.toBe(echo.headers.get('lambda-runtime-trace-id'));

    await waitFor(() => boot.records().length === 2, 10_000, 'two recorded posts');
    expect(boot.records()).toEqual(['response 202 {"status":"OK"}', 'response 202 {"status":"OK"}']);
  });

  it('an error post is the invoker\'s Unhandled error document, as the runtime wrote it', async () => {
    const h = await harness();
    const boot = runBootstrap(h);
    const failed = await h.worker.invoke('"error"').outcome;
    expect(failed.kind).toBe('unhandled');
    expect(document(failed)).toEqual({ errorMessage: 'the handler failed', errorType: 'Custom', stackTrace: ['at handler (bootstrap:1)'] });
    await waitFor(() => boot.records().length === 1, 10_000, 'the recorded post');
    expect(boot.records()[0]).toBe('error 202 {"status":"OK"}');
  });

  it('answers for an id that is not running are refused with InvalidRequestID, the right one still counts', async () => {
    const h = await harness();
    const boot = runBootstrap(h);
    const stale = await h.worker.invoke('"stale"').outcome;
    expect(stale).toEqual({ kind: 'success', payload: Buffer.from('"right id"') });
    const twice = await h.worker.invoke('"twice"').outcome;
    expect(twice).toEqual({ kind: 'success', payload: Buffer.from('"first"') });
    await waitFor(() => boot.records().length === 4, 10_000, 'four recorded posts');
    const [wrongId, right, first, again] = boot.records();
    expect(right).toBe('response 202 {"status":"OK"}');
    expect(first).toBe('response 202 {"status":"OK"}');
    for (const refused of [wrongId!, again!]) {
      const [, status, ...reply] = refused.split(' ');
      expect(status).toBe('400');
      expect(JSON.parse(reply.join(' '))).toMatchObject({ errorType: 'InvalidRequestID' });
    }
    expect(wrongId).toContain('00000000-0000-0000-0000-000000000000');
  });

  it('a response over 6 MB + 100 bytes gets a 413 and fails the invocation as Lambda does; one at the limit is accepted', async () => {
    const h = await harness();
    const boot = runBootstrap(h);
    const big = await h.worker.invoke('"big"').outcome;
    expect(big.kind).toBe('unhandled');
    expect(document(big)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: expect.stringContaining(`Response payload size (7000000 bytes) exceeded maximum allowed payload size (${LIMIT} bytes).`),
    });
    const exact = await h.worker.invoke('"exact"').outcome;
    expect(exact.kind).toBe('success');
    expect(exact.payload.length).toBe(LIMIT);
    await waitFor(() => boot.records().length === 2, 10_000, 'two recorded posts');
    const [tooLarge, accepted] = boot.records();
    expect(tooLarge).toBe(`big 413 {"errorMessage":"Exceeded maximum allowed payload size (${LIMIT} bytes).","errorType":"RequestEntityTooLarge"}`);
    expect(accepted).toBe('exact 202 {"status":"OK"}');
  });

  it('an init error reaches the worker as the runtime wrote it; /next afterwards is refused', async () => {
    const h = await harness();
    const pending = h.worker.invoke('{}');
    const boot = runBootstrap(h, { INIT_ERROR: '1' });
    expect(await boot.exited).toBe(1);
    const expected = { errorMessage: 'cannot read the configuration', errorType: 'Runtime.ConfigError', stackTrace: [] };
    expect(h.worker.initFailures.map(document)).toEqual([expected]);
    expect((await pending.outcome).kind).toBe('unhandled');
    expect(document(await pending.outcome)).toEqual(expected);
    const [accepted, refused] = boot.records();
    expect(accepted).toBe('init-error 202 {"status":"OK"}');
    expect(refused).toMatch(/^next-after-init-error 403 .*"errorType":"InvalidStateTransition"/);
    expect(h.worker.nextWorkCalls).toBe(0);
  });

  it('a stopping worker ends the long poll with a 500 and the bootstrap exits', async () => {
    const h = await harness();
    const boot = runBootstrap(h);
    await waitFor(() => h.worker.parked === 1, 10_000, 'the bootstrap waiting on /next');
    h.worker.stop();
    expect(await boot.exited).toBe(2);
  });

  it('a runtime that exits mid-invocation leaves the invocation with the worker', async () => {
    const h = await harness();
    const boot = runBootstrap(h);
    const running = h.worker.invoke('"exit"');
    expect(await boot.exited).toBe(3);
    // Nobody answered: the worker (ProcessWorker: Runtime.ExitError) decides its outcome, the server invents none.
    expect(h.worker.refusedCompletions).toBe(0);
    h.worker.timeOutRunning(timedOut(3000, running.requestId));
    expect(document(await running.outcome)).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });
});

describe('the /next long poll', () => {
  function parkedNext(h: Harness): http.ClientRequest {
    const req = http.request({ host: h.host, port: h.port, path: '/2018-06-01/runtime/invocation/next', agent: false });
    req.on('error', () => undefined);
    req.end();
    return req;
  }

  it('a runtime that disconnects while waiting loses nothing: its next /next gets the invocation', async () => {
    const h = await harness();
    const gone = parkedNext(h);
    await waitFor(() => h.worker.parked === 1, 10_000, 'the parked /next');
    gone.destroy();
    const invocation = h.worker.invoke('"kept"');
    const next = await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    expect(next.status).toBe(200);
    expect(next.headers['lambda-runtime-aws-request-id']).toBe(invocation.requestId);
    expect(next.body.toString()).toBe('"kept"');
    const posted = await request(h, 'POST', `/2018-06-01/runtime/invocation/${invocation.requestId}/response`, { body: 'done' });
    expect(posted.status).toBe(202);
    expect(await invocation.outcome).toEqual({ kind: 'success', payload: Buffer.from('done') });
    expect(h.worker.maxParked).toBe(1);
  });

  it('a runtime that reconnects before work arrives gets the invocation', async () => {
    const h = await harness();
    const gone = parkedNext(h);
    await waitFor(() => h.worker.parked === 1, 10_000, 'the parked /next');
    gone.destroy();
    const again = request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    // Give the new request time to arrive first (the other order is the previous test's case).
    await sleep(100);
    const invocation = h.worker.invoke('{"n":1}');
    const next = await again;
    expect(next.status).toBe(200);
    expect(next.headers['lambda-runtime-aws-request-id']).toBe(invocation.requestId);
    // Never two worker calls at once, whatever the order the server saw things in.
    expect(h.worker.maxParked).toBe(1);
  });

  it('two /next at once: the newer one waits, the older one is told it was replaced', async () => {
    const h = await harness();
    const older = request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    await waitFor(() => h.worker.parked === 1, 10_000, 'the parked /next');
    const newer = request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    const replaced = await older;
    expect(replaced.status).toBe(403);
    expect(json(replaced)).toMatchObject({ errorType: 'InvalidStateTransition' });
    const invocation = h.worker.invoke('{}');
    expect((await newer).headers['lambda-runtime-aws-request-id']).toBe(invocation.requestId);
    expect(h.worker.nextWorkCalls).toBe(1);
  });

  it('a runtime asking again before answering gets the same invocation and trace id', async () => {
    const h = await harness();
    const invocation = h.worker.invoke('{"again":true}');
    const first = await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    const retried = await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    for (const header of ['lambda-runtime-aws-request-id', 'lambda-runtime-trace-id', 'lambda-runtime-deadline-ms']) {
      expect(retried.headers[header]).toBe(first.headers[header]);
    }
    expect(retried.headers['lambda-runtime-aws-request-id']).toBe(invocation.requestId);
    expect(retried.body.toString()).toBe('{"again":true}');
  });

  it('a late answer to a timed-out invocation is refused', async () => {
    const h = await harness();
    const invocation = h.worker.invoke('{}');
    await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    h.worker.timeOutRunning(timedOut(3000, invocation.requestId));
    const late = await request(h, 'POST', `/2018-06-01/runtime/invocation/${invocation.requestId}/response`, { body: '"late"' });
    expect(late.status).toBe(400);
    expect(json(late).errorType).toBe('InvalidRequestID');
    expect(document(await invocation.outcome).errorType).toBe('Sandbox.Timedout');
  });

  it('close() drops a parked /next and stops listening', async () => {
    const h = await harness();
    const parked = request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    await waitFor(() => h.worker.parked === 1, 10_000, 'the parked /next');
    await h.api.close();
    await expect(parked).rejects.toThrow();
    await expect(request(h, 'GET', '/2018-06-01/runtime/invocation/next')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('posts the runtime makes', () => {
  async function running(h: Harness, payload = '{}'): Promise<{ requestId: string; outcome: Promise<Outcome> }> {
    const invocation = h.worker.invoke(payload);
    const next = await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    expect(next.status).toBe(200);
    return invocation;
  }

  it('a chunked response over the limit (no Content-Length) is refused and sized', async () => {
    const h = await harness();
    const invocation = await running(h);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const reply = await request(h, 'POST', `/2018-06-01/runtime/invocation/${invocation.requestId}/response`, {
      chunks: Array.from({ length: 7 }, () => chunk),
    });
    expect(reply.status).toBe(413);
    expect(json(reply)).toEqual({ errorMessage: `Exceeded maximum allowed payload size (${LIMIT} bytes).`, errorType: 'RequestEntityTooLarge' });
    const failed = document(await invocation.outcome);
    expect(failed.errorType).toBe('Function.ResponseSizeTooLarge');
    const size = Number(/Response payload size \((\d+) bytes\)/.exec(String(failed.errorMessage))![1]);
    expect(size).toBeGreaterThan(LIMIT);
  });

  it('a declared Content-Length far over the limit is refused at once and the connection closed', async () => {
    const h = await harness();
    const invocation = await running(h);
    const declared = 40 * 1024 * 1024;
    const socket = net.connect(h.port, h.host);
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /2018-06-01/runtime/invocation/${invocation.requestId}/response HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n` + 'x'.repeat(1000),
    );
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"errorType":"RequestEntityTooLarge"');
    expect(String(document(await invocation.outcome).errorMessage)).toContain(`(${declared} bytes)`);
  });

  it('an error post without a body gets a Lambda-shaped document; the X-Ray cause content type is filtered', async () => {
    const h = await harness();
    const empty = await running(h);
    const reply = await request(h, 'POST', `/2018-06-01/runtime/invocation/${empty.requestId}/error`, {
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.Crashed' },
    });
    expect(reply.status).toBe(202);
    expect(json(reply)).toEqual({ status: 'OK' });
    expect(document(await empty.outcome)).toEqual({ errorType: 'Runtime.Crashed', errorMessage: 'the runtime posted an invocation error without a body' });

    const withCause = await running(h);
    await request(h, 'POST', `/2018-06-01/runtime/invocation/${withCause.requestId}/error`, {
      headers: { 'Content-Type': 'application/vnd.aws.lambda.error.cause+json' },
      body: JSON.stringify({ errorMessage: 'oops', errorType: 'java.lang.Oops', stackTrace: ['a'], errorCause: { paths: [], exceptions: [] } }),
    });
    expect(document(await withCause.outcome)).toEqual({ errorMessage: 'oops', errorType: 'java.lang.Oops', stackTrace: ['a'] });

    const garbled = await running(h);
    await request(h, 'POST', `/2018-06-01/runtime/invocation/${garbled.requestId}/error`, {
      headers: { 'Content-Type': 'application/vnd.aws.lambda.error.cause+json' },
      body: '{not json',
    });
    expect((await garbled.outcome).payload.toString()).toBe('"Invalid error body"');
  });

  it('streamed responses are buffered; error trailers make them Unhandled; an unknown mode fails the invocation', async () => {
    const h = await harness();
    const streamed = await running(h);
    const ok = await request(h, 'POST', `/2018-06-01/runtime/invocation/${encodeURIComponent(streamed.requestId)}/response`, {
      headers: { 'Lambda-Runtime-Function-Response-Mode': 'streaming', Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body' },
      chunks: [Buffer.from('part one, '), Buffer.from('part two')],
    });
    expect(ok.status).toBe(202);
    expect(await streamed.outcome).toEqual({ kind: 'success', payload: Buffer.from('part one, part two') });

    const broken = await running(h);
    const error = { errorType: 'Error', errorMessage: 'stream broke', trace: ['Error: stream broke'] };
    await request(h, 'POST', `/2018-06-01/runtime/invocation/${broken.requestId}/response`, {
      headers: { 'Lambda-Runtime-Function-Response-Mode': 'streaming', Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body' },
      chunks: [Buffer.from('partial')],
      trailers: { 'Lambda-Runtime-Function-Error-Type': 'Error', 'Lambda-Runtime-Function-Error-Body': base64Json(error) },
    });
    const outcome = await broken.outcome;
    expect(outcome.kind).toBe('unhandled');
    expect(document(outcome)).toEqual(error);

    const badMode = await running(h);
    const refused = await request(h, 'POST', `/2018-06-01/runtime/invocation/${badMode.requestId}/response`, {
      headers: { 'Lambda-Runtime-Function-Response-Mode': 'sideways' },
      body: 'x',
    });
    expect(refused.status).toBe(400);
    expect(json(refused)).toEqual({ errorMessage: 'Invalid function response mode', errorType: 'InvalidFunctionResponseMode' });
    expect(document(await badMode.outcome).errorType).toBe('Runtime.InvalidResponseModeHeader');
  });

  it('an init error after the runtime asked for work is refused and changes nothing', async () => {
    const h = await harness();
    const invocation = await running(h);
    const late = await request(h, 'POST', '/2018-06-01/runtime/init/error', { body: '{"errorMessage":"late","errorType":"Runtime.Late"}' });
    expect(late.status).toBe(403);
    expect(json(late).errorType).toBe('InvalidStateTransition');
    expect(h.worker.initFailures).toEqual([]);
    await request(h, 'POST', `/2018-06-01/runtime/invocation/${invocation.requestId}/response`, { body: '1' });
    expect((await invocation.outcome).kind).toBe('success');
  });

  it('a second init error is refused', async () => {
    const h = await harness();
    const first = await request(h, 'POST', '/2018-06-01/runtime/init/error', { body: '{"errorMessage":"one","errorType":"Runtime.One"}' });
    const second = await request(h, 'POST', '/2018-06-01/runtime/init/error', { body: '{"errorMessage":"two","errorType":"Runtime.Two"}' });
    expect([first.status, second.status]).toEqual([202, 403]);
    expect(h.worker.initFailures.map(document)).toEqual([{ errorMessage: 'one', errorType: 'Runtime.One' }]);
  });
});

describe('who may connect', () => {
  it("refuses a connection from a process that is not the worker's or its descendants', and names it in the log", async () => {
    const h = await harness();
    // The worker is another process now (a sleeping child of the test): the test is not of it.
    const stranger = spawn('sleep', ['30']);
    cleanups.push(() => void stranger.kill());
    h.worker.pid = stranger.pid;
    h.worker.invoke('{"secret":"not yours"}');
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get({ host: h.host, port: h.port, path: '/2018-06-01/runtime/invocation/next' }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(`refused ${error.code}`));
    });
    expect(outcome).toMatch(/^refused (ECONNRESET|EPIPE)$/);
    expect(h.worker.nextWorkCalls).toBe(0);
    expect(h.log.lines.join('\n')).toContain(`refused a Runtime API connection to ${TEST_ARN}'s worker from a process that is not its`);
  });
});

describe('requests the Runtime API does not serve', () => {
  it('unknown paths get 404 and wrong methods 405, in Lambda\'s error JSON', async () => {
    const h = await harness();
    for (const urlPath of ['/', '/2020-01-01/extension/register', '/2018-06-01/runtime/invocation', '/2018-06-01/runtime/invocation/a/b/response', '/2018-06-01/runtime/invocation/x/result']) {
      const reply = await request(h, 'POST', urlPath, { body: '{}' });
      expect(reply.status, urlPath).toBe(404);
      expect(json(reply).errorType).toBe('NotFound');
      expect(String(json(reply).errorMessage)).toContain(urlPath);
    }
    const postNext = await request(h, 'POST', '/2018-06-01/runtime/invocation/next', { body: '{}' });
    expect(postNext.status).toBe(405);
    expect(postNext.headers.allow).toBe('GET');
    const getResponse = await request(h, 'GET', '/2018-06-01/runtime/invocation/abc/response');
    expect(getResponse.status).toBe(405);
    expect(getResponse.headers.allow).toBe('POST');
    expect(json(getResponse).errorType).toBe('MethodNotAllowed');
    expect(h.worker.nextWorkCalls).toBe(0);
  });

  it('malformed ids, hostile bytes and broken HTTP do not stop it serving', async () => {
    const h = await harness();
    const badEscape = await request(h, 'POST', '/2018-06-01/runtime/invocation/%E0%A4%A/response', { body: 'x' });
    expect(badEscape.status).toBe(400);
    expect(json(badEscape).errorType).toBe('InvalidRequestID');

    const hostile = [
      'GARBAGE\r\n\r\n',
      `GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      'POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n',
      Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]).toString('latin1'),
    ];
    for (const bytes of hostile) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(h.port, h.host, () => socket.end(Buffer.from(bytes, 'latin1')));
        socket.on('data', () => undefined);
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    }
    expect(h.worker.initFailures).toEqual([]);
    const invocation = h.worker.invoke('"still here"');
    const next = await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    expect(next.body.toString()).toBe('"still here"');
    await request(h, 'POST', `/2018-06-01/runtime/invocation/${invocation.requestId}/response`, { body: 'ok' });
    expect((await invocation.outcome).payload.toString()).toBe('ok');
  });
});

describe('the client context header', () => {
  async function contextHeaderFor(clientContext: string): Promise<{ header: string | undefined; log: RecordingLog }> {
    const h = await harness();
    h.worker.invoke('{}', { clientContext });
    const next = await request(h, 'GET', '/2018-06-01/runtime/invocation/next');
    const header = next.headers['lambda-runtime-client-context'];
    return { header: header === undefined ? undefined : Buffer.from(String(header), 'latin1').toString('utf8'), log: h.log };
  }

  it('pretty-printed JSON (newlines a header cannot carry) arrives compact, the same value', async () => {
    const context = { custom: { note: 'line\nbreak', ok: true }, env: { locale: 'ja-JP 日本' } };
    const { header } = await contextHeaderFor(Buffer.from(JSON.stringify(context, null, 2)).toString('base64'));
    expect(header).toBeDefined();
    expect(header).not.toContain('\n');
    expect(JSON.parse(header!)).toEqual(context);
  });

  it('text that is neither JSON nor header-safe is left out, with a warning', async () => {
    const { header, log } = await contextHeaderFor(Buffer.from('not json\r\nInjected: yes').toString('base64'));
    expect(header).toBeUndefined();
    expect(log.lines.some((line) => line.startsWith('WARN') && line.includes('client context'))).toBe(true);
  });
});

describe('runtimeApiEnvironment', () => {
  it('gives what aws-lambda-ric and Lambda runtimes read', () => {
    const env = runtimeApiEnvironment({ name: 'fn-a', version: '$LATEST', memoryBytes: 256 * 1024 * 1024 }, {
      runtimeApi: '127.0.0.1:4567',
      handler: 'index.handler',
      taskRoot: '/lambda',
    });
    expect(env).toMatchObject({
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:4567',
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: '/lambda',
      AWS_LAMBDA_FUNCTION_NAME: 'fn-a',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn-a',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const unlimited = runtimeApiEnvironment({ name: 'fn-b', version: '2', memoryBytes: undefined }, { runtimeApi: 'x', handler: '', taskRoot: '/t' });
    expect(Number(unlimited.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)).toBeGreaterThan(0);
    expect(unlimited._HANDLER).toBeUndefined();
  });
});
