// Python functions of a Greengrass group on the real runtime: one publishes
// to a C function, which publishes back to it (sync and async invocations
// start the round trip), through the public greengrasssdk bundled unmodified
// in its package where a checkout is given (NANOLAMBDA_PUBLIC_SDK_PYTHON),
// and through the core-side IPC client the SDK sits on in any case. Handlers
// that raise, never answer or exit are reported as Lambda reports them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { useRuntime } from './helpers/group-edit';
import { publicPythonSdk } from './helpers/public-sdks';
import { arnOf, buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';
import { reportsHangsAndExits } from './helpers/lambda-errors';
import { waitFor } from './helpers/wait';

const sdk = publicPythonSdk();
const sdkMissing = 'missing' in sdk ? sdk.missing : undefined;
if (sdkMissing) console.warn(`runtimes-python: the public greengrasssdk case is skipped: ${sdkMissing}`);

const HANDLERS = `
import json, os, sys, time

def record(subject, message):
    with open(os.environ['RECORD_FILE'], 'a') as f:
        f.write(json.dumps({'subject': subject, 'message': message}) + '\\n')

def routed(event, context):
    # None when the invoker gave no client context, as in Lambda.
    custom = (context.client_context.custom if context.client_context else None) or {}
    if custom.get('subject'):
        record(custom['subject'], event.decode())
        return True
    return False

# Publishes with the public greengrasssdk, as a Greengrass function does.
def with_sdk(event, context):
    if routed(event, context):
        return b'recorded'
    import greengrasssdk
    greengrasssdk.client('iot-data').publish(topic='to-c/' + context.function_name, payload=event)
    return ('published %d bytes' % len(event)).encode()

# Publishes with the core-side IPC client the SDK is built on (always there).
def with_ipc(event, context):
    if routed(event, context):
        return b'recorded'
    import base64
    from greengrass_ipc_python_sdk.ipc_client import IPCClient
    custom = {'custom': {'source': os.environ['MY_FUNCTION_ARN'], 'subject': 'to-c/' + context.function_name}}
    IPCClient().post_work(os.environ['ROUTER_FUNCTION_ARN'], event, base64.b64encode(json.dumps(custom).encode()).decode(), 'Event')
    return ('published %d bytes' % len(event)).encode()

def raiser(event, context):
    raise ValueError('the handler failed on purpose')

def sleeper(event, context):
    time.sleep(3600)

def quitter(event, context):
    sys.exit(3)
`;

describe('Python functions of a group', () => {
  let dir: string;
  let runtime: Runtime;
  let records: string;
  const recorded = (): Array<{ subject: string; message: string }> =>
    fs.existsSync(records) ? fs.readFileSync(records, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('runtimes-python');
    records = path.join(dir, 'records.jsonl');
    const code = path.join(dir, 'python-code');
    fs.mkdirSync(code);
    fs.writeFileSync(path.join(code, 'app.py'), HANDLERS);
    if (!sdkMissing) fs.cpSync((sdk as { dir: string }).dir, path.join(code, 'greengrasssdk'), { recursive: true });
    const transform = buildExecutable(path.join(__dirname, 'fixtures', 'transform.c'), dir);
    const py = (name: string, handler: string, timeout = 3) => ({ name, executable: code, timeout, env: { RECORD_FILE: records }, handler });
    const fns = [py('ipc', 'app.with_ipc'), py('sdk', 'app.with_sdk'), py('raiser', 'app.raiser'), py('sleeper', 'app.sleeper', 1), py('quitter', 'app.quitter'), py('missing', 'nowhere.handler')];
    const c = { name: 'transform', executable: transform, env: { OUT_TOPIC: 'from-c/result', TAG: 'C' } };
    const subscriptions = fns.slice(0, 2).flatMap((fn) => [
      { source: arnOf(fn), subject: 'to-c/#', target: arnOf(c) },
      { source: arnOf(c), subject: 'from-c/#', target: arnOf(fn) },
    ]);
    const group = writeGroup(dir, [...fns, c], subscriptions);
    useRuntime(group, 'python3.11', new Map(fns.map((fn) => [arnOf(fn), fn.handler])));
    runtime = await Runtime.start({ group, http: false });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('publishes through the IPC to a C function, which publishes back to it (sync invoke)', async () => {
    const result = await runtime.invoke('ipc', 'hello from python');
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    expect(result.payload.toString()).toBe('published 17 bytes');
    // Both functions subscribe to the C function's answers.
    await waitFor(() => recorded().length >= 2, 10_000, "the C function's answer at the Python functions");
    expect(recorded()).toEqual([
      { subject: 'from-c/result', message: 'C:HELLO FROM PYTHON' },
      { subject: 'from-c/result', message: 'C:HELLO FROM PYTHON' },
    ]);
  });

  it('does the same from an asynchronous invocation', async () => {
    expect((await runtime.invoke('ipc', 'queued', { type: 'Event' })).statusCode).toBe(202);
    await waitFor(() => recorded().length >= 4, 10_000, 'the round trip of the Event');
    expect(recorded().slice(2).map((r) => r.message)).toEqual(['C:QUEUED', 'C:QUEUED']);
  });

  it.skipIf(sdkMissing !== undefined)('publishes through the public greengrasssdk, unmodified', async () => {
    const before = recorded().length;
    const result = await runtime.invoke('sdk', 'from the sdk');
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    await waitFor(() => recorded().length >= before + 2, 10_000, "the C function's answer");
    expect(recorded().slice(before).map((r) => r.message)).toEqual(['C:FROM THE SDK', 'C:FROM THE SDK']);
  });

  it('reports a handler that raises as Lambda does: Unhandled, with its type, message and stack', async () => {
    const result = await runtime.invoke('raiser', '{}');
    expect(result.functionError).toBe('Unhandled');
    const error = JSON.parse(result.payload.toString());
    expect(error).toMatchObject({ errorType: 'ValueError', errorMessage: 'the handler failed on purpose' });
    expect(error.stackTrace.join('\n')).toContain('raiser');
  });

  reportsHangsAndExits(() => runtime, 'sleeper', 'quitter');

  it('reports a handler that cannot be imported as Lambda does: Runtime.ImportModuleError', async () => {
    const result = await runtime.invoke('missing', '{}');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString())).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining("Unable to import module 'nowhere'"),
    });
  });
});
