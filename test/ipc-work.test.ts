// The Greengrass IPC server towards the workers it serves: tokens that bind
// a caller to its own function, long-polled work and its answers, local
// logs, initialization reports, and what malformed, hostile or idle
// connections get. Real HTTP on loopback, a real runtime behind the server;
// the worker is a stand-in keeping the ProcessWorker contract (the server is
// what is under test).
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipcConnectionCap } from '../src/ipc/connection-cap';
import { HEADERS_TIMEOUT_MS, IpcServer, MAX_BUSY_PER_WORKER, MAX_POLLS_PER_WORKER, newWorkerToken } from '../src/ipc/ipc-server';
import type { ComponentLog } from '../src/logs/system-log';
import { Runtime } from '../src/runtime';
import type { ServiceCalls } from '../src/services/service-calls';
import type { Outcome } from '../src/workers/invocation';
import { contextHeader, ipcRequest, json, StandInWorker, started, workItem } from './helpers/ipc-client';
import { startRuntime, writeCode } from './helpers/runtime-process';
import { arnOf, ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const fns = {
  caller: { name: 'caller', executable: path.join(examplesDir, 'echo') },
  other: { name: 'other', executable: path.join(examplesDir, 'echo') },
  echo: { name: 'echo', executable: path.join(examplesDir, 'echo') },
};
const workPath = (arn: string) => `/2016-11-01/functions/${arn}/work`;
/** More connections than the cap once was (1024): one function holding them must not lock the others out. */
const MANY_CONNECTIONS = 1100;
const roomForMany = ipcConnectionCap() > MANY_CONNECTIONS + 50;
if (!roomForMany) console.warn(`ipc-work: the test holding ${MANY_CONNECTIONS} connections is skipped: this process's open-files limit caps the IPC at ${ipcConnectionCap()}`);
const initializedPath = (arn: string) => `/2016-11-01/functions/${arn}/initialized`;

/** Resolves when `socket` closes, with the bytes the server sent before closing it. */
function closed(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

describe('IPC server: tokens, work and logs', () => {
  let runtime: Runtime;
  let server: IpcServer;
  let caller: StandInWorker;
  let other: StandInWorker;
  let callerToken: string;
  let otherToken: string;
  const logged: string[] = [];
  const log: ComponentLog = {
    debug: () => undefined,
    info: (m) => logged.push(m),
    warn: (m) => logged.push(m),
    error: (m) => logged.push(m),
  };

  beforeAll(async () => {
    ensureSdk();
    const dir = tempDir('ipc-work');
    runtime = await Runtime.start({ group: writeGroup(dir, Object.values(fns), [], { StateDir: path.join(dir, 'state') }), http: false });
    const services = (runtime as unknown as { services: ServiceCalls }).services;
    server = await IpcServer.start({ host: '127.0.0.1', port: 0, services, log });
    caller = new StandInWorker(runtime.registry.resolve('caller').fn);
    other = new StandInWorker(runtime.registry.resolve('other').fn);
    callerToken = server.register(caller);
    otherToken = server.register(other);
  });

  afterAll(async () => {
    await server?.close();
    await runtime?.stop();
  });

  it('gives each worker its own 64-hex-digit token, the same one if registered again', () => {
    expect(callerToken).toMatch(/^[0-9a-f]{64}$/);
    expect(otherToken).not.toBe(callerToken);
    expect(server.register(caller)).toBe(callerToken);
  });

  it('binds a token made before the worker existed (its process needs it at start), refusing a malformed or taken one', async () => {
    const token = newWorkerToken();
    const early = new StandInWorker(runtime.registry.resolve('echo').fn);
    expect(() => server.register(early, 'not-a-token')).toThrow(/64 hex digits/);
    expect(() => server.register(early, callerToken)).toThrow(/registered to another worker/);
    expect(server.register(early, token)).toBe(token);
    early.give(workItem('99999999-9999-4999-8999-999999999999', 'early'));
    const got = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.echo)), { token });
    expect(got.body.toString()).toBe('early');
    server.unregister(early);
  });

  it('refuses a request without a token or with one no worker holds, with 401 and a JSON reason, before routing', async () => {
    const none = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)));
    expect(none.status).toBe(401);
    expect(json(none).errorMessage).toMatch(/no Authorization header/);
    const unknown = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: 'ab'.repeat(32) });
    expect(unknown.status).toBe(401);
    expect(json(unknown).errorMessage).toMatch(/not one this runtime gave to a running worker/);
    // A Bearer prefix is not the raw token the SDKs send.
    expect((await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: `Bearer ${callerToken}` })).status).toBe(401);
    // An unknown path tells an unauthenticated caller nothing more.
    expect((await ipcRequest(server.port, 'GET', '/nothing/here', { body: 'x'.repeat(1000) })).status).toBe(401);
  });

  it("refuses a worker presenting its token for another function's work (403), taking nothing from it", async () => {
    other.give(workItem('11111111-1111-4111-8111-111111111111', 'for other'));
    const take = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.other)), { token: callerToken });
    expect(take.status).toBe(403);
    expect(json(take).errorMessage).toContain(`belongs to a worker of ${arnOf(fns.caller)}: it may not take work of ${arnOf(fns.other)}`);
    const answer = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.other)), {
      token: callerToken,
      headers: { 'X-Amz-InvocationId': '11111111-1111-4111-8111-111111111111' },
      body: 'forged',
    });
    expect(answer.status).toBe(403);
    const init = await ipcRequest(server.port, 'PUT', `/2016-11-01/functions/${arnOf(fns.other)}/initialized`, { token: callerToken, body: '{"Success":true}' });
    expect(init.status).toBe(403);
    // The owner still gets its work, and answers it.
    const own = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.other)), { token: otherToken });
    expect(own.status).toBe(200);
    expect(own.body.toString()).toBe('for other');
    const done = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.other)), {
      token: otherToken,
      headers: { 'X-Amz-InvocationId': '11111111-1111-4111-8111-111111111111' },
      body: 'ok',
    });
    expect(done.status).toBe(200);
    expect(other.outcomes.get('11111111-1111-4111-8111-111111111111')).toEqual({ kind: 'success', payload: Buffer.from('ok') });
  });

  it('holds a request for work until there is some, then delivers it with its id, client context and deadline', async () => {
    const poll = started(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
    await waitFor(() => caller.asks > 0, 5000, 'the server asks the worker for work');
    await sleep(100);
    const context = contextHeader({ subject: 'sensors/t' });
    const item = workItem('22222222-2222-4222-8222-222222222222', Buffer.from([0, 1, 2, 255]), context);
    caller.give(item);
    const got = await poll.answer;
    expect(got.status).toBe(200);
    expect([...got.body]).toEqual([0, 1, 2, 255]);
    expect(got.headers['x-amz-invocationid']).toBe(item.requestId);
    expect(got.headers['x-amz-client-context']).toBe(context);
    expect(got.headers['x-amz-deadline-ms']).toBe(String(item.deadlineMs));
    const answered = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), {
      token: callerToken,
      headers: { 'X-Amz-InvocationId': item.requestId, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '{"ok":true}',
    });
    expect(answered.status).toBe(200);
    expect(caller.outcomes.get(item.requestId)).toEqual({ kind: 'success', payload: Buffer.from('{"ok":true}') });
    // Answered once: a second answer for the same id is refused, naming it.
    const again = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), {
      token: callerToken,
      headers: { 'X-Amz-InvocationId': item.requestId },
      body: 'late',
    });
    expect(again.status).toBe(404);
    expect(json(again).errorMessage).toContain(item.requestId);
  });

  it('sends an empty X-Amz-Client-Context when the invocation has none', async () => {
    caller.give(workItem('33333333-3333-4333-8333-333333333333', ''));
    const got = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
    expect(got.headers['x-amz-client-context']).toBe('');
    expect(got.body.length).toBe(0);
    await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), { token: callerToken, headers: { 'X-Amz-InvocationId': '33333333-3333-4333-8333-333333333333' } });
    expect(caller.outcomes.get('33333333-3333-4333-8333-333333333333')).toEqual({ kind: 'success', payload: Buffer.alloc(0) });
  });

  it('keeps a work item whose poll was abandoned for the next poll', async () => {
    const first = started(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
    const failed = first.answer.catch((error: Error) => error);
    const asks = caller.asks;
    await waitFor(() => caller.asks > asks, 5000, 'the server asks the worker for work');
    first.abort();
    await failed;
    await sleep(50);
    caller.give(workItem('44444444-4444-4444-8444-444444444444', 'not lost'));
    const second = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
    expect(second.status).toBe(200);
    expect(second.headers['x-amz-invocationid']).toBe('44444444-4444-4444-8444-444444444444');
    expect(second.body.toString()).toBe('not lost');
    await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), {
      token: callerToken,
      headers: { 'X-Amz-InvocationId': '44444444-4444-4444-8444-444444444444' },
      body: 'done',
    });
  });

  it('maps X-Amz-Function-Error Handled and Unhandled to the outcome, and refuses anything else', async () => {
    for (const [header, kind] of [['Handled', 'handled'], ['Unhandled', 'unhandled']] as const) {
      const id = header === 'Handled' ? '55555555-5555-4555-8555-555555555555' : '66666666-6666-4666-8666-666666666666';
      caller.give(workItem(id, 'fail please'));
      expect((await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken })).status).toBe(200);
      const bogus = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), {
        token: callerToken,
        headers: { 'X-Amz-InvocationId': id, 'X-Amz-Function-Error': 'Maybe' },
        body: '{}',
      });
      expect(bogus.status).toBe(400);
      expect(json(bogus).errorMessage).toMatch(/X-Amz-Function-Error "Maybe" is not/);
      const document = JSON.stringify({ errorMessage: 'no', errorType: 'ValueError' });
      const posted = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), {
        token: callerToken,
        headers: { 'X-Amz-InvocationId': id, 'X-Amz-Function-Error': header },
        body: document,
      });
      expect(posted.status).toBe(200);
      expect(caller.outcomes.get(id)).toEqual({ kind, payload: Buffer.from(document) });
    }
  });

  it('refuses an answer without an invocation id, and fails an oversized answer as Lambda does', async () => {
    const missing = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), { token: callerToken, body: 'x' });
    expect(missing.status).toBe(400);
    expect(json(missing).errorMessage).toMatch(/X-Amz-InvocationId/);
    const id = '77777777-7777-4777-8777-777777777777';
    caller.give(workItem(id, 'make it big'));
    await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
    const size = 6 * 1024 * 1024 + 101;
    const big = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), {
      token: callerToken,
      headers: { 'X-Amz-InvocationId': id },
      body: Buffer.alloc(size, 0x61),
    });
    expect(big.status).toBe(413);
    const outcome = caller.outcomes.get(id)!;
    expect(outcome.kind).toBe('unhandled');
    expect(JSON.parse(outcome.payload.toString())).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `RequestId: ${id} Error: Response payload size (${size} bytes) exceeded maximum allowed payload size (6291556 bytes).`,
    });
  });

  it("appends each local log event's message to the caller's log, and refuses an empty or malformed list", async () => {
    const document = {
      logGroupName: '/GreengrassSystem/python_runtime',
      logStreamName: 'fromPythonAppender',
      logEvents: [
        { timestamp: Date.now(), message: '[INFO]-handler.py:3,first' },
        { timestamp: Date.now(), message: '[WARN]-handler.py:4,second' },
      ],
    };
    const sent = await ipcRequest(server.port, 'POST', '/2016-11-01/cloudwatch/logs/', { token: callerToken, body: JSON.stringify(document) });
    expect(sent.status).toBe(200);
    expect(caller.lines.slice(-2)).toEqual(['[INFO]-handler.py:3,first', '[WARN]-handler.py:4,second']);
    const empty = await ipcRequest(server.port, 'POST', '/2016-11-01/cloudwatch/logs/', { token: callerToken, body: JSON.stringify({ ...document, logEvents: [] }) });
    expect(empty.status).toBe(400);
    expect(json(empty).errorMessage).toMatch(/logEvents is empty/);
    const garbled = await ipcRequest(server.port, 'POST', '/2016-11-01/cloudwatch/logs/', { token: callerToken, body: '{"logEvents": [' });
    expect(garbled.status).toBe(400);
    const notText = await ipcRequest(server.port, 'POST', '/2016-11-01/cloudwatch/logs/', { token: callerToken, body: '{"logEvents": [{"message": 3}]}' });
    expect(json(notText).errorMessage).toBe('logEvents[0].message must be a string');
    expect(caller.lines).toHaveLength(2);
  });

  it('accepts an initialization report, logging a failed one (a worker without initFailed only logs it)', async () => {
    const ok = await ipcRequest(server.port, 'PUT', `/2016-11-01/functions/${arnOf(fns.caller)}/initialized`, { token: callerToken, body: '{"Success":true,"Response":""}' });
    expect(ok.status).toBe(200);
    const failed = await ipcRequest(server.port, 'PUT', `/2016-11-01/functions/${arnOf(fns.caller)}/initialized`, {
      token: callerToken,
      body: '{"Success":false,"Response":"no camera"}',
    });
    expect(failed.status).toBe(200);
    expect(caller.lines.at(-1)).toBe('[ERROR]-the function reported that its initialization failed: {"errorType":"Runtime.Unknown","errorMessage":"no camera"}');
    const bad = await ipcRequest(server.port, 'PUT', `/2016-11-01/functions/${arnOf(fns.caller)}/initialized`, { token: callerToken, body: '{"Success":"yes"}' });
    expect(bad.status).toBe(400);
  });

  it("fails the waiting invocation with the error document a runtime reports for its failed initialization", async () => {
    const worker = new StandInWorker(runtime.registry.resolve('echo').fn);
    const token = server.register(worker);
    try {
      const put = (body: string | Buffer) => ipcRequest(server.port, 'PUT', initializedPath(arnOf(fns.echo)), { token, body });
      expect((await put('{"Success":true,"Response":""}')).status).toBe(200);
      expect((await put('')).status).toBe(200);
      expect(worker.initFailures).toEqual([]);

      // The runtime's document, byte for byte, as Lambda's Python runtime writes it.
      const document = JSON.stringify({ errorMessage: "Unable to import module 'app': No module named 'app'", errorType: 'Runtime.ImportModuleError', requestId: '', stackTrace: [] });
      expect((await put(JSON.stringify({ Success: false, Response: document }))).status).toBe(200);
      expect(worker.initFailures).toEqual([{ kind: 'unhandled', payload: Buffer.from(document) }]);
      expect(worker.lines.at(-1)).toBe(`[ERROR]-the function reported that its initialization failed: ${document}`);

      // Text that is not a JSON object gets Lambda's shape around it.
      for (const response of ['no camera', '[1,2]', '"quoted"', '']) {
        expect((await put(JSON.stringify({ Success: false, Response: response }))).status).toBe(200);
        const errorMessage = response === '' ? 'the runtime reported that its initialization failed, without saying why' : response;
        expect(JSON.parse(worker.initFailures.at(-1)!.payload.toString())).toEqual({ errorType: 'Runtime.Unknown', errorMessage });
        expect(worker.initFailures.at(-1)!.kind).toBe('unhandled');
      }

      // Malformed or oversized reports are refused and fail nothing.
      const count = worker.initFailures.length;
      expect((await put('{"Success":false')).status).toBe(400);
      expect((await put('{"Response":"x"}')).status).toBe(400);
      const big = await put(JSON.stringify({ Success: false, Response: 'x'.repeat(70 * 1024) }));
      expect(big.status).toBe(413);
      expect(json(big).errorMessage).toMatch(/an initialization report exceeds 65536 bytes/);
      expect(worker.initFailures).toHaveLength(count);
    } finally {
      server.unregister(worker);
    }
  });

  it("fails it with Lambda's document when a real Node.js runtime cannot load its handler", async () => {
    const worker = new StandInWorker(runtime.registry.resolve('echo').fn);
    const token = newWorkerToken();
    server.register(worker, token);
    const codeDir = tempDir('ipc-work-node');
    writeCode(codeDir, { 'index.js': 'exports.handler = async () => 1;' });
    const child = startRuntime('nodejs', { codeDir, functionArn: arnOf(fns.echo), token, port: server.port, handler: 'missing.handler' });
    try {
      expect(await child.exited).toEqual({ code: 1, signal: null });
      expect(worker.initFailures).toHaveLength(1);
      expect(worker.initFailures[0]!.kind).toBe('unhandled');
      const document = JSON.parse(worker.initFailures[0]!.payload.toString());
      expect(document.errorType).toBe('Runtime.ImportModuleError');
      expect(document.errorMessage).toMatch(/^Error: Cannot find module 'missing'/);
      expect(worker.asks).toBe(0);
    } finally {
      child.kill();
      server.unregister(worker);
    }
  });

  it('closes connections that send no request, dribble headers or idle after a refusal, and leaves long polls alone', { timeout: 30_000 }, async () => {
    const poll = started(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
    const asks = caller.asks;
    await waitFor(() => caller.asks > asks, 5000, 'the server asks the worker for work');

    const silent = net.connect(server.port, '127.0.0.1');
    const silentClosed = closed(silent);
    const dribbling = net.connect(server.port, '127.0.0.1', () => dribbling.write(`GET ${workPath(arnOf(fns.caller))} HTTP/1.1\r\n`));
    const dribblingClosed = closed(dribbling);
    // A header line a second, never the blank line that ends them.
    const drip = setInterval(() => dribbling.writable && dribbling.write('X-Slow: 1\r\n'), 1000);
    // A caller refused for its token gets its answer and loses its connection at once.
    const refused = net.connect(server.port, '127.0.0.1', () => refused.write('GET /anything HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'));
    const refusedClosed = closed(refused);
    try {
      expect(await refusedClosed).toMatch(/^HTTP\/1\.1 401 [^]*Connection: close/);
      const bound = 3 * HEADERS_TIMEOUT_MS;
      let silentGone = false;
      let dribblingGone = false;
      void silentClosed.then(() => (silentGone = true));
      void dribblingClosed.then(() => (dribblingGone = true));
      await waitFor(() => silentGone && dribblingGone, bound, 'the server closing the silent and the dribbling connections');
      expect(await dribblingClosed).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
      silent.destroy();
      dribbling.destroy();
      refused.destroy();
    }

    // The poll, open longer than the headers timeout, is still there and delivers.
    const id = '99999999-9999-4999-8999-000000000001';
    caller.give(workItem(id, 'still here'));
    const got = await poll.answer;
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe('still here');
    const done = await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), { token: callerToken, headers: { 'X-Amz-InvocationId': id }, body: 'ok' });
    expect(done.status).toBe(200);
  });

  it.skipIf(!roomForMany)(`still serves the workers while ${MANY_CONNECTIONS} connections are held open`, { timeout: 20_000 }, async () => {
    const held: net.Socket[] = [];
    try {
      await Promise.all(
        Array.from({ length: MANY_CONNECTIONS }, () =>
          new Promise<void>((resolve, reject) => {
            const socket = net.connect(server.port, '127.0.0.1', () => resolve());
            socket.on('error', reject);
            held.push(socket);
          }),
        ),
      );
      await sleep(200);
      const id = '99999999-9999-4999-8999-000000000002';
      caller.give(workItem(id, 'through the crowd'));
      const got = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.caller)), { token: callerToken });
      expect(got.status).toBe(200);
      expect(got.body.toString()).toBe('through the crowd');
      expect((await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), { token: callerToken, headers: { 'X-Amz-InvocationId': id } })).status).toBe(200);
      // None of them was dropped to make room.
      expect(held.filter((socket) => socket.destroyed || socket.readyState !== 'open')).toEqual([]);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  it('answers unknown paths 404 and wrong methods 405, in JSON, and takes percent-encoded ARNs', async () => {
    const unknown = await ipcRequest(server.port, 'GET', '/2016-11-01/credentialprovider/', { token: callerToken });
    expect(unknown.status).toBe(404);
    expect(json(unknown).errorMessage).toMatch(/no IPC operation for GET \/2016-11-01\/credentialprovider\//);
    const method = await ipcRequest(server.port, 'DELETE', workPath(arnOf(fns.caller)), { token: callerToken });
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('GET, POST');
    const long = await ipcRequest(server.port, 'GET', workPath(`arn:${'x'.repeat(600)}`), { token: callerToken });
    expect(long.status).toBe(400);
    expect(json(long).errorMessage).toMatch(/more than 512/);
    caller.give(workItem('88888888-8888-4888-8888-888888888888', 'encoded'));
    const encoded = await ipcRequest(server.port, 'GET', workPath(encodeURIComponent(arnOf(fns.caller))), { token: callerToken });
    expect(encoded.status).toBe(200);
    await ipcRequest(server.port, 'POST', workPath(arnOf(fns.caller)), { token: callerToken, headers: { 'X-Amz-InvocationId': '88888888-8888-4888-8888-888888888888' } });
  });

  it('refuses a payload over 6 MB with 413, and a worker opening too many polls with 429', async () => {
    const big = await ipcRequest(server.port, 'POST', `/2016-11-01/functions/${arnOf(fns.echo)}`, {
      token: callerToken,
      body: Buffer.alloc(6 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    expect(json(big).errorMessage).toMatch(/exceeds 6291456 bytes/);
    const polls = Array.from({ length: MAX_POLLS_PER_WORKER }, () => started(server.port, 'GET', workPath(arnOf(fns.other)), { token: otherToken }));
    const failures = polls.map((p) => p.answer.catch((error: Error) => error));
    await sleep(200);
    const extra = await ipcRequest(server.port, 'GET', workPath(arnOf(fns.other)), { token: otherToken });
    expect(extra.status).toBe(429);
    for (const p of polls) p.abort();
    await Promise.all(failures);
  });

  it('bounds the requests a worker has in progress and the results it leaves unfetched (429, naming the limit)', async () => {
    // Bodies that never finish arriving: each holds a place until its client gives up.
    const uploads = Array.from({ length: MAX_BUSY_PER_WORKER }, () => {
      const req = http.request({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/2016-11-01/functions/${arnOf(fns.echo)}`,
        headers: { Authorization: otherToken, 'Content-Length': '1000' },
        agent: false,
      });
      req.on('error', () => undefined);
      req.write('partial');
      return req;
    });
    await sleep(200);
    const busy = await ipcRequest(server.port, 'POST', `/2016-11-01/cloudwatch/logs/`, { token: otherToken, body: '{"logEvents":[{"message":"x"}]}' });
    expect(busy.status).toBe(429);
    expect(json(busy).errorMessage).toMatch(new RegExp(`has ${MAX_BUSY_PER_WORKER} requests in progress already`));
    for (const req of uploads) req.destroy();
    await waitFor(async () => (await ipcRequest(server.port, 'POST', `/2016-11-01/cloudwatch/logs/`, { token: otherToken, body: '{"logEvents":[{"message":"x"}]}' })).status === 200, 5000, 'the worker may log again');

    const services = (runtime as unknown as { services: ServiceCalls }).services;
    const strict = await IpcServer.start({ host: '127.0.0.1', port: 0, services, log, results: { perCaller: 2 } });
    try {
      const token = strict.register(caller);
      const publish = () =>
        ipcRequest(strict.port, 'POST', '/2016-11-01/functions/arn:aws:lambda:::function:GGRouter', {
          token,
          headers: { 'X-Amz-Invocation-Type': 'RequestResponse', 'X-Amz-Client-Context': contextHeader({ subject: 'nobody/listens' }) },
          body: 'x',
        });
      const first = await publish();
      expect((await publish()).status).toBe(202);
      const refused = await publish();
      expect(refused.status).toBe(429);
      expect(json(refused).errorMessage).toMatch(/2 results of calls by .*caller:1 are not fetched yet/);
      const fetched = await ipcRequest(strict.port, 'GET', '/2016-11-01/functions/arn:aws:lambda:::function:GGRouter', {
        token,
        headers: { 'X-Amz-InvocationId': first.headers['x-amz-invocationid'] as string },
      });
      expect(fetched.status).toBe(200);
      expect(fetched.headers['x-amz-function-error']).toBe('');
      expect((await publish()).status).toBe(202);
    } finally {
      await strict.close();
    }
  });

  it('survives garbage on the wire and a result asked for by another worker', async () => {
    const garbage = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.end('\x00\x01NOT HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const posted = await ipcRequest(server.port, 'POST', `/2016-11-01/functions/${arnOf(fns.echo)}`, { token: callerToken, body: 'mine' });
    expect(posted.status).toBe(202);
    const id = posted.headers['x-amz-invocationid'] as string;
    const stolen = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${arnOf(fns.echo)}`, { token: otherToken, headers: { 'X-Amz-InvocationId': id } });
    expect(stolen.status).toBe(404);
    const mine = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${arnOf(fns.echo)}`, { token: callerToken, headers: { 'X-Amz-InvocationId': id } });
    expect(mine.status).toBe(200);
    expect(mine.body.toString()).toBe('mine');
  });

  it("holds a stopping worker's polls until it is unregistered, which closes them and voids its token", async () => {
    const leaving = new StandInWorker(runtime.registry.resolve('echo').fn);
    const token = server.register(leaving);
    leaving.stop();
    const poll = started(server.port, 'GET', workPath(arnOf(fns.echo)), { token });
    const outcome = poll.answer.then(
      (answer) => `answered ${answer.status}`,
      () => 'closed',
    );
    await waitFor(() => leaving.asks > 0, 5000, 'the server asks the stopping worker for work');
    const early = await Promise.race([outcome, sleep(200).then(() => 'held')]);
    expect(early).toBe('held');
    server.unregister(leaving);
    expect(await outcome).toBe('closed');
    expect((await ipcRequest(server.port, 'GET', workPath(arnOf(fns.echo)), { token })).status).toBe(401);
  });
});
