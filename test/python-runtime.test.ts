// nanolambda's Python runtime (runtimes/python): the runtime program run as a real python3
// process, and our greengrass_common / greengrass_ipc_python_sdk under the public
// greengrasssdk. The other side is the shared IpcPeer (test/helpers/ipc-peer.ts), a small
// server speaking the Greengrass V1 IPC as greengrass-v1.md §2 documents it (it is the core's
// side, not the thing under test).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IpcPeer, type PeerAnswer, type PeerInvocation, type PeerWork } from './helpers/ipc-peer';
import { functionEnvironment, pythonBin, type RuntimeOptions, type RuntimeProcess, startRuntime, writeCode } from './helpers/runtime-process';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';
import { ROUTER_FUNCTION_ARN, SECRETS_MANAGER_FUNCTION_ARN, SHADOW_FUNCTION_ARN } from '../src/workers/worker-environment';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:pyfn:3';
const OTHER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:other';
/** What the lead's runtime.ts adds for a Python function (issue7-design.md). */
const LAMBDA_VARIABLES = { AWS_LAMBDA_FUNCTION_NAME: 'pyfn', AWS_LAMBDA_FUNCTION_VERSION: '3', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' };

const hasPython = spawnSync(pythonBin, ['--version']).status === 0;
if (!hasPython) console.warn('python-runtime tests skipped: python3 is not installed');

const started: RuntimeProcess[] = [];
const peers: IpcPeer[] = [];

afterEach(async (context) => {
  for (const runtime of started.splice(0)) {
    // A failed test shows what its runtimes said.
    if (context.task.result?.state === 'fail') console.warn(`runtime stdout:\n${runtime.stdout()}\nruntime stderr:\n${runtime.stderr()}`);
    runtime.kill();
    await runtime.exited;
  }
  for (const peer of peers.splice(0)) await peer.close();
});

async function startPeer(): Promise<IpcPeer> {
  const peer = await IpcPeer.start();
  peers.push(peer);
  return peer;
}

/** How the core runs a worker of FUNCTION_ARN from `codeDir` against `peer`, with a token of its own; `more` changes that. */
function worker(peer: IpcPeer, codeDir: string, more: Partial<RuntimeOptions> = {}): RuntimeOptions {
  return {
    codeDir,
    functionArn: FUNCTION_ARN,
    token: peer.addFunction(FUNCTION_ARN),
    port: peer.port,
    ...more,
    env: { ...LAMBDA_VARIABLES, ...more.env },
  };
}

/** Starts the runtime program with `handler` as a worker of FUNCTION_ARN (see worker). */
function startWorker(peer: IpcPeer, codeDir: string, handler: string, more: Partial<RuntimeOptions> = {}): RuntimeProcess {
  const runtime = startRuntime('python', worker(peer, codeDir, { handler, ...more }));
  started.push(runtime);
  return runtime;
}

/** Gives FUNCTION_ARN an invocation of `payload`; resolves with the runtime's answer. */
function give(peer: IpcPeer, payload: Buffer | string, more: PeerWork = {}): Promise<PeerAnswer> {
  return peer.invoke(FUNCTION_ARN, { payload, ...more });
}

/** A code directory holding `files` (name → Python source). */
function codeDir(files: Record<string, string>): string {
  const dir = tempDir('python-runtime');
  writeCode(dir, files);
  return dir;
}

function json(answer: PeerAnswer): any {
  return JSON.parse(answer.body.toString('utf8'));
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

const HANDLERS = `
import logging
import os
import sys
import time

def describe(event, context):
    cc = context.client_context
    return {
        'event': event,
        'function_name': context.function_name,
        'function_version': context.function_version,
        'invoked_function_arn': context.invoked_function_arn,
        'aws_request_id': context.aws_request_id,
        'memory_limit_in_mb': context.memory_limit_in_mb,
        'log_group_name': context.log_group_name,
        'log_stream_name': context.log_stream_name,
        'identity': context.identity,
        'remaining': context.get_remaining_time_in_millis(),
        'client_context': None if cc is None else {
            'custom': cc.custom, 'env': cc.env, 'app_title': cc.client.app_title if cc.client else None,
        },
    }

def nothing(event, context):
    return None

def fail(event, context):
    raise ValueError('bad input: %s' % event.get('why'))

def unserialisable(event, context):
    return {1, 2}

def talk(event, context):
    logging.getLogger('user').info('logged %s', event['n'])
    logging.getLogger('user').debug('not shown')
    # After the logging (whose handler flushes): these show whether print's stream is unbuffered.
    print('printed', event['n'])
    print('no newline', end='')
    return 'ok'

def reverse(event, context):
    return bytes(reversed(event))

def text(event, context):
    return 'caf\\u00e9'

def wrong_binary(event, context):
    return 42

def nap(event, context):
    time.sleep(60)

def wait_for_file(event, context):
    while not os.path.exists(event['file']):
        time.sleep(0.01)
    return 'late'
`;

// ---------------------------------------------------------------------------------------

describe.skipIf(!hasPython)('python runtime program', () => {
  it('calls the handler with the JSON event and a Lambda context, and posts the JSON result', async () => {
    const peer = await startPeer();
    startWorker(peer, codeDir({ 'handlers.py': HANDLERS }), 'handlers.describe');
    const deadlineMs = Date.now() + 60_000;
    const clientContext = b64({ custom: { subject: 'sensors/1' }, env: { locale: 'en' }, client: { app_title: 'app' } });
    const result = await give(peer, '{"temperature": 21.5, "tags": ["a"]}', { clientContext, deadlineMs });
    expect(result.functionError).toBeUndefined();
    const body = json(result);
    expect(body.event).toEqual({ temperature: 21.5, tags: ['a'] });
    expect(body).toMatchObject({
      function_name: 'pyfn',
      function_version: '3',
      invoked_function_arn: FUNCTION_ARN,
      aws_request_id: result.invocationId,
      memory_limit_in_mb: '128',
      log_group_name: '/aws/greengrass/Lambda/us-east-1/123456789012/pyfn',
      identity: null,
      client_context: { custom: { subject: 'sensors/1' }, env: { locale: 'en' }, app_title: 'app' },
    });
    expect(body.log_stream_name).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[3\][0-9a-f]{32}$/);
    expect(body.remaining).toBeGreaterThan(0);
    expect(body.remaining).toBeLessThanOrEqual(60_000);
  });

  it('gives {} for an empty body, None without a client context, and times from the function timeout without a deadline', async () => {
    const peer = await startPeer();
    startWorker(peer, codeDir({ 'handlers.py': HANDLERS }), 'handlers.describe', { env: { AWS_LAMBDA_FUNCTION_TIMEOUT: '100' } });
    const body = json(await give(peer, ''));
    expect(body.event).toEqual({});
    expect(body.client_context).toBeNull();
    // 100 s from when the work arrived; the 3 s default would be below 50 s.
    expect(body.remaining).toBeGreaterThan(50_000);
    expect(body.remaining).toBeLessThanOrEqual(100_000);
  });

  it('answers None with null and keeps serving invocations in the same process', async () => {
    const peer = await startPeer();
    const runtime = startWorker(peer, codeDir({ 'handlers.py': HANDLERS }), 'handlers.nothing');
    for (let i = 0; i < 3; i++) {
      const answer = await give(peer, `{"i": ${i}}`);
      expect(answer.body.toString()).toBe('null');
    }
    expect(runtime.child.exitCode).toBeNull();
    await waitFor(() => peer.workRequests(FUNCTION_ARN) === 4, 10_000, 'the runtime asking for the next work item');
  });

  it('passes binary events as bytes and posts bytes and str results raw', async () => {
    const peer = await startPeer();
    const dir = codeDir({ 'handlers.py': HANDLERS });
    startWorker(peer, dir, 'handlers.reverse', { encoding: 'binary' });
    const input = Buffer.from([0x00, 0xff, 0x80, 0x7b, 0x0a]);
    const reversed = await give(peer, input);
    expect(reversed.functionError).toBeUndefined();
    expect(reversed.body).toEqual(Buffer.from([...input].reverse()));

    const peer2 = await startPeer();
    startWorker(peer2, dir, 'handlers.text', { encoding: 'binary' });
    expect((await give(peer2, 'x')).body.toString('utf8')).toBe('café');
  });

  it("turns a handler's exception into Lambda's Unhandled error document and logs it", async () => {
    const peer = await startPeer();
    const dir = codeDir({ 'handlers.py': HANDLERS });
    const runtime = startWorker(peer, dir, 'handlers.fail');
    const result = await give(peer, '{"why": "negative"}');
    expect(result.functionError).toBe('Unhandled');
    const document = json(result);
    expect(document).toMatchObject({ errorMessage: 'bad input: negative', errorType: 'ValueError', requestId: result.invocationId });
    // Only the handler's frames, formatted as traceback.format_list does.
    expect(document.stackTrace).toHaveLength(1);
    expect(document.stackTrace[0]).toContain(`File "${path.join(dir, 'handlers.py')}", line`);
    expect(document.stackTrace[0]).toContain("raise ValueError('bad input: %s' % event.get('why'))");
    await waitFor(() => runtime.stdout().includes('[ERROR] ValueError: bad input: negative\nTraceback'), 10_000, 'the error in the log');
    // The worker survives its handler's exception.
    expect((await give(peer, '{"why": "again"}')).functionError).toBe('Unhandled');
  });

  it("reports results and events it cannot convert as Lambda's Runtime.MarshalError / UnmarshalError", async () => {
    const peer = await startPeer();
    const dir = codeDir({ 'handlers.py': HANDLERS });
    startWorker(peer, dir, 'handlers.unserialisable');
    const marshal = await give(peer, '{}');
    expect(marshal.functionError).toBe('Unhandled');
    expect(json(marshal)).toEqual({
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
      errorType: 'Runtime.MarshalError',
      requestId: marshal.invocationId,
      stackTrace: [],
    });
    const unmarshal = await give(peer, '{not json');
    expect(json(unmarshal)).toMatchObject({ errorType: 'Runtime.UnmarshalError', requestId: unmarshal.invocationId });
    expect(json(unmarshal).errorMessage).toMatch(/^Unable to unmarshal input: /);

    const peer2 = await startPeer();
    startWorker(peer2, dir, 'handlers.wrong_binary', { encoding: 'binary' });
    const binary = json(await give(peer2, 'x'));
    expect(binary.errorType).toBe('Runtime.MarshalError');
    expect(binary.errorMessage).toContain('must return bytes, str or None, not int');
  });

  it('writes print and logging output to stdout at once, log lines with the request id', async () => {
    const peer = await startPeer();
    const runtime = startWorker(peer, codeDir({ 'handlers.py': HANDLERS }), 'handlers.talk');
    const answer = await give(peer, '{"n": 7}');
    expect(answer.body.toString()).toBe('"ok"');
    // Still running: a buffered stream would hold these until exit.
    await waitFor(() => runtime.stdout().includes('no newline'), 10_000, 'the unterminated print');
    expect(runtime.stdout()).toContain('printed 7\n');
    expect(runtime.stdout()).toMatch(new RegExp(`\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${answer.invocationId}\\tlogged 7\\n`));
    expect(runtime.stdout()).not.toContain('not shown');
    expect(runtime.child.exitCode).toBeNull();
  });

  it('exits 0 on SIGTERM, waiting for work or inside a handler', async () => {
    const peer = await startPeer();
    const dir = codeDir({ 'handlers.py': HANDLERS });
    const idle = startWorker(peer, dir, 'handlers.nap');
    await waitFor(() => peer.workRequests(FUNCTION_ARN) === 1, 10_000, 'the runtime asking for work');
    idle.child.kill('SIGTERM');
    expect(await idle.exited).toEqual({ code: 0, signal: null });

    const peer2 = await startPeer();
    const busy = startWorker(peer2, dir, 'handlers.nap');
    void give(peer2, '{}');
    await waitFor(() => peer2.workRequests(FUNCTION_ARN) === 1, 10_000, 'the runtime taking the work');
    busy.child.kill('SIGTERM');
    expect(await busy.exited).toEqual({ code: 0, signal: null });
  });

  it('goes on to the next invocation when the core refuses an answer (the invocation timed out meanwhile)', async () => {
    const peer = await startPeer();
    const dir = codeDir({ 'handlers.py': HANDLERS });
    const runtime = startWorker(peer, dir, 'handlers.wait_for_file');
    const release = path.join(dir, 'release');
    const lateId = randomUUID();
    void give(peer, JSON.stringify({ file: release }), { invocationId: lateId });
    await waitFor(() => peer.workRequests(FUNCTION_ARN) === 1, 10_000, 'the runtime taking the work');
    peer.abandonRunning();
    fs.writeFileSync(release, '');
    await waitFor(() => peer.workRequests(FUNCTION_ARN) === 2, 10_000, 'the runtime asking for more work');
    expect(runtime.stderr()).toContain(`[WARNING] the core did not take the answer of ${lateId}: `);
    expect(runtime.stderr()).toContain(`answered HTTP 404: no running invocation ${lateId}`);
    expect((await give(peer, JSON.stringify({ file: release }))).body.toString()).toBe('"late"');
  });

  it('loads handlers from packages in the code directory, path or dotted', async () => {
    const peer = await startPeer();
    const dir = codeDir({ 'app/__init__.py': '', 'app/main.py': 'def handler(event, context):\n    return {"from": __name__}\n' });
    startWorker(peer, dir, 'app/main.handler');
    expect(json(await give(peer, '{}'))).toEqual({ from: 'app.main' });
  });

  describe('init failures: a message on stderr, Lambda\'s document reported to the core, exit 1, no work taken', () => {
    /** Runs a worker that cannot start: its stderr, and the error documents it reported (PUT .../initialized). */
    async function failedInit(files: Record<string, string>, handler: string, more: Partial<RuntimeOptions> = {}) {
      const peer = await startPeer();
      const runtime = startWorker(peer, codeDir(files), handler, more);
      const exit = await runtime.exited;
      expect(exit).toEqual({ code: 1, signal: null });
      expect(peer.workRequests(FUNCTION_ARN)).toBe(0);
      const documents = peer.initReports.map((report) => {
        expect(report.functionArn).toBe(FUNCTION_ARN);
        const body = JSON.parse(report.body.toString('utf8'));
        expect(body.Success).toBe(false);
        expect(typeof body.Response).toBe('string');
        return JSON.parse(body.Response);
      });
      return { stderr: runtime.stderr(), documents };
    }

    async function initFailure(files: Record<string, string>, handler: string, more: Partial<RuntimeOptions> = {}) {
      return (await failedInit(files, handler, more)).stderr;
    }

    it('a module that does not exist', async () => {
      const { stderr, documents } = await failedInit({}, 'missing.handler');
      expect(stderr).toContain("[ERROR] Runtime.ImportModuleError: Unable to import module 'missing': No module named 'missing'");
      expect(documents).toEqual([
        { errorMessage: "Unable to import module 'missing': No module named 'missing'", errorType: 'Runtime.ImportModuleError', requestId: '', stackTrace: [] },
      ]);
    });

    it('a module that fails while it loads, with its traceback', async () => {
      const { stderr, documents } = await failedInit({ 'broken.py': 'import json\nraise RuntimeError("no config file")\n' }, 'broken.handler');
      expect(stderr).toContain('[ERROR] RuntimeError: no config file');
      expect(stderr).toContain('broken.py", line 2');
      expect(documents).toHaveLength(1);
      expect(documents[0]).toMatchObject({ errorMessage: 'no config file', errorType: 'RuntimeError', requestId: '' });
      // The user's frames only, as Lambda shows them.
      expect(documents[0].stackTrace).toEqual([expect.stringMatching(/broken\.py", line 2, in <module>\n {4}raise RuntimeError\("no config file"\)\n$/)]);
    });

    it('a syntax error', async () => {
      const { stderr, documents } = await failedInit({ 'typo.py': 'def handler(event, context)\n    return 1\n' }, 'typo.handler');
      expect(stderr).toContain("[ERROR] Runtime.UserCodeSyntaxError: Syntax error in module 'typo'");
      expect(documents).toHaveLength(1);
      expect(documents[0].errorType).toBe('Runtime.UserCodeSyntaxError');
      expect(documents[0].errorMessage).toMatch(/^Syntax error in module 'typo': /);
      expect(documents[0].stackTrace).toEqual([expect.stringMatching(/typo\.py" Line 1\n {4}def handler\(event, context\)\n$/)]);
    });

    it('a handler the module does not have, or that is not a function', async () => {
      const files = { 'handlers.py': HANDLERS + '\nCONSTANT = 3\n' };
      const absent = await failedInit(files, 'handlers.absent');
      expect(absent.stderr).toContain("[ERROR] Runtime.HandlerNotFound: Handler 'absent' missing on module 'handlers'");
      expect(absent.documents).toEqual([
        { errorMessage: "Handler 'absent' missing on module 'handlers'", errorType: 'Runtime.HandlerNotFound', requestId: '', stackTrace: [] },
      ]);
      expect(await initFailure(files, 'handlers.CONSTANT')).toContain("Handler 'CONSTANT' on module 'handlers' is a int, not a function");
      const nodot = await failedInit(files, 'nodot');
      expect(nodot.stderr).toContain("[ERROR] Runtime.MalformedHandlerName: Bad handler 'nodot'");
      expect(nodot.documents.map((document) => document.errorType)).toEqual(['Runtime.MalformedHandlerName']);
    });

    it('still exits 1, saying the report was not taken, when the core cannot be reached', async () => {
      const closed = await IpcPeer.start();
      const port = closed.port;
      await closed.close();
      const stderr = await initFailure({}, 'missing.handler', { port });
      expect(stderr).toContain("[ERROR] Runtime.ImportModuleError: Unable to import module 'missing'");
      expect(stderr).toContain('[WARNING] the core did not take the report of the failed initialization: PUT /2016-11-01/functions/');
    });

    it('an environment the core did not set up, naming the variable (nothing reported: it cannot be trusted to)', async () => {
      const files = { 'handlers.py': HANDLERS };
      const without = (name: string) => ({ env: { [name]: undefined } });
      const noArn = await failedInit(files, 'handlers.nothing', without('MY_FUNCTION_ARN'));
      expect(noArn.stderr).toContain('MY_FUNCTION_ARN is not set');
      expect(noArn.documents).toEqual([]);
      expect(await initFailure(files, 'handlers.nothing', without('AWS_CONTAINER_AUTHORIZATION_TOKEN'))).toContain(
        'AWS_CONTAINER_AUTHORIZATION_TOKEN is not set',
      );
      const cbor = await failedInit(files, 'handlers.nothing', { env: { ENCODING_TYPE: 'cbor' } });
      expect(cbor.stderr).toContain("ENCODING_TYPE is 'cbor'; it must be json or binary");
      expect(cbor.documents).toEqual([]);
      expect(await initFailure(files, 'handlers.nothing', { env: { GGC_MAX_INTERFACE_VERSION: 'one' } })).toContain(
        "GGC_MAX_INTERFACE_VERSION is 'one'",
      );
      expect(await initFailure(files, 'handlers.nothing', { env: { MY_FUNCTION_ARN: 'pyfn' } })).toContain(
        "MY_FUNCTION_ARN: Cannot parse 'pyfn' as a function ARN",
      );
    });

    it('a bundled greengrasssdk of an interface the core does not offer', async () => {
      const files = {
        'greengrasssdk/__init__.py': "__version__ = '9.0.0'\nINTERFACE_VERSION = '1.9'\n",
        'uses_sdk.py': 'import greengrasssdk\n\ndef handler(event, context):\n    return 1\n',
      };
      const { stderr, documents } = await failedInit(files, 'uses_sdk.handler');
      const message = 'the bundled greengrasssdk 9.0.0 speaks interface 1.9 but this core offers 1.5 at most: bundle an older greengrasssdk';
      expect(stderr).toContain(`[ERROR] Runtime.IncompatibleSdk: ${message}`);
      expect(documents).toEqual([{ errorMessage: message, errorType: 'Runtime.IncompatibleSdk', requestId: '', stackTrace: [] }]);
    });
  });

  it('sends its token, and exits 1 at once when the core refuses it', async () => {
    const peer = await startPeer();
    const runtime = startWorker(peer, codeDir({ 'handlers.py': HANDLERS }), 'handlers.nothing', { token: 'not-the-token' });
    expect(await runtime.exited).toEqual({ code: 1, signal: null });
    expect(runtime.stderr()).toContain('cannot get work from the core');
    expect(runtime.stderr()).toContain('answered HTTP 401: unknown authorization token');
  });

  it('exits 1 with the reason when there is no core to talk to', async () => {
    const peer = await startPeer();
    const closed = await IpcPeer.start();
    const port = closed.port;
    await closed.close();
    const runtime = startWorker(peer, codeDir({ 'handlers.py': HANDLERS }), 'handlers.nothing', { port });
    expect(await runtime.exited).toEqual({ code: 1, signal: null });
    expect(runtime.stderr()).toContain('[ERROR] Runtime.IpcError: cannot get work from the core: GET /2016-11-01/functions/');
    expect(runtime.stderr()).toContain('Connection refused');
  });
});

// ---------------------------------------------------------------------------------------

/** Run a Python snippet as a worker of FUNCTION_ARN on `peer` would run (our core modules on the path, the function's environment); its stdout as JSON. */
function runPython(source: string, peer: IpcPeer): Promise<any> {
  const dir = codeDir({});
  // No __pycache__ beside our modules in the source tree (the runtime program avoids them too).
  const env = { ...functionEnvironment('python', worker(peer, dir)), PYTHONDONTWRITEBYTECODE: '1' };
  return new Promise((resolve, reject) => {
    const child = spawn(pythonBin, ['-c', source], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`python exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe.skipIf(!hasPython)('greengrass_common and greengrass_ipc_python_sdk', () => {
  it('parses and builds function ARNs, reserved ones included, and refuses what is not one', async () => {
    const peer = await startPeer();
    const result = await runPython(
      `
import json
from greengrass_common.function_arn_fields import FunctionArnFields as F
out = {}
for arn in ['arn:aws:lambda:::function:GGRouter', 'arn:aws:lambda:::function:GGSecretManager:1',
            'arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST', 'arn:aws-cn:lambda:cn-north-1:123456789012:function:g:live']:
    f = F(arn)
    out[arn] = [f.partition, f.region, f.account_id, f.name, f.qualifier, f.unqualified_arn, f.to_arn_string()]
out['built'] = F.build_function_arn('arn:aws:lambda:::function:GGRouter', '2')
out['unqualified'] = F.build_function_arn('arn:aws:lambda:::function:GGRouter', '')
errors = []
for bad in ['GGRouter', 'arn:aws:lambda:::function:', 'arn:aws:lambda:::function:a b', 'arn:aws:s3:::bucket', None]:
    try:
        F(bad)
    except ValueError as e:
        errors.append(str(e))
try:
    F.build_function_arn('arn:aws:lambda:::function:f', 'bad qualifier')
except ValueError as e:
    errors.append(str(e))
out['errors'] = errors
print(json.dumps(out))
`,
      peer,
    );
    expect(result['arn:aws:lambda:::function:GGRouter']).toEqual(['aws', '', '', 'GGRouter', null, ROUTER_FUNCTION_ARN, ROUTER_FUNCTION_ARN]);
    expect(result['arn:aws:lambda:::function:GGSecretManager:1'].slice(3, 5)).toEqual(['GGSecretManager', '1']);
    expect(result['arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST'].slice(1, 5)).toEqual(['eu-west-1', '123456789012', 'f', '$LATEST']);
    expect(result['arn:aws-cn:lambda:cn-north-1:123456789012:function:g:live'][5]).toBe('arn:aws-cn:lambda:cn-north-1:123456789012:function:g');
    expect(result.built).toBe('arn:aws:lambda:::function:GGRouter:2');
    expect(result.unqualified).toBe(ROUTER_FUNCTION_ARN);
    expect(result.errors).toHaveLength(6);
    expect(result.errors[0]).toBe(
      "Cannot parse 'GGRouter' as a function ARN: expected arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]",
    );
    expect(result.errors[5]).toContain("'arn:aws:lambda:::function:f:bad qualifier'");
  });

  it('speaks the IPC: post work, get its result, and raises IPCException with the status on refusal', async () => {
    const peer = await startPeer();
    peer.reply = (invocation) => ({ functionError: invocation.target === OTHER_ARN ? 'Handled' : '', body: `answer to ${invocation.body.toString()}` });
    const result = await runPython(
      `
import json
from greengrass_ipc_python_sdk.ipc_client import IPCClient, IPCException
c = IPCClient()
out = {}
i = c.post_work('${ROUTER_FUNCTION_ARN}', 'text payload', b'', 'Event')
j = c.post_work('${OTHER_ARN}', bytearray(b'\\x00\\x01'), 'e30=')
r = c.get_work_result('${OTHER_ARN}', j)
out['ids'] = [i, j]
out['result'] = [r.payload.decode(), r.func_err, r.invocation_id]
c.auth_token = 'wrong'
try:
    c.post_work('${OTHER_ARN}', b'', b'')
except IPCException as e:
    out['refused'] = [e.status, str(e)]
print(json.dumps(out))
`,
      peer,
    );
    expect(peer.invocations.map((p) => [p.target, p.invocationType, p.clientContext, p.body.toString('hex')])).toEqual([
      [ROUTER_FUNCTION_ARN, 'Event', '', Buffer.from('text payload').toString('hex')],
      [OTHER_ARN, 'RequestResponse', 'e30=', '0001'],
    ]);
    expect(result.ids).toEqual(peer.invocations.map((p) => p.invocationId));
    expect(result.result).toEqual(['answer to \u0000\u0001', 'Handled', peer.invocations[1]!.invocationId]);
    expect(peer.resultRequests).toEqual([{ caller: FUNCTION_ARN, target: OTHER_ARN, invocationId: peer.invocations[1]!.invocationId }]);
    expect(result.refused[0]).toBe(401);
    expect(result.refused[1]).toContain(`POST /2016-11-01/functions/${OTHER_ARN} on the Greengrass IPC at 127.0.0.1:${peer.port} answered HTTP 401: unknown authorization token`);
  });

  it("sends log records to the core's local logs with the core's level names", async () => {
    const peer = await startPeer();
    await runPython(
      `
import logging
from greengrass_common.local_cloudwatch_handler import LocalCloudwatchLogHandler
log = logging.getLogger('x')
log.addHandler(LocalCloudwatchLogHandler('Lambda', 'pyfn'))
log.warning('careful %d', 1)
log.critical('gone')
print('{}')
`,
      peer,
    );
    expect(peer.logPosts).toHaveLength(2);
    expect(peer.logPosts[0]).toMatchObject({
      logGroupName: '/Lambda/pyfn',
      logStreamName: 'fromPythonAppender',
      logEvents: [{ message: '[WARN]-<string>:6,careful 1' }],
    });
    expect((peer.logPosts[0] as any).logEvents[0].timestamp).toBeGreaterThan(1_600_000_000_000);
    expect((peer.logPosts[1] as any).logEvents[0].message).toBe('[FATAL]-<string>:7,gone');
  });
});

// ---------------------------------------------------------------------------------------
// The public greengrasssdk (aws/aws-greengrass-core-sdk-python), bundled in a deployment
// package as Greengrass tells users to, unchanged.

const publicSdk = process.env.NANOLAMBDA_PUBLIC_SDK_PYTHON;
const publicSdkPackage = publicSdk === undefined ? undefined : path.join(publicSdk, 'greengrasssdk');
const hasPublicSdk = publicSdkPackage !== undefined && fs.existsSync(path.join(publicSdkPackage, '__init__.py'));
if (hasPython && !hasPublicSdk) {
  console.warn(
    'public greengrasssdk tests skipped: set NANOLAMBDA_PUBLIC_SDK_PYTHON to a checkout of aws/aws-greengrass-core-sdk-python' +
      (publicSdk === undefined ? '' : ` (${publicSdk} has no greengrasssdk/__init__.py)`),
  );
}

const SDK_USER = `
import base64
import json
import greengrasssdk

iot = greengrasssdk.client('iot-data')
lam = greengrasssdk.client('lambda')
secrets = greengrasssdk.client('secretsmanager')

def handler(event, context):
    op = event['op']
    if op == 'publish':
        iot.publish(topic='sensors/kitchen', payload=b'{"t": 21}')
        iot.publish(topic='alarms', payload='urgent', queueFullPolicy='AllOrException')
        return 'published'
    if op == 'invoke':
        response = lam.invoke(FunctionName='${OTHER_ARN}', Qualifier='2', Payload=b'{"x": 1}',
                              ClientContext=base64.b64encode(b'{"custom": {"k": "v"}}'))
        return {'FunctionError': response['FunctionError'], 'Payload': response['Payload'].read().decode()}
    if op == 'invoke-handled':
        response = lam.invoke(FunctionName='${OTHER_ARN}:2', Payload=b'{}')
        return {'FunctionError': response['FunctionError'], 'Payload': response['Payload'].decode()}
    if op == 'invoke-event':
        response = lam.invoke(FunctionName='${OTHER_ARN}', InvocationType='Event', Payload=b'ping')
        return {'FunctionError': response['FunctionError'], 'Payload': response['Payload'].decode()}
    if op == 'shadow':
        got = iot.get_thing_shadow(thingName='lamp')
        updated = iot.update_thing_shadow(thingName='lamp', payload=json.dumps({'state': {'desired': {'on': True}}}))
        deleted = iot.delete_thing_shadow(thingName='lamp')
        return [json.loads(r['payload']) for r in (got, updated, deleted)]
    if op == 'shadow-error':
        iot.get_thing_shadow(thingName='ghost')
    if op == 'secret':
        value = secrets.get_secret_value(SecretId='db-password', VersionStage='AWSPREVIOUS')
        return {'SecretString': value['SecretString'], 'year': value['CreatedDate'].year}
`;

describe.skipIf(!hasPython || !hasPublicSdk)('the public greengrasssdk on our core modules', () => {
  async function sdkFunction(): Promise<IpcPeer> {
    const peer = await startPeer();
    const dir = codeDir({ 'sdk_user.py': SDK_USER });
    fs.cpSync(publicSdkPackage!, path.join(dir, 'greengrasssdk'), { recursive: true });
    startWorker(peer, dir, 'sdk_user.handler');
    return peer;
  }

  function decodedContext(invocation: PeerInvocation): unknown {
    const { clientContext } = invocation;
    return clientContext ? JSON.parse(Buffer.from(clientContext, 'base64').toString('utf8')) : clientContext;
  }

  it('publishes through GGRouter as Event, with source, subject and queue policy in the client context', async () => {
    const peer = await sdkFunction();
    const answer = await give(peer, '{"op": "publish"}');
    expect(answer.functionError).toBeUndefined();
    expect(peer.invocations).toHaveLength(2);
    expect(peer.invocations.map((p) => [p.target, p.invocationType, p.body.toString(), decodedContext(p)])).toEqual([
      [ROUTER_FUNCTION_ARN, 'Event', '{"t": 21}', { custom: { source: FUNCTION_ARN, subject: 'sensors/kitchen', queueFullPolicy: '' } }],
      [ROUTER_FUNCTION_ARN, 'Event', 'urgent', { custom: { source: FUNCTION_ARN, subject: 'alarms', queueFullPolicy: 'AllOrError' } }],
    ]);
    // Fire and forget: nobody asks for a publish's result.
    expect(peer.resultRequests).toEqual([]);
  });

  it('invokes other functions: RequestResponse gets the result, Handled errors come back as bytes, Event does not wait', async () => {
    const peer = await sdkFunction();
    peer.reply = (invocation) =>
      invocation.body.toString() === '{}' ? { functionError: 'Handled', body: '{"errorMessage":"nope"}' } : { functionError: '', body: '{"y": 2}' };
    expect(json(await give(peer, '{"op": "invoke"}'))).toEqual({ FunctionError: '', Payload: '{"y": 2}' });
    const invoke = peer.invocations[0]!;
    expect([invoke.target, invoke.invocationType, invoke.body.toString(), decodedContext(invoke)]).toEqual([
      `${OTHER_ARN}:2`,
      'RequestResponse',
      '{"x": 1}',
      { custom: { k: 'v' } },
    ]);
    expect(peer.resultRequests).toEqual([{ caller: FUNCTION_ARN, target: `${OTHER_ARN}:2`, invocationId: invoke.invocationId }]);

    expect(json(await give(peer, '{"op": "invoke-handled"}'))).toEqual({ FunctionError: 'Handled', Payload: '{"errorMessage":"nope"}' });
    expect(json(await give(peer, '{"op": "invoke-event"}'))).toEqual({ FunctionError: '', Payload: '' });
    expect(peer.invocations[2]).toMatchObject({ target: OTHER_ARN, invocationType: 'Event', clientContext: '' });
    expect(peer.resultRequests).toHaveLength(2);
  });

  it('gets, updates and deletes shadows through GGShadowService, even from a core that omits X-Amz-Function-Error', async () => {
    const peer = await sdkFunction();
    peer.reply = (invocation) => ({
      functionError: null,
      body: JSON.stringify({ answered: (decodedContext(invocation) as any).custom.subject, got: invocation.body.toString() }),
    });
    const answer = await give(peer, '{"op": "shadow"}');
    expect(answer.functionError).toBeUndefined();
    expect(json(answer)).toEqual([
      { answered: '$aws/things/lamp/shadow/get', got: '' },
      { answered: '$aws/things/lamp/shadow/update', got: '{"state": {"desired": {"on": true}}}' },
      { answered: '$aws/things/lamp/shadow/delete', got: '' },
    ]);
    expect(peer.invocations.map((p) => [p.target, p.invocationType])).toEqual([
      [SHADOW_FUNCTION_ARN, 'RequestResponse'],
      [SHADOW_FUNCTION_ARN, 'RequestResponse'],
      [SHADOW_FUNCTION_ARN, 'RequestResponse'],
    ]);
  });

  it("raises the SDK's ShadowError for a shadow error document, reported as Unhandled", async () => {
    const peer = await sdkFunction();
    peer.reply = () => ({ functionError: '', body: '{"code": 404, "message": "No shadow exists with name: ghost"}' });
    const answer = await give(peer, '{"op": "shadow-error"}');
    expect(answer.functionError).toBe('Unhandled');
    expect(json(answer)).toMatchObject({
      errorType: 'ShadowError',
      errorMessage: 'Request for shadow state returned error code 404 with message "No shadow exists with name: ghost"',
    });
  });

  it('gets secrets from GGSecretManager with an empty client context', async () => {
    const peer = await sdkFunction();
    peer.reply = () => ({
      functionError: '',
      body: JSON.stringify({
        ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-abc',
        Name: 'db-password',
        VersionId: 'v1',
        SecretString: 's3cret',
        VersionStages: ['AWSPREVIOUS'],
        CreatedDate: Date.UTC(2021, 5, 1),
      }),
    });
    expect(json(await give(peer, '{"op": "secret"}'))).toEqual({ SecretString: 's3cret', year: 2021 });
    expect(peer.invocations).toHaveLength(1);
    expect(peer.invocations[0]).toMatchObject({ target: SECRETS_MANAGER_FUNCTION_ARN, invocationType: 'RequestResponse', clientContext: '' });
    expect(JSON.parse(peer.invocations[0]!.body.toString())).toEqual({ SecretId: 'db-password', VersionStage: 'AWSPREVIOUS' });
  });
});
