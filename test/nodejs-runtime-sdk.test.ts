// The public npm aws-greengrass-core-sdk 1.7.0, unmodified, inside a function
// run by nanolambda's Node.js runtime: it finds our aws-greengrass-ipc-sdk-js
// and aws-greengrass-common-js on NODE_PATH, and its publish, invoke, shadow
// and secret calls reach the IPC server exactly as greengrass-v1.md §2.4 says.
// The SDK is fetched with `npm pack` (cached under test/.tmp); without the npm
// registry those cases are skipped with the reason printed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcPeer, type PeerInvocation } from './helpers/ipc-peer';
import { publicNodeSdk } from './helpers/public-sdks';
import { nodejsRuntimeDir, type RuntimeProcess, startRuntime, writeCode } from './helpers/runtime-process';
import { repoRoot, tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const ARN_PREFIX = 'arn:aws:lambda:us-east-1:123456789012:function:';
const FUNCTION_ARN = `${ARN_PREFIX}sdkUser:1`;
const ROUTER = 'arn:aws:lambda:::function:GGRouter';
const SHADOW = 'arn:aws:lambda:::function:GGShadowService';
const SECRETS = 'arn:aws:lambda:::function:GGSecretManager:1';

const sdk = publicNodeSdk();
const sdkMissing = 'missing' in sdk ? sdk.missing : undefined;
if (sdkMissing) console.warn(`skipping the public aws-greengrass-core-sdk cases: ${sdkMissing}`);

// The function: each event names one SDK call and its parameters; it answers
// with what the SDK's callback got (a Payload shown as text or base64).
const FUNCTION_CODE = `
const GG = require('aws-greengrass-core-sdk');
const iotData = new GG.IotData();
const lambda = new GG.Lambda();
const secrets = new GG.SecretsManager();

const shown = (payload) => typeof payload === 'string' ? { text: payload } : { base64: Buffer.from(payload).toString('base64') };
const report = (callback) => (err, data) => callback(null, err
  ? { error: err.message }
  : { data: data !== null && typeof data === 'object' && 'Payload' in data ? { ...data, Payload: shown(data.Payload) } : data });

exports.handler = (event, context, callback) => {
  const done = report(callback);
  switch (event.op) {
    case 'surface':
      return callback(null, { version: GG.GreengrassInterfaceVersion, clients: ['Lambda', 'IotData', 'SecretsManager'].map((n) => typeof GG[n]) });
    case 'publish':
    case 'getThingShadow':
    case 'updateThingShadow':
    case 'deleteThingShadow':
      return iotData[event.op](event.params, done);
    case 'invoke':
      return lambda.invoke(event.params, done);
    case 'getSecretValue':
      return secrets.getSecretValue(event.params, done);
  }
  callback(new Error('unknown op ' + event.op));
};
`;

describe.skipIf(sdkMissing !== undefined)('the public aws-greengrass-core-sdk in a Node.js function', () => {
  let peer: IpcPeer;
  let runtime: RuntimeProcess;

  /** Runs one SDK call in the function; returns its report and the IPC invocation it made (if any). */
  async function call(op: string, params: Record<string, unknown> = {}): Promise<{ report: any; sent: PeerInvocation | undefined }> {
    const before = peer.invocations.length;
    const answer = await peer.invoke(FUNCTION_ARN, { payload: JSON.stringify({ op, params }) });
    expect(answer.functionError, answer.body.toString()).toBeUndefined();
    return { report: JSON.parse(answer.body.toString()), sent: peer.invocations[before] };
  }

  const decoded = (clientContext: string | undefined) => JSON.parse(Buffer.from(clientContext ?? '', 'base64').toString());

  beforeAll(async () => {
    peer = await IpcPeer.start();
    const codeDir = tempDir('nodejs-sdk');
    writeCode(codeDir, { 'index.js': FUNCTION_CODE });
    // Where Greengrass tells users to put it: the function's own node_modules.
    fs.cpSync((sdk as { dir: string }).dir, path.join(codeDir, 'node_modules', 'aws-greengrass-core-sdk'), { recursive: true });
    runtime = startRuntime('nodejs', { codeDir, functionArn: FUNCTION_ARN, token: peer.addFunction(FUNCTION_ARN), port: peer.port });
  });

  afterAll(async () => {
    runtime?.kill();
    await peer?.close();
  });

  it('loads unchanged, finding the core modules on NODE_PATH', async () => {
    const { report } = await call('surface');
    expect(report).toEqual({ version: '1.5', clients: ['function', 'function', 'function'] });
  });

  it('publishes through GGRouter as an Event with source, subject and queue policy in the client context', async () => {
    const { report, sent } = await call('publish', { topic: 'sensors/t1', payload: 'hello', queueFullPolicy: 'AllOrError' });
    expect(sent).toMatchObject({ caller: FUNCTION_ARN, target: ROUTER, invocationType: 'Event', body: Buffer.from('hello') });
    expect(decoded(sent!.clientContext)).toEqual({ custom: { source: FUNCTION_ARN, subject: 'sensors/t1', queueFullPolicy: 'AllOrError' } });
    expect(report).toEqual({ data: sent!.invocationId });
  });

  it('refuses a payload that is not bytes or text, saying so', async () => {
    const { report, sent } = await call('publish', { topic: 'sensors/t1', payload: { not: 'bytes' } });
    expect(sent).toBeUndefined();
    expect(report.error).toMatch(/payload must be a Buffer, TypedArray, ArrayBuffer, Blob or string, not an object/);
  });

  it('invokes another function RequestResponse, with its qualifier and client context, and returns its answer', async () => {
    peer.reply = () => ({ body: '{"answer":42}' });
    const clientContext = Buffer.from(JSON.stringify({ custom: { from: 'test' } })).toString('base64');
    const { report, sent } = await call('invoke', { FunctionName: `${ARN_PREFIX}other`, Qualifier: '2', Payload: '{"q":1}', ClientContext: clientContext });
    expect(sent).toMatchObject({ target: `${ARN_PREFIX}other:2`, invocationType: 'RequestResponse', clientContext, body: Buffer.from('{"q":1}') });
    expect(report).toEqual({ data: { FunctionError: '', StatusCode: 200, Payload: { text: '{"answer":42}' } } });
  });

  it('invokes as an Event and returns the invocation id', async () => {
    const { report, sent } = await call('invoke', { FunctionName: `${ARN_PREFIX}other:2`, InvocationType: 'Event', Payload: 'e' });
    expect(sent).toMatchObject({ target: `${ARN_PREFIX}other:2`, invocationType: 'Event', clientContext: '', body: Buffer.from('e') });
    expect(report).toEqual({ data: sent!.invocationId });
  });

  it("passes on the target's function error and its binary answer unchanged", async () => {
    peer.reply = () => ({ body: '{"errorMessage":"boom"}', functionError: 'Unhandled' });
    const failed = await call('invoke', { FunctionName: `${ARN_PREFIX}other:2` });
    expect(failed.report.data).toEqual({ FunctionError: 'Unhandled', StatusCode: 200, Payload: { text: '{"errorMessage":"boom"}' } });
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    peer.reply = () => ({ body: bytes });
    const binary = await call('invoke', { FunctionName: `${ARN_PREFIX}other:2` });
    expect(binary.report.data.Payload).toEqual({ base64: bytes.toString('base64') });
  });

  it('reports a malformed function name and a refused invocation as errors', async () => {
    const malformed = await call('invoke', { FunctionName: 'other' });
    expect(malformed.sent).toBeUndefined();
    expect(malformed.report.error).toMatch(/FunctionName is malformed: .*"other" is not a Lambda function ARN/);
    peer.refuse = (invocation) => (invocation.target.endsWith(':locked:1') ? 'no subscription for this caller' : undefined);
    const refused = await call('invoke', { FunctionName: `${ARN_PREFIX}locked:1` });
    expect(refused.report.error).toContain(`answered POST /2016-11-01/functions/${ARN_PREFIX}locked:1 with HTTP 403: no subscription for this caller`);
    // The SDK's own LocalWatchLogger line, in the function's stderr (read from its pipe, maybe after the answer).
    await waitFor(() => runtime.stderr().includes('[ERROR]-Failed to invoke function due to IPCError: the Greengrass IPC server answered POST'), 5000, 'the SDK\'s error line');
  });

  it('gets, updates and deletes a thing shadow through GGShadowService', async () => {
    peer.reply = (invocation) => ({ body: JSON.stringify({ asked: decoded(invocation.clientContext).custom.subject }) });
    const update = '{"state":{"desired":{"light":"on"}}}';
    for (const [op, params, verb, body] of [
      ['getThingShadow', { thingName: 'lamp' }, 'get', ''],
      ['updateThingShadow', { thingName: 'lamp', payload: update }, 'update', update],
      ['deleteThingShadow', { thingName: 'lamp' }, 'delete', ''],
    ] as const) {
      const { report, sent } = await call(op, params);
      const subject = `$aws/things/lamp/shadow/${verb}`;
      expect(sent).toMatchObject({ target: SHADOW, invocationType: 'RequestResponse', body: Buffer.from(body) });
      expect(decoded(sent!.clientContext)).toEqual({ custom: { subject } });
      expect(report.data).toEqual({ FunctionError: '', StatusCode: 200, Payload: { text: JSON.stringify({ asked: subject }) } });
    }
  });

  it('gets a secret value through GGSecretManager, and reports its error answer', async () => {
    const secret = { ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-Ab12Cd', Name: 'db', VersionId: 'v1', SecretString: 's3cr3t', VersionStages: ['AWSCURRENT'], CreatedDate: 1700000000000 };
    peer.reply = () => ({ body: JSON.stringify(secret) });
    const { report, sent } = await call('getSecretValue', { SecretId: 'db', VersionStage: 'AWSCURRENT' });
    expect(sent).toMatchObject({ target: SECRETS, invocationType: 'RequestResponse', clientContext: '' });
    expect(JSON.parse(sent!.body.toString())).toEqual({ SecretId: 'db', VersionStage: 'AWSCURRENT' });
    expect(report).toEqual({ data: JSON.stringify(secret) });
    const parsed = await call('getSecretValue', { SecretId: 'db', DeStringifyResultFlag: true });
    expect(parsed.report).toEqual({ data: secret });
    peer.reply = () => ({ body: '{"Status":404,"Message":"secret db not found"}' });
    const missing = await call('getSecretValue', { SecretId: 'db' });
    expect(missing.report.error).toContain('secret db not found');
  });
});

describe('aws-greengrass-common-js', () => {
  const common = createRequire(__filename)(path.join(nodejsRuntimeDir, 'node_modules', 'aws-greengrass-common-js'));

  it('parses function ARNs, including the reserved ones with no region or account', () => {
    expect(new common.FunctionArnFields(SECRETS)).toMatchObject({ region: '', accountId: '', name: 'GGSecretManager', qualifier: '1', unqualifiedArn: 'arn:aws:lambda:::function:GGSecretManager' });
    expect(new common.FunctionArnFields(`${ARN_PREFIX}f`)).toMatchObject({ region: 'us-east-1', accountId: '123456789012', name: 'f', qualifier: undefined });
    expect(new common.FunctionArnFields('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:$LATEST').qualifier).toBe('$LATEST');
    expect(common.buildFunctionArn(`${ARN_PREFIX}f`, '7')).toBe(`${ARN_PREFIX}f:7`);
    expect(common.buildFunctionArn(`${ARN_PREFIX}f`, undefined)).toBe(`${ARN_PREFIX}f`);
  });

  it('refuses what is not a function ARN, naming it', () => {
    for (const bad of ['f', `${ARN_PREFIX}f:1:2`, `${ARN_PREFIX}f/../x`, 'arn:aws:s3:::bucket', `${ARN_PREFIX}${'x'.repeat(5000)}`]) {
      expect(() => new common.FunctionArnFields(bad), bad).toThrow(/is not a Lambda function ARN/);
    }
    expect(() => new common.FunctionArnFields(undefined)).toThrow(/must be a string, not undefined/);
  });
});
