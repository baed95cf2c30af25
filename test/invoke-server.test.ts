// The HTTP mapping of Invoke: real requests over real sockets against a small
// Invoker written here (the thing under test is the mapping, not a runtime).
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvokeServer, type InvokeServer } from '../src/api/invoke-server';
import { NanolambdaError, type ErrorCode } from '../src/errors';
import type { InvokeOptions, InvokeResult, Invoker } from '../src/invoke-types';

interface Call {
  name: string;
  payload: Buffer;
  options: InvokeOptions | undefined;
}

const rejectWith: Record<string, ErrorCode> = {
  missing: 'FUNCTION_NOT_FOUND',
  bad: 'INVALID_PARAMETER',
  big: 'PAYLOAD_TOO_LARGE',
  busy: 'TOO_MANY_REQUESTS',
  stopping: 'RUNTIME_STOPPED',
  native: 'NATIVE_UNAVAILABLE',
};

class FakeInvoker implements Invoker {
  calls: Call[] = [];
  async invoke(name: string, payload: Uint8Array, options?: InvokeOptions): Promise<InvokeResult> {
    this.calls.push({ name, payload: Buffer.from(payload), options });
    const code = rejectWith[name];
    if (code !== undefined) throw new NanolambdaError(code, `${name}: rejected with ${code}`);
    if (name === 'bug') throw new TypeError('boom');
    const executedVersion = options?.qualifier === 'prod' ? '3' : '$LATEST';
    if (options?.type === 'Event') return { statusCode: 202, payload: Buffer.alloc(0), executedVersion };
    if (options?.type === 'DryRun') return { statusCode: 204, payload: Buffer.alloc(0), executedVersion };
    const result: InvokeResult = { statusCode: 200, payload: Buffer.from(payload), executedVersion };
    if (name === 'fail') {
      result.functionError = 'Unhandled';
      result.payload = Buffer.from('{"errorType":"Runtime.ExitError","errorMessage":"signal: segmentation fault"}');
    }
    if (options?.logType === 'Tail') result.logResult = Buffer.from('START RequestId: x\nEND\n').toString('base64');
    return result;
  }
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

let server: InvokeServer;
const invoker = new FakeInvoker();

function request(
  method: string,
  path: string,
  opts: { headers?: Record<string, string | number>; body?: Buffer | string; agent?: http.Agent; chunks?: Buffer[] } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: server.address.host, port: server.address.port, method, path, headers: opts.headers, agent: opts.agent ?? false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

const invokePath = (name: string, query = ''): string => `/2015-03-31/functions/${name}/invocations${query}`;
const lastCall = (): Call => invoker.calls[invoker.calls.length - 1]!;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectEnvelope(reply: Reply, status: number, type: string): { message: string } {
  expect(reply.status).toBe(status);
  expect(reply.headers['x-amzn-errortype']).toBe(type);
  expect(reply.headers['x-amzn-requestid']).toMatch(UUID);
  expect(reply.headers['content-type']).toBe('application/json');
  const doc = JSON.parse(reply.body.toString()) as Record<string, unknown>;
  expect(doc.Type).toBe(status >= 500 ? 'Service' : 'User');
  expect(typeof doc.message).toBe('string');
  expect(doc.Message).toBe(doc.message);
  expect(doc).not.toHaveProperty('code');
  return { message: doc.message as string };
}

beforeAll(async () => {
  server = await startInvokeServer(invoker, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close();
});

describe('RequestResponse', () => {
  it('returns the payload byte for byte with Lambda headers', async () => {
    const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const reply = await request('POST', invokePath('echo'), { body: payload });
    expect(reply.status).toBe(200);
    expect(reply.body.equals(payload)).toBe(true);
    expect(reply.headers['x-amz-executed-version']).toBe('$LATEST');
    expect(reply.headers['x-amz-function-error']).toBeUndefined();
    expect(reply.headers['x-amz-log-result']).toBeUndefined();
    expect(reply.headers['x-amzn-requestid']).toMatch(UUID);
    expect(lastCall()).toMatchObject({ name: 'echo', options: { type: 'RequestResponse' } });
  });

  it('gives every request its own request id', async () => {
    const a = await request('POST', invokePath('echo'), { body: 'a' });
    const b = await request('POST', invokePath('echo'), { body: 'b' });
    expect(a.headers['x-amzn-requestid']).not.toBe(b.headers['x-amzn-requestid']);
  });

  it('accepts an empty body', async () => {
    const reply = await request('POST', invokePath('echo'));
    expect(reply.status).toBe(200);
    expect(lastCall().payload.length).toBe(0);
  });

  it('percent-decodes a full ARN in the path', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST';
    const reply = await request('POST', invokePath(encodeURIComponent(arn)), { body: '{}' });
    expect(reply.status).toBe(200);
    expect(lastCall().name).toBe(arn);
  });

  it('passes ?Qualifier= through, decoded', async () => {
    await request('POST', invokePath('echo', '?Qualifier=%24LATEST'), { body: '{}' });
    expect(lastCall().options?.qualifier).toBe('$LATEST');
    const reply = await request('POST', invokePath('echo', '?Qualifier=prod'), { body: '{}' });
    expect(reply.headers['x-amz-executed-version']).toBe('3');
    expect(lastCall().options?.qualifier).toBe('prod');
  });

  it('rejects an empty or overlong Qualifier', async () => {
    expectEnvelope(await request('POST', invokePath('echo', '?Qualifier='), { body: '{}' }), 400, 'ValidationException');
    const long = 'q'.repeat(129);
    expectEnvelope(await request('POST', invokePath('echo', `?Qualifier=${long}`)), 400, 'ValidationException');
  });

  it('answers a function failure with 200 and X-Amz-Function-Error', async () => {
    const reply = await request('POST', invokePath('fail'), { body: '{}' });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-amz-function-error']).toBe('Unhandled');
    expect(JSON.parse(reply.body.toString())).toMatchObject({ errorType: 'Runtime.ExitError' });
  });

  it('returns the log tail with X-Amz-Log-Type: Tail', async () => {
    const reply = await request('POST', invokePath('echo'), { body: '{}', headers: { 'X-Amz-Log-Type': 'Tail' } });
    expect(lastCall().options?.logType).toBe('Tail');
    expect(Buffer.from(String(reply.headers['x-amz-log-result']), 'base64').toString()).toContain('START RequestId');
  });

  it('rejects unknown invocation and log types', async () => {
    const a = expectEnvelope(
      await request('POST', invokePath('echo'), { headers: { 'X-Amz-Invocation-Type': 'Later' } }),
      400,
      'InvalidParameterValueException',
    );
    expect(a.message).toContain('Later');
    expectEnvelope(
      await request('POST', invokePath('echo'), { headers: { 'X-Amz-Log-Type': 'All' } }),
      400,
      'InvalidParameterValueException',
    );
  });
});

describe('Event and DryRun', () => {
  it('answers Event with 202 and no body', async () => {
    const reply = await request('POST', invokePath('echo'), { body: '{"a":1}', headers: { 'X-Amz-Invocation-Type': 'Event' } });
    expect(reply.status).toBe(202);
    expect(reply.body.length).toBe(0);
    expect(lastCall().options?.type).toBe('Event');
  });

  it('answers DryRun with 204', async () => {
    const reply = await request('POST', invokePath('echo'), { headers: { 'X-Amz-Invocation-Type': 'DryRun' } });
    expect(reply.status).toBe(204);
    expect(reply.body.length).toBe(0);
  });
});

describe('X-Amz-Client-Context', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('passes a base64 JSON object through unchanged', async () => {
    const ctx = b64('{"custom":{"k":"v"}}');
    await request('POST', invokePath('echo'), { headers: { 'X-Amz-Client-Context': ctx } });
    expect(lastCall().options?.clientContext).toBe(ctx);
  });

  it.each([
    ['not base64', '***'],
    ['not JSON', b64('hello')],
    ['a JSON array', b64('[1,2]')],
    ['over 3583 bytes', b64(JSON.stringify({ custom: { k: 'x'.repeat(3000) } }))],
  ])('rejects %s with 400 InvalidRequestContentException', async (_what, ctx) => {
    const before = invoker.calls.length;
    const e = expectEnvelope(
      await request('POST', invokePath('echo'), { body: '{}', headers: { 'X-Amz-Client-Context': ctx } }),
      400,
      'InvalidRequestContentException',
    );
    expect(e.message).toContain('X-Amz-Client-Context');
    expect(invoker.calls.length).toBe(before);
  });
});

describe('payload limits', () => {
  const SYNC = 6 * 1024 * 1024;
  const EVENT = 1024 * 1024;

  it('accepts exactly 6 MB synchronously', async () => {
    const reply = await request('POST', invokePath('echo'), { body: Buffer.alloc(SYNC, 1) });
    expect(reply.status).toBe(200);
    expect(lastCall().payload.length).toBe(SYNC);
  });

  it('refuses 6 MB + 1 with 413 and Lambda\'s message, keeping the connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = invoker.calls.length;
    const e = expectEnvelope(
      await request('POST', invokePath('echo'), { body: Buffer.alloc(SYNC + 1), agent }),
      413,
      'RequestEntityTooLargeException',
    );
    expect(e.message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    expect(invoker.calls.length).toBe(before);
    const next = await request('POST', invokePath('echo'), { body: 'x', agent });
    expect(next.status).toBe(200);
    expect(next.reusedSocket).toBe(true);
    agent.destroy();
  });

  it('counts a chunked body as it streams', async () => {
    const chunk = Buffer.alloc(1024 * 1024);
    const reply = await request('POST', invokePath('echo'), { chunks: Array.from({ length: 7 }, () => chunk) });
    expectEnvelope(reply, 413, 'RequestEntityTooLargeException');
  });

  it('caps Event payloads at 1 MB', async () => {
    const headers = { 'X-Amz-Invocation-Type': 'Event' };
    expect((await request('POST', invokePath('echo'), { body: Buffer.alloc(EVENT), headers })).status).toBe(202);
    const e = expectEnvelope(
      await request('POST', invokePath('echo'), { body: Buffer.alloc(EVENT + 1), headers }),
      413,
      'RequestEntityTooLargeException',
    );
    expect(e.message).toContain('1048576');
  });

  it('answers a huge declared body at once and closes without reading it', async () => {
    const socket = net.connect(server.address.port, server.address.host);
    const data: Buffer[] = [];
    socket.on('data', (c: Buffer) => data.push(c));
    socket.write(`POST ${invokePath('echo')} HTTP/1.1\r\nHost: x\r\nContent-Length: 500000000\r\n\r\n`);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const text = Buffer.concat(data).toString();
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text.toLowerCase()).toContain('connection: close');
  });

  it('refuses an oversized Expect: 100-continue request before the body is sent', async () => {
    const socket = net.connect(server.address.port, server.address.host);
    const data: Buffer[] = [];
    socket.on('data', (c: Buffer) => data.push(c));
    socket.write(
      `POST ${invokePath('echo')} HTTP/1.1\r\nHost: x\r\nContent-Length: 7000000\r\nExpect: 100-continue\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect(Buffer.concat(data).toString()).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('errors from the invoker', () => {
  it.each([
    ['missing', 404, 'ResourceNotFoundException'],
    ['bad', 400, 'InvalidParameterValueException'],
    ['big', 413, 'RequestEntityTooLargeException'],
    ['busy', 429, 'TooManyRequestsException'],
    ['stopping', 409, 'ResourceConflictException'],
    ['native', 500, 'ServiceException'],
    ['bug', 500, 'ServiceException'],
  ])('%s -> %i %s', async (name, status, type) => {
    const reply = await request('POST', invokePath(name), { body: '{}' });
    const e = expectEnvelope(reply, status, type);
    if (name !== 'bug') expect(e.message).toContain(name);
    if (status === 429) {
      expect(reply.headers['retry-after']).toBe('1');
      expect(JSON.parse(reply.body.toString()).Reason).toBeTruthy();
    }
  });
});

describe('routing', () => {
  it('answers unknown paths with 404 naming the method and path', async () => {
    const e = expectEnvelope(await request('GET', '/2015-03-31/functions/'), 404, 'UnknownOperationException');
    expect(e.message).toContain('GET /2015-03-31/functions/');
    expectEnvelope(await request('POST', '/2015-03-31/functions/a/b/invocations'), 404, 'UnknownOperationException');
    expectEnvelope(await request('POST', '/nope'), 404, 'UnknownOperationException');
  });

  it('answers the wrong method with 405 and Allow: POST', async () => {
    const reply = await request('GET', invokePath('echo'));
    expectEnvelope(reply, 405, 'MethodNotAllowedException');
    expect(reply.headers.allow).toBe('POST');
  });

  it('rejects a badly percent-encoded name', async () => {
    expectEnvelope(await request('POST', invokePath('echo%E0%A4%A')), 400, 'ValidationException');
  });
});

describe('keep-alive', () => {
  it('serves many requests, errors included, on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const replies: Reply[] = [];
    for (const name of ['echo', 'missing', 'fail', 'echo']) {
      replies.push(await request('POST', invokePath(name), { body: '{}', agent }));
    }
    expect(replies.map((r) => r.status)).toEqual([200, 404, 200, 200]);
    expect(replies.slice(1).every((r) => r.reusedSocket)).toBe(true);
    agent.destroy();
  });

  it('close() ends with an idle keep-alive connection open', async () => {
    const other = await startInvokeServer(invoker, { host: '127.0.0.1', port: 0 });
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .request({ host: '127.0.0.1', port: other.address.port, method: 'POST', path: invokePath('echo'), agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject)
        .end('{}');
    });
    await other.close();
    agent.destroy();
  });
});
