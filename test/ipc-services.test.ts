// The core's services as a Python or Node.js function reaches them over the
// Greengrass IPC: invoking C functions (RequestResponse and Event), publishing
// through GGRouter to a subscribed C function (BestEffort and AllOrError),
// thing shadows through GGShadowService and secrets through GGSecretManager,
// each bound to the caller's own function. A real runtime with real C
// workers behind a real IPC server; the calling worker is a stand-in holding
// a token, as a Python or Node.js runtime would.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcServer } from '../src/ipc/ipc-server';
import type { ComponentLog } from '../src/logs/system-log';
import type { PublishEvent } from '../src/messaging/message-bus';
import { Runtime } from '../src/runtime';
import type { ServiceCalls } from '../src/services/service-calls';
import { addSecret } from './helpers/group-edit';
import { contextHeader, ipcRequest, json, StandInWorker, started, type IpcAnswer } from './helpers/ipc-client';
import { arnOf, ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const ROUTER = 'arn:aws:lambda:::function:GGRouter';
const SHADOW = 'arn:aws:lambda:::function:GGShadowService';
const SECRETS = 'arn:aws:lambda:::function:GGSecretManager:1';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:plant-db-Xy12Zw';
const example = (name: string) => path.join(examplesDir, name);

const fns = {
  caller: { name: 'caller', executable: example('echo') },
  stranger: { name: 'stranger', executable: example('echo') },
  echo: { name: 'echo', executable: example('echo') },
  crasher: { name: 'crasher', executable: example('crasher') },
  relay: { name: 'relay', executable: example('publisher'), env: { PUBLISH_TOPIC: 'relay/out' } },
  nowhere: { name: 'nowhere', executable: example('publisher') },
  sleepy: { name: 'sleepy', executable: example('hanger'), timeout: 1 },
  slow: { name: 'slow', executable: example('hanger'), timeout: 30, maxInstances: 1, settings: { MaxQueueSize: 1 } },
};

describe('IPC server: invoke, publish, shadow and secrets', () => {
  let runtime: Runtime;
  let server: IpcServer;
  let callerToken: string;
  let strangerToken: string;
  const published: PublishEvent[] = [];
  const warnings: string[] = [];
  const log: ComponentLog = { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

  /** POST work as the caller (or `token`), then, for RequestResponse, GET its result. */
  async function call(target: string, payload: string | Buffer, headers: Record<string, string> = {}, token = callerToken): Promise<{ posted: IpcAnswer; result?: IpcAnswer }> {
    const posted = await ipcRequest(server.port, 'POST', `/2016-11-01/functions/${target}`, { token, headers, body: payload });
    if (posted.status !== 202 || headers['X-Amz-Invocation-Type'] === 'Event') return { posted };
    const id = posted.headers['x-amz-invocationid'] as string;
    const result = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${target}`, { token, headers: { 'X-Amz-InvocationId': id } });
    return { posted, result };
  }

  function publishedOn(topic: string): PublishEvent[] {
    return published.filter((e) => e.topic === topic);
  }

  beforeAll(async () => {
    ensureSdk();
    const dir = tempDir('ipc-services');
    const group = writeGroup(
      dir,
      Object.values(fns),
      [
        { source: arnOf(fns.caller), subject: 'sensors/#', target: arnOf(fns.relay) },
        { source: arnOf(fns.caller), subject: 'busy/#', target: arnOf(fns.slow) },
        { source: arnOf(fns.caller), subject: '$aws/things/+/shadow/#', target: 'GGShadowService' },
      ],
      { StateDir: path.join(dir, 'state'), SecretKeyFile: path.join(dir, 'keys', 'secret.key') },
    );
    fs.writeFileSync(path.join(dir, 'db-password'), 'hunter2');
    addSecret(group, { id: 'plant-db', arn: SECRET_ARN, valueFile: 'db-password' }, [arnOf(fns.caller)]);
    runtime = await Runtime.start({ group, http: false });
    runtime.messages.on('publish', (e: PublishEvent) => published.push(e));
    const services = (runtime as unknown as { services: ServiceCalls }).services;
    server = await IpcServer.start({ host: '127.0.0.1', port: 0, services, log, results: { ttlMs: 1000 } });
    callerToken = server.register(new StandInWorker(runtime.registry.resolve('caller').fn));
    strangerToken = server.register(new StandInWorker(runtime.registry.resolve('stranger').fn));
  });

  afterAll(async () => {
    await server?.close();
    await runtime?.stop();
  });

  it('invokes a C function RequestResponse: 202 with an id, then its answer with an empty X-Amz-Function-Error', async () => {
    const payload = Buffer.from([0, 0xff, 0x10, 0x80, 0x7f]);
    const { posted, result } = await call(arnOf(fns.echo), payload, { 'X-Amz-Invocation-Type': 'RequestResponse', 'X-Amz-Client-Context': '' });
    expect(posted.status).toBe(202);
    expect(posted.headers['x-amz-invocationid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(result!.status).toBe(200);
    expect([...result!.body]).toEqual([...payload]);
    expect(result!.headers['x-amz-function-error']).toBe('');
    // Fetched once: the id is spent.
    const again = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${arnOf(fns.echo)}`, {
      token: callerToken,
      headers: { 'X-Amz-InvocationId': posted.headers['x-amz-invocationid'] as string },
    });
    expect(again.status).toBe(404);
  });

  it('waits on the result request while the invocation runs, and takes the function by unqualified ARN too', async () => {
    const { posted, result } = await call(`arn:aws:lambda:us-east-1:123456789012:function:echo`, 'unqualified');
    expect(posted.status).toBe(202);
    expect(result!.body.toString()).toBe('unqualified');
  });

  it("reports a function's handled and unhandled errors in X-Amz-Function-Error, with Lambda's documents", async () => {
    const handled = await call(arnOf(fns.nowhere), 'no topic anywhere');
    expect(handled.result!.headers['x-amz-function-error']).toBe('Handled');
    expect(json(handled.result!)).toEqual({ errorMessage: 'publisher: no topic in the client context or PUBLISH_TOPIC' });
    const unhandled = await call(arnOf(fns.crasher), 'exit');
    expect(unhandled.result!.headers['x-amz-function-error']).toBe('Unhandled');
    expect(json(unhandled.result!)).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/Runtime exited with error: exit status 3$/) });
  });

  it('invokes Event: 202 with the stored event id, and the function runs with the client context', async () => {
    const before = publishedOn('relay/event').length;
    const { posted } = await call(arnOf(fns.relay), 'as an event', {
      'X-Amz-Invocation-Type': 'Event',
      'X-Amz-Client-Context': contextHeader({ topic: 'relay/event' }),
    });
    expect(posted.status).toBe(202);
    const id = posted.headers['x-amz-invocationid'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => publishedOn('relay/event').length > before, 10_000, 'the relay publishes the event it got');
    expect(publishedOn('relay/event').at(-1)!.payload.toString()).toBe('as an event');
    await waitFor(() => fs.readFileSync(runtime.logPathOf('relay'), 'utf8').includes(id), 10_000, 'the relay log names the event id');
  });

  it('refuses what cannot be invoked at the POST, naming it', async () => {
    const missing = await call('arn:aws:lambda:us-east-1:123456789012:function:ghost:1', 'x');
    expect(missing.posted.status).toBe(404);
    expect(json(missing.posted)).toMatchObject({ errorType: 'FUNCTION_NOT_FOUND', errorMessage: expect.stringContaining('ghost') });
    const context = await call(arnOf(fns.echo), 'x', { 'X-Amz-Client-Context': 'not base64!' });
    expect(context.posted.status).toBe(400);
    expect(json(context.posted).errorMessage).toMatch(/client context "not base64!" is not base64 of a JSON object/);
    const type = await call(arnOf(fns.echo), 'x', { 'X-Amz-Invocation-Type': 'DryRun' });
    expect(type.posted.status).toBe(400);
    expect(json(type.posted).errorMessage).toMatch(/X-Amz-Invocation-Type "DryRun" is not RequestResponse or Event/);
    const bigEvent = await call(arnOf(fns.echo), Buffer.alloc(1024 * 1024 + 1), { 'X-Amz-Invocation-Type': 'Event' });
    expect(bigEvent.posted.status).toBe(413);
  });

  it('publishes through GGRouter as the caller, to a subscribed C function that receives the topic', async () => {
    const before = publishedOn('relay/out').length;
    const { posted, result } = await call(ROUTER, 'temperature 21', {
      'X-Amz-Invocation-Type': 'Event',
      // The source in the context is ignored: the token decides who publishes.
      'X-Amz-Client-Context': contextHeader({ source: arnOf(fns.stranger), subject: 'sensors/kitchen', queueFullPolicy: 'BestEffort' }),
    });
    expect(posted.status).toBe(202);
    expect(result).toBeUndefined();
    const routed = publishedOn('sensors/kitchen').at(-1)!;
    expect(routed).toMatchObject({ source: arnOf(fns.caller), targets: [arnOf(fns.relay)] });
    await waitFor(() => publishedOn('relay/out').length > before, 10_000, 'the relay republishes what it received');
    expect(publishedOn('relay/out').at(-1)!.payload.toString()).toBe('temperature 21');
  });

  it('publishes AllOrError all or nothing: a subscriber that cannot take it makes it a 429 that reaches nobody', async () => {
    const busy = contextHeader({ subject: 'busy/now', queueFullPolicy: 'AllOrError' });
    // The first runs (and hangs), the second waits in the queue of one: the third does not fit.
    for (let i = 0; i < 2; i++) {
      expect((await call(ROUTER, `fill ${i}`, { 'X-Amz-Invocation-Type': 'Event', 'X-Amz-Client-Context': busy })).posted.status).toBe(202);
    }
    const count = publishedOn('busy/now').length;
    const refused = await call(ROUTER, 'one too many', { 'X-Amz-Invocation-Type': 'Event', 'X-Amz-Client-Context': busy });
    expect(refused.posted.status).toBe(429);
    expect(json(refused.posted).errorMessage).toBe('not every subscriber of busy/now could take the message now: try again');
    expect(publishedOn('busy/now')).toHaveLength(count);
    // BestEffort goes ahead and is simply not delivered to the full subscriber.
    const bestEffort = await call(ROUTER, 'dropped', {
      'X-Amz-Invocation-Type': 'Event',
      'X-Amz-Client-Context': contextHeader({ subject: 'busy/now', queueFullPolicy: '' }),
    });
    expect(bestEffort.posted.status).toBe(202);
    expect(publishedOn('busy/now').at(-1)).toMatchObject({ targets: [], undelivered: [arnOf(fns.slow)] });
  });

  it('refuses a publish without a topic, with a bad policy or a topic no one can publish to', async () => {
    const none = await call(ROUTER, 'x', { 'X-Amz-Invocation-Type': 'Event' });
    expect(none.posted.status).toBe(400);
    expect(json(none.posted).errorMessage).toMatch(/a publish to GGRouter needs the topic in X-Amz-Client-Context/);
    const policy = await call(ROUTER, 'x', { 'X-Amz-Invocation-Type': 'Event', 'X-Amz-Client-Context': contextHeader({ subject: 't', queueFullPolicy: 'AllOrException' }) });
    expect(policy.posted.status).toBe(400);
    expect(json(policy.posted).errorMessage).toMatch(/queueFullPolicy "AllOrException"/);
    const wildcard = await call(ROUTER, 'x', { 'X-Amz-Invocation-Type': 'Event', 'X-Amz-Client-Context': contextHeader({ subject: 'sensors/#' }) });
    expect(wildcard.posted.status).toBe(400);
    expect(json(wildcard.posted).errorType).toBe('INVALID_PARAMETER');
  });

  it('serves thing shadows through GGShadowService to a subscribed caller', async () => {
    const update = await call(SHADOW, '{"state":{"desired":{"valve":"open"}}}', {
      'X-Amz-Invocation-Type': 'RequestResponse',
      'X-Amz-Client-Context': contextHeader({ subject: '$aws/things/pump/shadow/update' }),
    });
    expect(update.result!.headers['x-amz-function-error']).toBe('');
    expect(json(update.result!)).toMatchObject({ state: { desired: { valve: 'open' } }, version: 1 });
    expect(publishedOn('$aws/things/pump/shadow/update/accepted')).toHaveLength(1);
    const got = await call(SHADOW, '', { 'X-Amz-Client-Context': contextHeader({ subject: '$aws/things/pump/shadow/get' }) });
    expect(json(got.result!)).toMatchObject({ state: { desired: { valve: 'open' }, delta: { valve: 'open' } }, version: 1 });
    const conflict = await call(SHADOW, '{"state":{"reported":{"valve":"open"}},"version":9}', {
      'X-Amz-Client-Context': contextHeader({ subject: '$aws/things/pump/shadow/update' }),
    });
    expect(conflict.result!.headers['x-amz-function-error']).toBe('Handled');
    expect(json(conflict.result!)).toMatchObject({ code: 409, message: 'Version conflict' });
  });

  it('refuses the shadow to a caller no subscription routes to GGShadowService, and a subject that is no shadow topic', async () => {
    const refused = await call(SHADOW, '', { 'X-Amz-Client-Context': contextHeader({ subject: '$aws/things/pump/shadow/get' }) }, strangerToken);
    expect(refused.result!.headers['x-amz-function-error']).toBe('Handled');
    expect(json(refused.result!)).toMatchObject({
      code: 403,
      message: expect.stringContaining(`no subscription routes $aws/things/pump/shadow/get from ${arnOf(fns.stranger)} to GGShadowService`),
    });
    const wrong = await call(SHADOW, '', { 'X-Amz-Client-Context': contextHeader({ subject: '$aws/things/pump/shadow/rename' }) });
    expect(wrong.posted.status).toBe(400);
    expect(json(wrong.posted).errorMessage).toMatch(/is not a shadow request topic/);
  });

  it('reads a secret through GGSecretManager for an affiliated caller only', async () => {
    const read = await call(SECRETS, JSON.stringify({ SecretId: 'plant-db', VersionStage: 'AWSCURRENT' }));
    expect(read.result!.headers['x-amz-function-error']).toBe('');
    expect(json(read.result!)).toMatchObject({ ARN: SECRET_ARN, Name: 'plant-db', SecretString: 'hunter2', VersionStages: ['AWSCURRENT'] });
    // The reserved ARN is the same service with or without its qualifier.
    const unqualified = await call('arn:aws:lambda:::function:GGSecretManager', JSON.stringify({ SecretId: SECRET_ARN }));
    expect(json(unqualified.result!).SecretString).toBe('hunter2');
    const refused = await call(SECRETS, JSON.stringify({ SecretId: 'plant-db' }), {}, strangerToken);
    expect(refused.result!.headers['x-amz-function-error']).toBe('Handled');
    expect(json(refused.result!)).toMatchObject({ Status: 401, Message: expect.stringContaining(`function ${arnOf(fns.stranger)} is not affiliated`) });
    const malformed = await call(SECRETS, '{"SecretId": 7}');
    expect(json(malformed.result!)).toEqual({ Status: 400, Message: 'SecretId is required: the name or the full ARN of a secret' });
  });

  it('keeps a result for its caller only, and drops it when nobody fetches it in time', async () => {
    const posted = await ipcRequest(server.port, 'POST', `/2016-11-01/functions/${arnOf(fns.echo)}`, { token: callerToken, body: 'kept for me' });
    const id = posted.headers['x-amz-invocationid'] as string;
    const byStranger = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${arnOf(fns.echo)}`, { token: strangerToken, headers: { 'X-Amz-InvocationId': id } });
    expect(byStranger.status).toBe(404);
    const otherTarget = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${arnOf(fns.crasher)}`, { token: callerToken, headers: { 'X-Amz-InvocationId': id } });
    expect(otherTarget.status).toBe(404);
    await waitFor(() => warnings.some((w) => w.includes(id)), 10_000, 'the unfetched result is dropped');
    expect(warnings.find((w) => w.includes(id))).toMatch(/nobody fetched it within 1000 ms/);
    const late = await ipcRequest(server.port, 'GET', `/2016-11-01/functions/${arnOf(fns.echo)}`, { token: callerToken, headers: { 'X-Amz-InvocationId': id } });
    expect(late.status).toBe(404);
    expect(json(late).errorMessage).toMatch(/dropped unfetched/);
  });

  it('keeps a running result for a caller whose first wait was abandoned, and reports a timeout as Unhandled', async () => {
    const target = `/2016-11-01/functions/${arnOf(fns.sleepy)}`;
    const posted = await ipcRequest(server.port, 'POST', target, { token: callerToken, body: 'never answered' });
    const id = posted.headers['x-amz-invocationid'] as string;
    const first = started(server.port, 'GET', target, { token: callerToken, headers: { 'X-Amz-InvocationId': id } });
    const abandoned = first.answer.then(
      () => 'answered',
      () => 'aborted',
    );
    // Well inside the function's 1 s timeout: the result does not exist yet.
    await sleep(200);
    first.abort();
    expect(await abandoned).toBe('aborted');
    const second = await ipcRequest(server.port, 'GET', target, { token: callerToken, headers: { 'X-Amz-InvocationId': id } });
    expect(second.status).toBe(200);
    expect(second.headers['x-amz-function-error']).toBe('Unhandled');
    expect(json(second)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds$/) });
  });
});
