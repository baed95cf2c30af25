// The local shadow and secrets services as functions and devices reach them:
// a C function through gg_*_thing_shadow and gg_get_secret_value, a device
// (mosquitto_pub / mosquitto_sub) through the $aws/things/<thing>/shadow
// topics, subscriptions routing the service's publications. Real runtime,
// real workers, real MQTT clients.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishEvent } from '../src/messaging/message-bus';
import { Runtime } from '../src/runtime';
import { addSecret, editGroup } from './helpers/group-edit';
import { hasMosquittoClients, mqttPub, MqttSub } from './helpers/mqtt-clients';
import { arnOf, buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';

const LAMP = 'arn:aws:iot:us-east-1:123456789012:thing/lamp';
const PANEL = 'arn:aws:iot:us-east-1:123456789012:thing/panel';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:greengrass-db-Ab12Cd';
const mqttSkip = hasMosquittoClients() ? '' : 'mosquitto_pub/mosquitto_sub are not installed (apt-get install mosquitto-clients)';
if (mqttSkip) console.warn(`local-services device cases skipped: ${mqttSkip}`);

describe('local shadow and secrets services', () => {
  let dir: string;
  let runtime: Runtime;
  const published: PublishEvent[] = [];
  const fns = { services: { name: 'services', executable: '' }, stranger: { name: 'stranger', executable: '' }, watcher: { name: 'watcher', executable: '' } };

  /** Ask the services function (or another) and split its "<status>\n<body>" answer. */
  async function call(fn: string, command: string): Promise<{ status: number; body: any }> {
    const result = await runtime.invoke(fn, command);
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    const text = result.payload.toString();
    const newline = text.indexOf('\n');
    return { status: Number(text.slice(0, newline)), body: JSON.parse(text.slice(newline + 1)) };
  }

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('local-services');
    const services = buildExecutable(path.join(__dirname, 'fixtures', 'services.c'), dir);
    for (const f of Object.values(fns)) f.executable = services;
    const group = writeGroup(
      dir,
      Object.values(fns),
      [
        { source: arnOf(fns.services), subject: '$aws/things/+/shadow/#', target: 'GGShadowService' },
        { source: arnOf(fns.watcher), subject: '$aws/things/lamp/shadow/update', target: 'GGShadowService' },
        { source: 'GGShadowService', subject: '$aws/things/lamp/shadow/update/delta', target: arnOf(fns.watcher) },
        { source: LAMP, subject: '$aws/things/lamp/shadow/#', target: 'GGShadowService' },
        { source: 'GGShadowService', subject: '$aws/things/lamp/shadow/#', target: PANEL },
      ],
      { StateDir: path.join(dir, 'state'), SecretKeyFile: path.join(dir, 'keys', 'secret.key'), Mqtt: { Port: 0 } },
    );
    fs.writeFileSync(path.join(dir, 'db-password'), 's3cr3t-value');
    addSecret(group, { id: 'db', arn: SECRET_ARN, valueFile: 'db-password' }, [arnOf(fns.services)]);
    editGroup(group, (json) => {
      json.DeviceDefinitionVersion = {
        Devices: [
          { Id: 'lamp', ThingArn: LAMP, CertificateArn: `arn:aws:iot:us-east-1:123456789012:cert/${'ab'.repeat(32)}` },
          { Id: 'panel', ThingArn: PANEL, CertificateArn: `arn:aws:iot:us-east-1:123456789012:cert/${'cd'.repeat(32)}` },
        ],
      };
    });
    runtime = await Runtime.start({ group, http: false });
    runtime.messages.on('publish', (e: PublishEvent) => published.push(e));
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('a C function updates, reads and deletes a thing shadow, and the service publishes the update', async () => {
    const update = await call('services', 'shadow-update porch {"state":{"desired":{"light":"on"}},"clientToken":"c-1"}');
    expect(update.status).toBe(0); // GG_REQUEST_SUCCESS
    expect(update.body).toMatchObject({ state: { desired: { light: 'on' } }, version: 1, clientToken: 'c-1' });
    expect(update.body.metadata.desired.light.timestamp).toBeTypeOf('number');
    const got = await call('services', 'shadow-get porch');
    expect(got.status).toBe(0);
    expect(got.body).toMatchObject({ state: { desired: { light: 'on' }, delta: { light: 'on' } }, version: 1 });
    const conflict = await call('services', 'shadow-update porch {"state":{"reported":{"light":"on"}},"version":7}');
    expect(conflict.status).toBe(1); // GG_REQUEST_HANDLED, with the error document
    expect(conflict.body).toMatchObject({ code: 409, message: 'Version conflict' });
    expect((await call('services', 'shadow-delete porch')).body).toMatchObject({ version: 1 });
    const gone = await call('services', 'shadow-get porch');
    expect(gone).toMatchObject({ status: 1, body: { code: 404, message: "No shadow exists with name: 'porch'" } });
  });

  it('refuses a function no subscription routes to GGShadowService, naming the subscription to add', async () => {
    const refused = await call('stranger', 'shadow-update porch {"state":{"desired":{"light":"off"}}}');
    expect(refused.status).toBe(1);
    expect(refused.body.code).toBe(403);
    expect(refused.body.message).toContain(`no subscription routes $aws/things/porch/shadow/update from ${arnOf(fns.stranger)} to GGShadowService`);
    expect((await call('services', 'shadow-get porch')).body.code).toBe(404); // nothing was written
  });

  it('answers a caller whose update makes a document over the message size limit, and logs what it could not publish', async () => {
    // Metadata has a timestamp per array element: with 2,900 elements, /documents (previous and
    // current, each with its metadata) of a second update is ~150 KB, over 128 KB.
    const big = `{"state":{"desired":{"levels":[${Array(2900).fill(1).join(',')}]}}}`;
    expect((await call('services', `shadow-update attic ${big}`)).body.version).toBe(1);
    const update = await call('services', `shadow-update attic ${big}`);
    expect(update.status).toBe(0);
    expect(update.body.version).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'logs', 'system', 'runtime.log'), 'utf8')).toMatch(
      /\[WARN\]-shadow: \$aws\/things\/attic\/shadow\/update\/documents was not published: the message of \d+ bytes from GGShadowService/,
    );
    expect((await call('services', 'shadow-delete attic')).status).toBe(0);
  });

  it('persists shadows in the state directory', () => {
    expect(fs.existsSync(path.join(dir, 'state', 'shadows.db'))).toBe(true);
  });

  it('routes a topic request to GGShadowService and its delta to the subscribed function', async () => {
    const before = published.length;
    runtime.messages.publish(arnOf(fns.watcher), '$aws/things/lamp/shadow/update', Buffer.from('{"state":{"desired":{"level":3}}}'), false);
    const after = published.slice(before);
    // The service answers while the request is being routed: its publications come first.
    expect(after.map((e) => [e.source, e.topic])).toEqual([
      ['GGShadowService', '$aws/things/lamp/shadow/update/accepted'],
      ['GGShadowService', '$aws/things/lamp/shadow/update/delta'],
      ['GGShadowService', '$aws/things/lamp/shadow/update/documents'],
      [arnOf(fns.watcher), '$aws/things/lamp/shadow/update'],
    ]);
    expect(after[3]!.targets).toEqual(['GGShadowService']);
    const delta = after.find((e) => e.topic.endsWith('/delta'))!;
    expect(delta.targets).toEqual([arnOf(fns.watcher)]);
    expect(JSON.parse(delta.payload.toString())).toMatchObject({ state: { level: 3 }, version: 1 });
  });

  it.skipIf(mqttSkip !== '')('serves a device on the shadow topics over MQTT, answering another device subscribed to them', async () => {
    const port = runtime.mqttAddress!.port;
    const panel = new MqttSub(port, ['-i', 'panel', '-t', '$aws/things/lamp/shadow/update/+', '-t', '$aws/things/lamp/shadow/get/+', '-d']);
    try {
      await panel.subscribed();
      const report = await mqttPub(port, ['-i', 'lamp', '-t', '$aws/things/lamp/shadow/update', '-m', '{"state":{"reported":{"level":3}},"clientToken":"dev"}', '-q', '1']);
      expect(report.status, report.output).toBe(0);
      const updates = await panel.waitForLines(2);
      expect(updates.map((line) => line.slice(0, line.indexOf(' ')))).toEqual([
        '$aws/things/lamp/shadow/update/accepted',
        '$aws/things/lamp/shadow/update/documents',
      ]);
      const accepted = JSON.parse(updates[0]!.slice(updates[0]!.indexOf(' ') + 1));
      expect(accepted).toMatchObject({ state: { reported: { level: 3 } }, version: 2, clientToken: 'dev' });
      expect((await mqttPub(port, ['-i', 'lamp', '-t', '$aws/things/lamp/shadow/get', '-m', '{"clientToken":"g"}', '-q', '1'])).status).toBe(0);
      const [, , line] = await panel.waitForLines(3);
      expect(line!.startsWith('$aws/things/lamp/shadow/get/accepted ')).toBe(true);
      const doc = JSON.parse(line!.slice(line!.indexOf(' ') + 1));
      // Desired level 3 (from the function) and reported level 3 (from the lamp): no delta left.
      expect(doc).toMatchObject({ state: { desired: { level: 3 }, reported: { level: 3 } }, version: 2, clientToken: 'g' });
      expect(doc.state.delta).toBeUndefined();
    } finally {
      panel.stop();
    }
  });

  it('gives an affiliated function its secret, GetSecretValue-shaped', async () => {
    const secret = await call('services', 'secret greengrass-db');
    expect(secret.status).toBe(0);
    expect(secret.body).toMatchObject({ ARN: SECRET_ARN, Name: 'greengrass-db', SecretString: 's3cr3t-value', VersionStages: ['AWSCURRENT'] });
    expect(secret.body.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret.body.CreatedDate).toBeTypeOf('number');
    expect((await call('services', `secret ${SECRET_ARN}`)).body.SecretString).toBe('s3cr3t-value');
  });

  it('refuses a function not affiliated with the secret, and names an unknown one', async () => {
    const refused = await call('stranger', 'secret greengrass-db');
    expect(refused.status).toBe(1);
    expect(refused.body.Status).toBe(401);
    expect(refused.body.Message).toContain('greengrass-db');
    expect(refused.body.SecretString).toBeUndefined();
    const unknown = await call('services', 'secret nothing-here');
    expect(unknown).toMatchObject({ status: 1, body: { Status: 404 } });
  });

  it('keeps the secret encrypted at rest', () => {
    for (const file of fs.readdirSync(path.join(dir, 'state'))) {
      if (!fs.statSync(path.join(dir, 'state', file)).isFile()) continue;
      const bytes = fs.readFileSync(path.join(dir, 'state', file));
      expect(bytes.includes('s3cr3t-value'), file).toBe(false);
    }
  });
});
