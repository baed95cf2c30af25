// Node.js functions of a Greengrass group on the real runtime: one bundling
// the public npm aws-greengrass-core-sdk, unmodified, publishes to a C
// function, which publishes back to it (sync and async invocations start the
// round trip); handlers that throw, never answer or exit are reported as
// Lambda reports them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { addSecret, useRuntime } from './helpers/group-edit';
import { publicNodeSdk } from './helpers/public-sdks';
import { arnOf, buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';
import { reportsHangsAndExits } from './helpers/lambda-errors';
import { waitFor } from './helpers/wait';

const sdk = publicNodeSdk();
const sdkMissing = 'missing' in sdk ? sdk.missing : undefined;
if (sdkMissing) console.warn(`runtimes-node skipped: ${sdkMissing}`);

const HANDLERS = `
const fs = require('fs');
const gg = require('aws-greengrass-core-sdk');
const iot = new gg.IotData();

// Invoked: publish the payload for the C function. Routed to (a message from it): record it.
exports.relay = (event, context, callback) => {
  const subject = context.clientContext && context.clientContext.Custom && context.clientContext.Custom.subject;
  if (subject) {
    fs.appendFileSync(process.env.RECORD_FILE, JSON.stringify({ subject, message: event.toString() }) + '\\n');
    return callback(null, 'recorded');
  }
  iot.publish({ topic: 'to-c/' + context.functionName, payload: event }, (error) => callback(error, 'published ' + event.length + ' bytes'));
};
// The local services through the public SDK: a thing shadow and a secret.
exports.services = (event, context, callback) => {
  const secrets = new gg.SecretsManager();
  iot.updateThingShadow({ thingName: 'porch', payload: JSON.stringify({ state: { desired: { light: 'on' } } }) }, (error, updated) => {
    if (error) return callback(error);
    iot.getThingShadow({ thingName: 'porch' }, (error, got) => {
      if (error) return callback(error);
      secrets.getSecretValue({ SecretId: 'greengrass-db' }, (error, secret) => {
        callback(null, JSON.stringify({ updated: JSON.parse(updated.Payload), got: JSON.parse(got.Payload), secret: error ? { error: error.message } : JSON.parse(secret) }));
      });
    });
  });
};
exports.thrower = async () => { throw new TypeError('the handler failed on purpose'); };
exports.sleeper = () => new Promise(() => { setInterval(() => {}, 60000); }); // busy with something, never answering
exports.quitter = () => process.exit(3);
`;

describe.skipIf(sdkMissing !== undefined)('Node.js functions with the public aws-greengrass-core-sdk', () => {
  let dir: string;
  let runtime: Runtime;
  let records: string;
  const recorded = (): Array<{ subject: string; message: string }> =>
    fs.existsSync(records) ? fs.readFileSync(records, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('runtimes-node');
    records = path.join(dir, 'records.jsonl');
    const code = path.join(dir, 'node-code');
    fs.mkdirSync(path.join(code, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(code, 'index.js'), HANDLERS);
    fs.cpSync((sdk as { dir: string }).dir, path.join(code, 'node_modules', 'aws-greengrass-core-sdk'), { recursive: true });
    const transform = buildExecutable(path.join(__dirname, 'fixtures', 'transform.c'), dir);
    const node = (name: string, handler: string, timeout = 3) => ({ name, executable: code, timeout, env: { RECORD_FILE: records }, handler });
    const fns = [node('relay', 'index.relay'), node('services', 'index.services'), node('thrower', 'index.thrower'), node('sleeper', 'index.sleeper', 1), node('quitter', 'index.quitter')];
    const c = { name: 'transform', executable: transform, env: { OUT_TOPIC: 'from-c/result', TAG: 'C' } };
    const group = writeGroup(dir, [...fns, c], [
      { source: arnOf(fns[0]!), subject: 'to-c/#', target: arnOf(c) },
      { source: arnOf(c), subject: 'from-c/#', target: arnOf(fns[0]!) },
      { source: arnOf(fns[1]!), subject: '$aws/things/porch/shadow/#', target: 'GGShadowService' },
    ]);
    fs.writeFileSync(path.join(dir, 'db-password'), 'from-a-file');
    addSecret(group, { id: 'db', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:greengrass-db-Ab12Cd', valueFile: 'db-password' }, [arnOf(fns[1]!)]);
    useRuntime(group, 'nodejs20.x', new Map(fns.map((fn) => [arnOf(fn), fn.handler])));
    runtime = await Runtime.start({ group, http: false });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('publishes through the public SDK to a C function, which publishes back to it (sync invoke)', async () => {
    const result = await runtime.invoke('relay', 'hello from node');
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    expect(result.payload.toString()).toBe('published 15 bytes');
    await waitFor(() => recorded().length >= 1, 10_000, 'the C function\'s answer at the Node.js function');
    expect(recorded()).toEqual([{ subject: 'from-c/result', message: 'C:HELLO FROM NODE' }]);
  });

  it('does the same from an asynchronous invocation', async () => {
    const result = await runtime.invoke('relay', 'queued', { type: 'Event' });
    expect(result.statusCode).toBe(202);
    await waitFor(() => recorded().length >= 2, 10_000, 'the round trip of the Event');
    expect(recorded()[1]).toEqual({ subject: 'from-c/result', message: 'C:QUEUED' });
  });

  it('reaches the local shadow and secrets services through the public SDK', async () => {
    const result = await runtime.invoke('services', '{}');
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    const answer = JSON.parse(result.payload.toString());
    expect(answer.updated).toMatchObject({ state: { desired: { light: 'on' } }, version: 1 });
    expect(answer.got).toMatchObject({ state: { desired: { light: 'on' }, delta: { light: 'on' } }, version: 1 });
    expect(answer.secret).toMatchObject({ Name: 'greengrass-db', SecretString: 'from-a-file', VersionStages: ['AWSCURRENT'] });
  });

  it('reports a handler that throws as Lambda does: Unhandled, with its type, message and trace', async () => {
    const result = await runtime.invoke('thrower', '{}');
    expect(result.functionError).toBe('Unhandled');
    const error = JSON.parse(result.payload.toString());
    expect(error).toMatchObject({ errorType: 'TypeError', errorMessage: 'the handler failed on purpose' });
    expect(error.trace[0]).toBe('TypeError: the handler failed on purpose');
  });

  reportsHangsAndExits(() => runtime, 'sleeper', 'quitter');
});
