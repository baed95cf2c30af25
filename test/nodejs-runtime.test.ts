// nanolambda's Node.js runtime (runtimes/nodejs/lambda_runtime.js) as a real
// process against a real HTTP server speaking the Greengrass IPC: async,
// callback and plain handlers, json and binary, the context, errors as Lambda
// reports them, logs, SIGTERM, and the ways it refuses to start.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IpcPeer } from './helpers/ipc-peer';
import { type RuntimeOptions, type RuntimeProcess, startRuntime, writeCode } from './helpers/runtime-process';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const ARN_PREFIX = 'arn:aws:lambda:us-east-1:123456789012:function:';

describe('Node.js runtime', () => {
  let peer: IpcPeer;
  const started: RuntimeProcess[] = [];
  let serial = 0;

  beforeAll(async () => {
    peer = await IpcPeer.start();
  });

  afterEach(() => {
    for (const runtime of started.splice(0)) runtime.kill();
  });

  afterAll(async () => {
    await peer?.close();
  });

  /** A new function (its own name, code directory and token) running `files` with the runtime. */
  function run(files: Record<string, string>, options: Partial<RuntimeOptions> = {}) {
    serial += 1;
    const functionArn = `${ARN_PREFIX}node${serial}:3`;
    const codeDir = tempDir('nodejs-runtime');
    writeCode(codeDir, files);
    const token = peer.addFunction(functionArn);
    const runtime = startRuntime('nodejs', { codeDir, functionArn, token, port: peer.port, ...options });
    started.push(runtime);
    return { runtime, functionArn, codeDir, invoke: (payload?: string | Buffer, more = {}) => peer.invoke(functionArn, { payload, ...more }) };
  }

  const json = (body: Buffer) => JSON.parse(body.toString());

  it('awaits an async handler and answers its value as JSON', async () => {
    const fn = run({ 'index.js': 'exports.handler = async (event) => (event.none ? undefined : { got: event });' });
    const answer = await fn.invoke('{"a":[1,2],"s":"é"}');
    expect(answer.functionError).toBeUndefined();
    expect(json(answer.body)).toEqual({ got: { a: [1, 2], s: 'é' } });
    // An empty json event is {}; undefined answers null, as Lambda does.
    expect(json((await fn.invoke('')).body)).toEqual({ got: {} });
    expect((await fn.invoke('{"none":true}')).body.toString()).toBe('null');
  });

  it('answers a callback handler with its first call and ignores later calls and its return value', async () => {
    const fn = run({
      'index.js': `
        exports.handler = function (event, context, callback) {
          callback(null, { first: event.n, sameModule: this === module.exports });
          callback(null, 'second');
          context.succeed('third');
          return 'returned';
        };`,
    });
    for (const n of [1, 2]) {
      const answer = await fn.invoke(JSON.stringify({ n }));
      expect(json(answer.body)).toEqual({ first: n, sameModule: true });
    }
  });

  it('answers null for a plain handler once its event loop is empty, after its timers ran', async () => {
    const fn = run({
      'index.js': `
        const fs = require('fs');
        exports.handler = (event) => {
          setTimeout(() => fs.writeFileSync(event.marker, 'timer ran'), 100);
          return 42;
        };`,
    });
    const marker = path.join(fn.codeDir, 'marker');
    const answer = await fn.invoke(JSON.stringify({ marker }));
    expect(answer.functionError).toBeUndefined();
    expect(answer.body.toString()).toBe('null');
    expect(fs.readFileSync(marker, 'utf8')).toBe('timer ran');
  });

  it("waits for the function's own IPC requests before answering null (idle kept-alive connections do not hold it)", async () => {
    const fn = run({
      'index.js': `
        const fs = require('fs');
        const IPCClient = require('aws-greengrass-ipc-sdk-js');
        const ipc = new IPCClient(process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN);
        exports.handler = (event) => {
          ipc.postWork('arn:aws:lambda:::function:GGRouter', 'ping', '', 'Event', (err, id) => fs.writeFileSync(event.marker, err ? err.message : 'sent ' + id));
        };`,
    });
    for (const n of [1, 2]) {
      const marker = path.join(fn.codeDir, `marker${n}`);
      const answer = await fn.invoke(JSON.stringify({ marker }));
      expect(answer.body.toString()).toBe('null');
      expect(fs.readFileSync(marker, 'utf8')).toMatch(/^sent [0-9a-f-]{36}$/);
    }
  });

  it('goes on to the next invocation when the server refuses an answer (the invocation was given up)', async () => {
    const fn = run({
      'index.js': `
        const fs = require('fs');
        exports.handler = async (event) => {
          while (event.gate && !fs.existsSync(event.gate)) await new Promise((resolve) => setTimeout(resolve, 10));
          return 'answered';
        };`,
    });
    const gate = path.join(fn.codeDir, 'gate');
    void fn.invoke(JSON.stringify({ gate }));
    await waitFor(() => peer.runningCount() === 1, 10_000, 'the invocation being handed out');
    peer.abandonRunning();
    fs.writeFileSync(gate, '');
    await waitFor(() => fn.runtime.stderr().includes('was refused'), 10_000, 'the refusal being logged');
    expect(fn.runtime.stderr()).toMatch(/HTTP 404: no running invocation/);
    expect(json((await fn.invoke('{}')).body)).toBe('answered');
  });

  it('answers the legacy context.succeed and context.done', async () => {
    const fn = run({ 'index.js': 'exports.handler = (event, context) => event.done ? context.done(null, "done") : context.succeed({ ok: true });' });
    expect(json((await fn.invoke('{}')).body)).toEqual({ ok: true });
    expect(json((await fn.invoke('{"done":true}')).body)).toBe('done');
  });

  it('binary: gives the event as a Buffer and sends the result bytes unchanged', async () => {
    const fn = run(
      {
        'index.js': `
          exports.handler = async (event) => event.length === 0
            ? 'text résumé'
            : Buffer.concat([Buffer.from([Buffer.isBuffer(event) ? 1 : 0]), Buffer.from(event).reverse()]);`,
      },
      { encoding: 'binary' },
    );
    const answer = await fn.invoke(Buffer.from([0xff, 0x00, 0x80, 0xfe]));
    expect(answer.functionError).toBeUndefined();
    expect([...answer.body]).toEqual([1, 0xfe, 0x80, 0x00, 0xff]);
    expect((await fn.invoke(Buffer.alloc(0))).body.toString()).toBe('text résumé');
  });

  it('gives the context Lambda and Greengrass functions read', async () => {
    const fn = run(
      {
        'index.js': `
          exports.handler = async (event, context) => ({
            ...context,
            remaining: context.getRemainingTimeInMillis(),
            methods: ['getRemainingTimeInMillis', 'done', 'succeed', 'fail'].map((m) => typeof context[m]),
            customIsAlias: context.clientContext.custom === context.clientContext.Custom,
            hasIdentity: 'identity' in context,
          });`,
      },
      { env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128', AWS_LAMBDA_FUNCTION_TIMEOUT: '300' } },
    );
    const clientContext = Buffer.from(JSON.stringify({ custom: { subject: 'sensors/1' }, client: { app_title: 'probe' } })).toString('base64');
    const answer = await fn.invoke('{}', { clientContext, deadlineMs: Date.now() + 60_000 });
    const context = json(answer.body);
    expect(context).toMatchObject({
      awsRequestId: answer.invocationId,
      functionName: fn.functionArn.split(':')[6],
      functionVersion: '3',
      invokedFunctionArn: fn.functionArn,
      memoryLimitInMB: '128',
      logGroupName: `/aws/greengrass/Lambda/us-east-1/123456789012/${fn.functionArn.split(':')[6]}`,
      clientContext: { client: { app_title: 'probe' }, Custom: { subject: 'sensors/1' }, custom: { subject: 'sensors/1' }, env: {} },
      callbackWaitsForEmptyEventLoop: true,
      methods: ['function', 'function', 'function', 'function'],
      customIsAlias: true,
      hasIdentity: true,
    });
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[3\][0-9a-f]{32}$/);
    expect(context.remaining).toBeGreaterThan(0);
    expect(context.remaining).toBeLessThanOrEqual(60_000);
    // Without X-Amz-Deadline-Ms the deadline is the function's timeout from arrival.
    const fallback = json((await fn.invoke('{}')).body);
    expect(fallback.remaining).toBeGreaterThan(60_000);
    expect(fallback.remaining).toBeLessThanOrEqual(300_000);
    expect(fallback.clientContext).toEqual({ client: {}, Custom: {}, custom: {}, env: {} });
  });

  it('reports failures as Lambda does (Unhandled, {errorType, errorMessage, trace}) and keeps serving', async () => {
    const fn = run({
      'index.js': `
        class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } }
        exports.handler = (event, context, callback) => {
          switch (event.kind) {
            case 'throw': throw new TypeError('bad input');
            case 'reject': return Promise.reject(new ValidationError('no such sensor'));
            case 'callback': return callback(new Error('callback failed'));
            case 'string': return callback('plain words');
            case 'fail': return context.fail(new RangeError('legacy failure'));
            case 'cycle': { const o = {}; o.self = o; return callback(null, o); }
            default: return callback(null, 'fine');
          }
        };`,
    });
    const failure = async (kind: string) => {
      const answer = await fn.invoke(JSON.stringify({ kind }));
      expect(answer.functionError, answer.body.toString()).toBe('Unhandled');
      return json(answer.body);
    };
    const thrown = await failure('throw');
    expect(thrown).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
    expect(thrown.trace[0]).toBe('TypeError: bad input');
    expect(thrown.trace[1]).toMatch(/^\s+at .*index\.js/);
    expect(await failure('reject')).toMatchObject({ errorType: 'ValidationError', errorMessage: 'no such sensor' });
    expect(await failure('callback')).toMatchObject({ errorType: 'Error', errorMessage: 'callback failed' });
    expect(await failure('string')).toEqual({ errorType: 'string', errorMessage: 'plain words', trace: [] });
    expect(await failure('fail')).toMatchObject({ errorType: 'RangeError', errorMessage: 'legacy failure' });
    const cycle = await failure('cycle');
    expect(cycle.errorType).toBe('TypeError');
    expect(cycle.errorMessage).toMatch(/circular/i);
    // An event that is not JSON never reaches a json function's handler.
    const unparsable = await fn.invoke('{not json');
    expect(unparsable.functionError).toBe('Unhandled');
    expect(json(unparsable.body)).toMatchObject({ errorType: 'Runtime.UnmarshalError' });
    expect(json(unparsable.body).errorMessage).toMatch(/not JSON/);
    const fine = await fn.invoke('{}');
    expect(fine.functionError).toBeUndefined();
    expect(json(fine.body)).toBe('fine');
    expect(fn.runtime.stderr()).toContain('Invoke Error');
  });

  it('fails the running invocation on an uncaught exception, then exits 1', async () => {
    const fn = run({ 'index.js': "exports.handler = () => { setTimeout(() => { throw new Error('timer exploded'); }, 10); };" });
    const answer = await fn.invoke('{}');
    expect(answer.functionError).toBe('Unhandled');
    expect(json(answer.body)).toMatchObject({ errorType: 'Error', errorMessage: 'timer exploded' });
    expect((await fn.runtime.exited).code).toBe(1);
    expect(fn.runtime.stderr()).toContain('uncaught exception');
  });

  it('fails the running invocation on an unhandled rejection, then exits 1', async () => {
    const fn = run({ 'index.js': "exports.handler = (event, context, callback) => { Promise.reject(new Error('nobody caught me')); };" });
    const answer = await fn.invoke('{}');
    expect(answer.functionError).toBe('Unhandled');
    expect(json(answer.body)).toMatchObject({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: 'Error: nobody caught me' });
    expect((await fn.runtime.exited).code).toBe(1);
  });

  it('writes console.log to stdout and console.error to stderr', async () => {
    const fn = run({ 'index.js': "exports.handler = async (e) => { console.log('info line', e.n); console.error('error line', e.n); return 1; };" });
    await fn.invoke('{"n":7}');
    await waitFor(() => fn.runtime.stdout().includes('info line 7') && fn.runtime.stderr().includes('error line 7'), 5000, 'log lines');
    expect(fn.runtime.stdout()).not.toContain('error line');
  });

  it('loads an ES module handler (.mjs, with top-level await)', async () => {
    const fn = run({ 'app.mjs': "const base = await Promise.resolve(40);\nexport const handler = async (event) => base + event.n;" }, { handler: 'app.handler' });
    expect(json((await fn.invoke('{"n":2}')).body)).toBe(42);
  });

  it('finds nested exports and files in subdirectories', async () => {
    const fn = run({ 'src/handlers.js': 'exports.api = { get: async () => "nested" };' }, { handler: 'src/handlers.api.get' });
    expect(json((await fn.invoke('{}')).body)).toBe('nested');
  });

  it('exits 0 on SIGTERM while it waits for work', async () => {
    const fn = run({ 'index.js': 'exports.handler = async () => 1;' });
    await waitFor(() => peer.waitingRuntimes(fn.functionArn) === 1, 10_000, 'the runtime polling for work');
    fn.runtime.child.kill('SIGTERM');
    expect(await fn.runtime.exited).toEqual({ code: 0, signal: null });
  });

  describe('refuses to start, with the reason on stderr and exit status 1', () => {
    /** What a handler that does not load reports to the server (PUT .../initialized): Lambda's document. */
    type Reported = { errorType: string; errorMessage: RegExp; trace?: RegExp[] };
    const cases: Array<[string, Record<string, string>, Partial<RuntimeOptions>, RegExp, Reported | null]> = [
      ['the handler module is missing', { 'index.js': '' }, { handler: 'missing.handler' }, /Runtime\.ImportModuleError: Error: Cannot find module 'missing'/, {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: /^Error: Cannot find module 'missing' \(looked for missing\.js, missing\.mjs, missing\.cjs and a directory in \//,
      }],
      ['the export is not a function', { 'index.js': 'exports.handler = 42;' }, {}, /Runtime\.HandlerNotFound: index\.handler is undefined or not exported/, {
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: /^index\.handler is undefined or not exported \(it is number in \/.*index\.js\)$/,
      }],
      ['the module throws while loading', { 'index.js': "\nthrow new Error('config file missing');" }, {}, /Error: config file missing\n {4}at .*index\.js:2/, {
        // Lambda reports what the module threw as itself.
        errorType: 'Error',
        errorMessage: /^config file missing$/,
        trace: [/^Error: config file missing$/, /^ {4}at .*index\.js:2:7/],
      }],
      ['the module has a syntax error', { 'index.js': 'exports.handler = (;' }, {}, /Runtime\.UserCodeSyntaxError: SyntaxError: Unexpected token.*\n.*index\.js:1/, {
        errorType: 'Runtime.UserCodeSyntaxError',
        errorMessage: /^SyntaxError: Unexpected token ';'$/,
      }],
      ['a dependency is missing', { 'index.js': "require('not-installed-anywhere');" }, {}, /Runtime\.ImportModuleError.*not-installed-anywhere/, {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: /^Error: Cannot find module 'not-installed-anywhere'\nRequire stack:\n- \/.*index\.js/,
      }],
      ['the handler name has no export', { 'index.js': '' }, { handler: 'index' }, /Runtime\.MalformedHandlerName/, {
        errorType: 'Runtime.MalformedHandlerName',
        errorMessage: /^bad handler "index": it needs a file name and an export name/,
      }],
      ['the handler escapes the code directory', { 'index.js': '' }, { handler: '../index.handler' }, /inside the code directory/, {
        errorType: 'Runtime.MalformedHandlerName',
        errorMessage: /the file must be inside the code directory/,
      }],
      // A misconfigured environment is the host's mistake, with no ARN, token or port to trust: nothing is reported.
      ['ENCODING_TYPE is unknown', { 'index.js': '' }, { env: { ENCODING_TYPE: 'xml' } }, /ENCODING_TYPE "xml" is neither json nor binary/, null],
      ['the token is missing', { 'index.js': '' }, { env: { AWS_CONTAINER_AUTHORIZATION_TOKEN: undefined } }, /AWS_CONTAINER_AUTHORIZATION_TOKEN is not set/, null],
      ['MY_FUNCTION_ARN is not an ARN', { 'index.js': '' }, { env: { MY_FUNCTION_ARN: 'my-function' } }, /MY_FUNCTION_ARN: "my-function" is not a Lambda function ARN/, null],
      ['the interface version is too old', { 'index.js': '' }, { env: { GGC_MAX_INTERFACE_VERSION: '1.3' } }, /GGC_MAX_INTERFACE_VERSION 1\.3 does not allow/, null],
      ['GG_DAEMON_PORT is not a port', { 'index.js': '' }, { env: { GG_DAEMON_PORT: '99999' } }, /GG_DAEMON_PORT "99999" is not a TCP port/, null],
    ];
    it.each(cases)('%s', async (_name, files, options, reason, reported) => {
      const fn = run(files, options);
      expect(await fn.runtime.exited).toEqual({ code: 1, signal: null });
      expect(fn.runtime.stderr()).toMatch(reason);
      expect(peer.waitingRuntimes(fn.functionArn)).toBe(0);
      const reports = peer.initReports.filter((report) => report.functionArn === fn.functionArn).map((report) => JSON.parse(report.body.toString()));
      if (reported === null) {
        expect(reports).toEqual([]);
        return;
      }
      expect(reports).toHaveLength(1);
      expect(reports[0].Success).toBe(false);
      const document = JSON.parse(reports[0].Response);
      expect(Object.keys(document)).toEqual(['errorType', 'errorMessage', 'trace']);
      expect(document.errorType).toBe(reported.errorType);
      expect(document.errorMessage).toMatch(reported.errorMessage);
      expect(document.trace[0]).toBe(`${document.errorType}: ${document.errorMessage.split('\n')[0]}`);
      for (const [index, line] of (reported.trace ?? []).entries()) expect(document.trace[index]).toMatch(line);
    });

    it('still exits 1, saying the report was not taken, when the IPC server cannot be reached', async () => {
      const closed = await IpcPeer.start();
      const port = closed.port;
      await closed.close();
      const fn = run({ 'index.js': '' }, { handler: 'missing.handler', port });
      expect(await fn.runtime.exited).toEqual({ code: 1, signal: null });
      expect(fn.runtime.stderr()).toMatch(/Runtime\.ImportModuleError: Error: Cannot find module 'missing'/);
      expect(fn.runtime.stderr()).toContain(`the report of the failed initialization was not taken: could not reach the Greengrass IPC server at 127.0.0.1:${port}`);
    });
  });

  it('exits 1 naming the address when the IPC server cannot be reached', async () => {
    const closed = await IpcPeer.start();
    const port = closed.port;
    await closed.close();
    const fn = run({ 'index.js': 'exports.handler = async () => 1;' }, { port });
    expect((await fn.runtime.exited).code).toBe(1);
    expect(fn.runtime.stderr()).toContain(`could not reach the Greengrass IPC server at 127.0.0.1:${port}`);
  });

  it('exits 1 when the server refuses its token', async () => {
    const fn = run({ 'index.js': 'exports.handler = async () => 1;' }, { token: 'not-a-token-the-server-gave' });
    expect((await fn.runtime.exited).code).toBe(1);
    expect(fn.runtime.stderr()).toContain('HTTP 401: unknown authorization token');
  });
});
