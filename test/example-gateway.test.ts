// The README's gateway walkthrough, as a user runs it: examples/gateway/group.json
// under `nanolambda start`, a device (mosquitto_pub) whose reading the relay
// function forwards to the cloud, a real upstream mosquitto receiving it, and
// a command from the cloud reaching the device. The file's fixed ports and
// paths are moved aside so the test runs anywhere; nothing else changes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startCli, type StartedCli } from './helpers/cli';
import { mosquittoMissing, Mosquitto, Observer } from './helpers/mosquitto';
import { hasMosquittoClients, mqttPub, MqttSub } from './helpers/mqtt-clients';
import { ensureSdk, repoRoot, tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const skipReason = mosquittoMissing() ?? (hasMosquittoClients() ? '' : 'mosquitto_pub/mosquitto_sub are not installed (apt-get install mosquitto-clients)');
if (skipReason) console.warn(`example-gateway skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('examples/gateway/group.json', () => {
  let dir: string;
  let upstream: Mosquitto;
  let observer: Observer;
  let gateway: StartedCli;
  let devicePort: number;

  beforeAll(async () => {
    ensureSdk();
    ensureBuilt();
    dir = tempDir('example-gateway');
    upstream = await Mosquitto.start(path.join(dir, 'upstream'));
    observer = await Observer.connect(upstream, ['gateway/#']);
    const example = path.join(repoRoot, 'examples', 'gateway');
    const group = JSON.parse(fs.readFileSync(path.join(example, 'group.json'), 'utf8'));
    const local = group.Nanolambda;
    for (const arn of Object.keys(local.Code)) local.Code[arn] = path.resolve(example, local.Code[arn]);
    Object.assign(local, { Mqtt: { Port: 0 }, Http: { Port: 0 }, StateDir: path.join(dir, 'state'), LogDir: path.join(dir, 'logs') });
    local.Cloud.Endpoint = upstream.endpoint;
    const file = path.join(dir, 'group.json');
    fs.writeFileSync(file, JSON.stringify(group, null, 2));
    gateway = await startCli([file], dir);
    await waitFor(() => /Client devices connect to MQTT on 127\.0\.0\.1:(\d+)/.test(gateway.output().stdout), 10_000, 'the device broker line');
    devicePort = Number(/Client devices connect to MQTT on 127\.0\.0\.1:(\d+)/.exec(gateway.output().stdout)![1]);
  });

  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await observer?.close();
    await upstream?.stop();
  });

  it('forwards a device reading through the relay function to the cloud', async () => {
    const pub = await mqttPub(devicePort, ['-i', 'sensor-1', '-t', 'sensors/porch', '-m', '21.5', '-q', '1']);
    expect(pub.status, pub.output).toBe(0);
    await waitFor(() => observer.messages.length >= 1, 15_000, 'the reading upstream');
    expect(observer.messages).toEqual([{ topic: 'gateway/readings', payload: '21.5' }]);
  });

  it('delivers a command from the cloud to the device', async () => {
    const sensor = new MqttSub(devicePort, ['-i', 'sensor-1', '-t', 'commands/#', '-d']);
    try {
      await sensor.subscribed();
      await observer.publish('commands/calibrate', 'now');
      expect(await sensor.waitForLines(1)).toEqual(['commands/calibrate now']);
    } finally {
      sensor.stop();
    }
  });
});
