// SigV4 against the real clients: a node:http server runs the verifier on
// every request, with keys from loadOrCreateCredentials, and answers 200 when
// it passes or Lambda's 403 envelope (sendApiError) when it does not. Driven
// by Debian's AWS CLI v2 and @aws-sdk/client-lambda, then by replaying and
// altering what they sent.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendApiError } from '../src/api/api-error';
import { signRequest } from '../src/api/sigv4/signer';
import { SigV4Verifier, type SigV4Result } from '../src/api/sigv4/verifier';
import { loadOrCreateCredentials, type AccessKey } from '../src/system/credentials';
import { AWS, aws as awsCli, type CliRun } from './helpers/aws-cli';

const noCli = fs.existsSync(AWS) ? undefined : `${AWS} not found (install it with \`apt-get install -y awscli\`)`;
if (noCli) console.log(`skipping the AWS CLI cases: ${noCli}`);

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:my-fn';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanolambda-sigv4-'));

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
  result: SigV4Result;
}

let server: http.Server;
let endpoint: string;
let port: number;
let key: AccessKey;
const seen: Seen[] = [];

/** The machine's clock, which faking Date in a test does not move. */
const realNow = () => performance.timeOrigin + performance.now();

function answer(req: IncomingMessage, res: http.ServerResponse, body: Buffer, result: SigV4Result): void {
  // What Node sends anyway, from the real clock: the SDKs correct their skew with it.
  res.setHeader('Date', new Date(realNow()).toUTCString());
  if (!result.ok) {
    sendApiError(res, randomUUID(), result.error, false);
    return;
  }
  const route = (req.url ?? '/').split('?', 1)[0]!;
  if (route.endsWith('/invocations')) {
    // Invoke: echo the payload as a function would.
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  const doc = /^\/2015-03-31\/functions\/?$/.test(route) ? { Functions: [] } : {};
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(doc));
}

beforeAll(async () => {
  key = loadOrCreateCredentials(path.join(tmp, 'state')).keys[0]!;
  const verifier = new SigV4Verifier({ secretOf: loadOrCreateCredentials(path.join(tmp, 'state')).secretOf, now: realNow });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const result = verifier.verify(req, body);
      seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body, result });
      answer(req, res, body, result);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
});

const header = (s: Seen, name: string) => {
  const i = s.rawHeaders.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === name);
  return i < 0 ? undefined : s.rawHeaders[i + 1];
};

// --- the AWS CLI -----------------------------------------------------------

/** The AWS CLI against the test server (its endpoint and region), with `creds`. */
function aws(args: string[], creds: { id: string; secret: string; token?: string }): Promise<CliRun> {
  return awsCli([...args, '--endpoint-url', endpoint, '--region', 'us-east-1'], {
    accessKeyId: creds.id,
    secretAccessKey: creds.secret,
    sessionToken: creds.token,
  });
}

const good = () => ({ id: key.accessKeyId, secret: key.secretAccessKey });

describe.skipIf(noCli !== undefined)('the AWS CLI', () => {
  it('list-functions with the gateway key is verified', async () => {
    const run = await aws(['lambda', 'list-functions'], good());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ Functions: [] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/2015-03-31/functions/', result: { ok: true, accessKeyId: key.accessKeyId } });
    // What the CLI signs: no payload-hash header, so the verifier hashes the body itself.
    expect(header(seen[0]!, 'x-amz-content-sha256')).toBeUndefined();
    expect(header(seen[0]!, 'authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/lambda\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/);
  });

  it('invoke with a JSON payload: the body is covered', async () => {
    const out = path.join(tmp, 'out.json');
    const run = await aws(['lambda', 'invoke', '--function-name', 'my-fn', '--payload', '{"a":1}', '--cli-binary-format', 'raw-in-base64-out', out], good());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(fs.readFileSync(out, 'utf8')).toBe('{"a":1}');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/2015-03-31/functions/my-fn/invocations', result: { ok: true } });
  });

  it('invoke of a full ARN with a $LATEST qualifier, in the name and as --qualifier', async () => {
    const out = path.join(tmp, 'out-arn.json');
    const inName = await aws(['lambda', 'invoke', '--function-name', `${ARN}:$LATEST`, '--payload', '{}', '--cli-binary-format', 'raw-in-base64-out', out], good());
    expect(inName.stderr).toBe('');
    expect(inName.code).toBe(0);
    const asQualifier = await aws(
      ['lambda', 'invoke', '--function-name', ARN, '--qualifier', '$LATEST', '--payload', '{}', '--cli-binary-format', 'raw-in-base64-out', out],
      good(),
    );
    expect(asQualifier.stderr).toBe('');
    expect(asQualifier.code).toBe(0);
    // On the wire: ':' and '$' percent-encoded, signed over the path encoded once more.
    expect(seen.map((s) => s.url)).toEqual([
      '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3A%24LATEST/invocations',
      '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations?Qualifier=%24LATEST',
    ]);
    expect(seen.every((s) => s.result.ok)).toBe(true);
  });

  it('get-function of an ARN is verified', async () => {
    const run = await aws(['lambda', 'get-function', '--function-name', ARN], good());
    expect(run.code).toBe(0);
    expect(seen[0]).toMatchObject({ method: 'GET', result: { ok: true } });
  });

  it('a wrong secret: 403 InvalidSignatureException, exit 254', async () => {
    const run = await aws(['lambda', 'list-functions'], { id: key.accessKeyId, secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    expect(run.code).toBe(254);
    expect(run.stderr).toContain('An error occurred (InvalidSignatureException) when calling the ListFunctions operation: The request signature we calculated does not match');
    // A 403 is not retried.
    expect(seen).toHaveLength(1);
  });

  it('an unknown key: UnrecognizedClientException', async () => {
    const run = await aws(['lambda', 'invoke', '--function-name', 'my-fn', path.join(tmp, 'x.json')], { id: 'AKIAIOSFODNN7EXAMPLE', secret: key.secretAccessKey });
    expect(run.code).toBe(254);
    expect(run.stderr).toContain('An error occurred (UnrecognizedClientException) when calling the Invoke operation: The security token included in the request is invalid.');
  });

  it('session credentials: UnrecognizedClientException that says to unset AWS_SESSION_TOKEN', async () => {
    const run = await aws(['lambda', 'list-functions'], { ...good(), token: 'FwoGZXIvYXdzEXAMPLE' });
    expect(run.code).toBe(254);
    expect(run.stderr).toContain('(UnrecognizedClientException)');
    expect(run.stderr).toContain('unset AWS_SESSION_TOKEN');
  });

  it('a captured invoke replayed with another body of the same length fails', async () => {
    const out = path.join(tmp, 'out-replay.json');
    await aws(['lambda', 'invoke', '--function-name', 'my-fn', '--payload', '{"a":1}', '--cli-binary-format', 'raw-in-base64-out', out], good());
    const captured = seen[0]!;
    expect((await replay(captured)).status).toBe(200);
    const altered = await replay(captured, { body: Buffer.from('{"a":2}') });
    expect(altered).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });
});

// --- @aws-sdk/client-lambda --------------------------------------------------

function client(config: Partial<LambdaClientConfig> = {}, creds = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }): LambdaClient {
  return new LambdaClient({ region: 'us-east-1', endpoint, credentials: creds, maxAttempts: 1, ...config });
}

async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the call succeeded, expected a refusal');
}

describe('@aws-sdk/client-lambda', () => {
  it('ListFunctions, Invoke with Qualifier $LATEST, GetFunction of an ARN are verified', async () => {
    const lambda = client();
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'my-fn', Qualifier: '$LATEST', Payload: Buffer.from('{"a":1}') }));
    expect(invoked.StatusCode).toBe(200);
    expect(Buffer.from(invoked.Payload!).toString()).toBe('{"a":1}');
    await lambda.send(new GetFunctionCommand({ FunctionName: `${ARN}:$LATEST` }));
    expect(seen.map((s) => [s.method, s.url, s.result.ok])).toEqual([
      ['GET', '/2015-03-31/functions', true],
      ['POST', '/2015-03-31/functions/my-fn/invocations?Qualifier=%24LATEST', true],
      ['GET', '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3A%24LATEST', true],
    ]);
    // The SDK signs the body hash as a header too.
    const invoke = seen[1]!;
    expect(header(invoke, 'x-amz-content-sha256')).toBe('015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862');
    expect(header(invoke, 'authorization')).toContain('x-amz-content-sha256');
    lambda.destroy();
  });

  it('a wrong secret: InvalidSignatureException, 403', async () => {
    const lambda = client({}, { accessKeyId: key.accessKeyId, secretAccessKey: `${key.secretAccessKey.slice(1)}x` });
    const err = await rejection(lambda.send(new InvokeCommand({ FunctionName: 'my-fn', Payload: Buffer.from('{}') })));
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
    lambda.destroy();
  });

  it('an unknown key: UnrecognizedClientException', async () => {
    const lambda = client({}, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: key.secretAccessKey });
    const err = await rejection(lambda.send(new ListFunctionsCommand({})));
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.message).toMatch(/^The security token included in the request is invalid\./);
    lambda.destroy();
  });

  it('a clock 10 minutes off either way: refused with AWS texts', async () => {
    const ahead = client({ systemClockOffset: 10 * 60_000 });
    const early = await rejection(ahead.send(new ListFunctionsCommand({})));
    expect(early.name).toBe('InvalidSignatureException');
    expect(early.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
    const behind = client({ systemClockOffset: -10 * 60_000 });
    const late = await rejection(behind.send(new ListFunctionsCommand({})));
    expect(late.name).toBe('InvalidSignatureException');
    expect(late.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    ahead.destroy();
    behind.destroy();
  });

  it('the SDK takes the clock offset from the Date of the 403: the next call passes', async () => {
    // systemClockOffset alone: the SDK's own clock agrees with the server's
    // Date, so it does not retry at once, but it adopts the server's offset.
    const lambda = client({ systemClockOffset: 10 * 60_000, maxAttempts: 3 });
    expect((await rejection(lambda.send(new ListFunctionsCommand({})))).name).toBe('InvalidSignatureException');
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
    expect(seen.map((s) => (s.result.ok ? 'ok' : s.result.error.type))).toEqual(['InvalidSignatureException', 'ok']);
    lambda.destroy();
  });

  it('a client whose clock is 10 minutes ahead corrects itself and retries within the call', async () => {
    // The machine clock of the client is wrong (Date faked in this process);
    // the server answers with the real time in its Date header.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(realNow() + 10 * 60_000);
      const lambda = client({ maxAttempts: 3 });
      expect((await lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
      expect(seen.map((s) => (s.result.ok ? 'ok' : s.result.error.type))).toEqual(['InvalidSignatureException', 'ok']);
      lambda.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a captured invoke replayed: accepted as is, refused when altered', async () => {
    const lambda = client();
    await lambda.send(new InvokeCommand({ FunctionName: 'my-fn', Payload: Buffer.from('{"a":1}') }));
    lambda.destroy();
    const captured = seen[0]!;
    // No replay protection inside the window (as AWS): the same bytes pass.
    expect((await replay(captured)).status).toBe(200);
    expect(await replay(captured, { body: Buffer.from('{"a":2}') })).toMatchObject({
      status: 403,
      type: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
    const rehashed = await replay(captured, {
      body: Buffer.from('{"a":2}'),
      headers: { 'x-amz-content-sha256': createHash('sha256').update('{"a":2}').digest('hex') },
    });
    expect(rehashed).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    expect(await replay(captured, { url: captured.url.replace('my-fn', 'other-fn') })).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    expect(await replay(captured, { url: `${captured.url}?Qualifier=1` })).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    expect(await replay(captured, { headers: { 'X-Amz-Invocation-Type': 'Event' } })).toMatchObject({
      status: 403,
      type: 'IncompleteSignatureException',
      message: 'There were headers present in the request which were not signed: x-amz-invocation-type.',
    });
  });
});

describe('signRequest (for nanolambda\'s own clients)', () => {
  it('signs an invoke of an ARN with X-Amz headers that the verifier accepts over HTTP', async () => {
    const url = `/2015-03-31/functions/${encodeURIComponent(`${ARN}:live`)}/invocations?Qualifier=live`;
    const body = Buffer.from('{"a":1}');
    const headers = { 'X-Amz-Invocation-Type': 'Event', 'X-Amz-Log-Type': 'None', 'Content-Length': body.length };
    const signed = signRequest({ method: 'POST', url, host: `127.0.0.1:${port}`, headers, body, ...key });
    const reply = await send({ method: 'POST', url, headers: { ...headers, ...signed }, body });
    expect(reply.status).toBe(200);
    expect(seen[0]!.result).toEqual({ ok: true, accessKeyId: key.accessKeyId });
    const other = signRequest({ method: 'POST', url, host: `127.0.0.1:${port}`, headers, body, accessKeyId: key.accessKeyId, secretAccessKey: 'x'.repeat(40) });
    expect(await send({ method: 'POST', url, headers: { ...headers, ...other }, body })).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });
});

describe('unsigned requests', () => {
  it('plain fetch gets 403 MissingAuthenticationTokenException in the Lambda envelope', async () => {
    const res = await fetch(`${endpoint}/2015-03-31/functions/my-fn/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/^Missing Authentication Token/);
    const list = await fetch(`${endpoint}/2015-03-31/functions/`);
    expect(list.status).toBe(403);
    expect(list.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

/** Send one request; the error type and message when it is refused. */
function send(request: { method: string; url: string; headers: Record<string, string | number>; body: Buffer }): Promise<{ status: number; type?: string; message?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const type = res.headers['x-amzn-errortype'] as string | undefined;
        const message = type === undefined ? undefined : (JSON.parse(Buffer.concat(chunks).toString()) as { message: string }).message;
        resolve({ status: res.statusCode!, type, message });
      });
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Send a captured request again, with another body, URL or extra headers. */
function replay(
  captured: Seen,
  change: { body?: Buffer; url?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; type?: string; message?: string }> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < captured.rawHeaders.length; i += 2) headers[captured.rawHeaders[i]!.toLowerCase()] = captured.rawHeaders[i + 1]!;
  Object.assign(headers, Object.fromEntries(Object.entries(change.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])));
  const body = change.body ?? captured.body;
  headers['content-length'] = String(body.length);
  return send({ method: captured.method, url: change.url ?? captured.url, headers, body });
}
