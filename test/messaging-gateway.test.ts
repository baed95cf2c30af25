// The whole gateway path with real parts: a device publishes with
// mosquitto_pub to the embedded broker, a C function transforms the message
// and publishes it to a cloud topic, a real upstream mosquitto receives it.
// The upstream goes down: messages queue (durably: also across a runtime
// restart); it comes back: they arrive, in order, none lost. Messages from
// the cloud reach the device subscribed to them.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { editGroup } from './helpers/group-edit';
import { mosquittoMissing, Mosquitto, Observer } from './helpers/mosquitto';
import { hasMosquittoClients, mqttPub, MqttSub } from './helpers/mqtt-clients';
import { arnOf, buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const thing = (name: string) => `arn:aws:iot:us-east-1:123456789012:thing/${name}`;
const skipReason = mosquittoMissing() ?? (hasMosquittoClients() ? '' : 'mosquitto_pub/mosquitto_sub are not installed (apt-get install mosquitto-clients)');
if (skipReason) console.warn(`messaging-gateway skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('device -> C function -> cloud, through an upstream outage', () => {
  let dir: string;
  let group: string;
  let upstream: Mosquitto;
  let observer: Observer;
  let runtime: Runtime;

  const send = async (message: string) => {
    const pub = await mqttPub(runtime.mqttAddress!.port, ['-i', 'sensor-1', '-t', 'sensors/porch', '-m', message, '-q', '1']);
    expect(pub.status, pub.output).toBe(0);
  };
  const cloudStatus = () => runtime.status().cloud!;

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('gateway');
    upstream = await Mosquitto.start(path.join(dir, 'upstream'));
    observer = await Observer.connect(upstream, ['gateway/#']);
    const transform = { name: 'transform', executable: buildExecutable(path.join(__dirname, 'fixtures', 'transform.c'), dir), env: { OUT_TOPIC: 'gateway/porch', TAG: 'porch' } };
    group = writeGroup(
      dir,
      [transform],
      [
        { source: thing('sensor-1'), subject: 'sensors/#', target: arnOf(transform) },
        { source: arnOf(transform), subject: 'gateway/#', target: 'cloud' },
        { source: 'cloud', subject: 'commands/+', target: thing('sensor-1') },
      ],
      { StateDir: path.join(dir, 'state'), Mqtt: { Port: 0 }, Cloud: { Endpoint: upstream.endpoint, ClientId: 'gateway-test' } },
    );
    editGroup(group, (json) => {
      json.DeviceDefinitionVersion = {
        Devices: [{ Id: 's1', ThingArn: thing('sensor-1'), CertificateArn: `arn:aws:iot:us-east-1:123456789012:cert/${'0f'.repeat(32)}` }],
      };
    });
    runtime = await Runtime.start({ group, http: false });
    await waitFor(() => cloudStatus().connected, 10_000, 'the cloud connection');
  });

  afterAll(async () => {
    await runtime?.stop();
    await observer?.close();
    await upstream?.stop();
  });

  it('delivers a transformed device message to the upstream broker', async () => {
    await send('hello');
    await waitFor(() => observer.messages.length >= 1, 10_000, 'the message upstream');
    expect(observer.messages).toEqual([{ topic: 'gateway/porch', payload: 'porch:HELLO' }]);
  });

  it('queues while the upstream is down and delivers everything in order when it is back', async () => {
    await upstream.stop();
    await waitFor(() => !cloudStatus().connected, 10_000, 'the bridge to notice the outage');
    for (let i = 1; i <= 20; i++) await send(`reading ${i}`);
    await waitFor(() => cloudStatus().queuedMessages === 20, 10_000, '20 queued messages');
    await upstream.restart();
    await waitFor(() => observer.messages.length >= 21, 20_000, 'the queued messages upstream');
    expect(observer.payloads().slice(1)).toEqual(Array.from({ length: 20 }, (_, i) => `porch:READING ${i + 1}`));
    expect(cloudStatus()).toMatchObject({ queuedMessages: 0, dropped: 0 });
  });

  it('keeps queued messages across a runtime restart', async () => {
    await upstream.stop();
    await waitFor(() => !cloudStatus().connected, 10_000, 'the bridge to notice the outage');
    await send('before restart');
    await waitFor(() => cloudStatus().queuedMessages === 1, 10_000, 'the queued message');
    // An invocation still running when the runtime stops publishes while it drains: kept too.
    const draining = runtime.invoke('transform', 'while stopping');
    await runtime.stop();
    expect((await draining).functionError).toBeUndefined();
    runtime = await Runtime.start({ group, http: false });
    expect(cloudStatus().queuedMessages).toBe(2);
    await upstream.restart();
    await waitFor(() => observer.messages.length >= 23, 20_000, 'the messages queued before the restart');
    expect(observer.payloads().slice(-2)).toEqual(['porch:BEFORE RESTART', 'porch:WHILE STOPPING']);
  });

  it('routes a message from the cloud to the device subscribed to it', async () => {
    await waitFor(() => cloudStatus().connected, 10_000, 'the cloud connection');
    const sensor = new MqttSub(runtime.mqttAddress!.port, ['-i', 'sensor-1', '-t', 'commands/+', '-d']);
    try {
      await sensor.subscribed();
      await observer.publish('commands/recalibrate', 'now');
      expect(await sensor.waitForLines(1)).toEqual(['commands/recalibrate now']);
    } finally {
      sensor.stop();
    }
  });
});
