// Client devices on the embedded broker, driven by real MQTT clients
// (mosquitto_pub / mosquitto_sub): the group's subscriptions decide what a
// device may publish and subscribe to and what reaches it; devices are
// recognised by client id (plain MQTT on loopback) or by their certificate
// (TLS with client certificates). A C function sits between devices.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishEvent } from '../src/messaging/message-bus';
import { Runtime } from '../src/runtime';
import { editGroup } from './helpers/group-edit';
import { hasMosquittoClients, mqttPub, MqttSub } from './helpers/mqtt-clients';
import { arnOf, buildExecutable, ensureSdk, tempDir, writeGroup } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const thing = (name: string) => `arn:aws:iot:us-east-1:123456789012:thing/${name}`;
const skipReason = hasMosquittoClients() ? '' : 'mosquitto_pub/mosquitto_sub are not installed (apt-get install mosquitto-clients)';
if (skipReason) console.warn(`messaging-devices skipped: ${skipReason}`);

/** Write the group with a DeviceDefinitionVersion added. */
function groupWithDevices(dir: string, transform: string, devices: Array<{ name: string; cert?: string }>, nanolambda: Record<string, unknown>): string {
  const fn = { name: 'transform', executable: transform, env: { OUT_TOPIC: 'display/temp', TAG: 'T' } };
  const file = writeGroup(
    dir,
    [fn],
    [
      { source: thing('sensor-1'), subject: 'sensors/+/temp', target: arnOf(fn) },
      { source: arnOf(fn), subject: 'display/#', target: thing('display-1') },
      { source: thing('sensor-1'), subject: 'direct/#', target: thing('display-1') },
      { source: 'cloud', subject: 'direct/+', target: thing('other-1') },
      { source: arnOf(fn), subject: 'unheard/#', target: thing('other-1') },
    ],
    { StateDir: path.join(dir, 'state'), ...nanolambda },
  );
  editGroup(file, (json) => {
    json.DeviceDefinitionVersion = {
      Devices: devices.map((d, i) => ({
        Id: `d${i}`,
        ThingArn: thing(d.name),
        CertificateArn: `arn:aws:iot:us-east-1:123456789012:cert/${d.cert ?? crypto.createHash('sha256').update(d.name).digest('hex')}`,
        SyncShadow: false,
      })),
    };
  });
  return file;
}

describe.skipIf(skipReason !== '')('device broker: client id devices on loopback', () => {
  let dir: string;
  let runtime: Runtime;
  let port: number;
  const published: PublishEvent[] = [];
  const systemLog = () => fs.readFileSync(path.join(dir, 'logs', 'system', 'runtime.log'), 'utf8');

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('devices');
    const transform = buildExecutable(path.join(__dirname, 'fixtures', 'transform.c'), dir);
    const group = groupWithDevices(dir, transform, [{ name: 'sensor-1' }, { name: 'display-1' }, { name: 'other-1' }], {
      Mqtt: { Port: 0 },
      Messaging: { MaxMessageBytes: 1024 },
      LogLevel: 'DEBUG',
    });
    runtime = await Runtime.start({ group, http: false });
    runtime.messages.on('publish', (e: PublishEvent) => published.push(e));
    port = runtime.mqttAddress!.port;
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('a device publishes, a C function transforms, another device receives', async () => {
    const display = new MqttSub(port, ['-i', 'display-1', '-t', 'display/#', '-d']);
    try {
      await display.subscribed();
      const pub = await mqttPub(port, ['-i', 'sensor-1', '-t', 'sensors/kitchen/temp', '-m', 'hot today', '-q', '1']);
      expect(pub.status, pub.output).toBe(0);
      expect(await display.waitForLines(1)).toEqual(['display/temp T:HOT TODAY']);
      const fromSensor = published.find((e) => e.source === thing('sensor-1'));
      expect(fromSensor?.targets).toEqual([arnOf({ name: 'transform', executable: '' })]);
    } finally {
      display.stop();
    }
  });

  it('delivers a device-to-device message to its target only, not to every subscriber of the topic', async () => {
    const display = new MqttSub(port, ['-i', 'display-1', '-t', 'direct/#', '-d']);
    const other = new MqttSub(port, ['-i', 'other-1', '-t', 'direct/+', '-d']);
    try {
      await display.subscribed();
      await other.subscribed();
      expect((await mqttPub(port, ['-i', 'sensor-1', '-t', 'direct/x', '-m', 'for display'])).status).toBe(0);
      expect(await display.waitForLines(1)).toEqual(['direct/x for display']);
      await sleep(300);
      expect(other.lines).toEqual([]);
    } finally {
      display.stop();
      other.stop();
    }
  });

  it('refuses a client whose id is no device of the group', async () => {
    const pub = await mqttPub(port, ['-i', 'stranger', '-t', 'sensors/kitchen/temp', '-m', 'x']);
    expect(pub.status).not.toBe(0);
    expect(pub.output).toMatch(/not authori[sz]ed/i);
    expect(systemLog()).toContain('refused the connection of client "stranger"');
  });

  it('disconnects a device publishing where no subscription has it as the source', async () => {
    const before = published.length;
    const pub = await mqttPub(port, ['-i', 'sensor-1', '-t', 'elsewhere/x', '-m', 'x', '-q', '1']);
    expect(pub.status).not.toBe(0);
    expect(published.length).toBe(before);
    expect(systemLog()).toContain(`device ${thing('sensor-1')} (client sensor-1) was disconnected: no subscription has it as the source of elsewhere/x`);
  });

  it('denies a subscription no subscription of the group covers, grants the ones it does', async () => {
    const greedy = new MqttSub(port, ['-i', 'display-1', '-t', '#', '-d', '-W', '3']);
    const narrow = new MqttSub(port, ['-i', 'other-1', '-t', 'direct/a', '-d', '-W', '3']);
    try {
      await waitFor(() => greedy.output.includes('Subscribed (mid'), 10_000, 'SUBACK for #');
      await waitFor(() => narrow.output.includes('Subscribed (mid'), 10_000, 'SUBACK for direct/a');
      expect(greedy.output).toMatch(/Subscribed \(mid: \d+\): 128/);
      expect(narrow.output).toMatch(/Subscribed \(mid: \d+\): 0/);
    } finally {
      greedy.stop();
      narrow.stop();
    }
  });

  it('survives a device publishing to an invalid topic, directly or as its will', async () => {
    const long = `sensors/${'x'.repeat(300)}/temp`;
    const pub = await mqttPub(port, ['-i', 'sensor-1', '-t', long, '-m', 'x', '-q', '1']);
    expect(pub.status).not.toBe(0);
    expect(systemLog()).toContain('it published to an invalid topic');
    // A will with such a topic, published by the broker when the device vanishes.
    const willing = new MqttSub(port, ['-i', 'sensor-1', '-t', 'commands/none', '--will-topic', long, '--will-payload', 'gone', '-d']);
    await willing.subscribed().catch(() => undefined);
    willing.kill();
    await sleep(300);
    const after = await mqttPub(port, ['-i', 'sensor-1', '-t', 'direct/x', '-m', 'still here', '-q', '1']);
    expect(after.status, after.output).toBe(0);
  });

  it('closes a connection announcing a packet over the size limit before it authenticates', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // A CONNECT whose remaining length says 200 MB (0x80 0x80 0x80 0x64 is 209,715,200).
    socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x64, 0x00]));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(systemLog()).toMatch(/closed a connection from 127\.0\.0\.1 that sent a packet of 209715200 bytes/);
  });

  it('refuses a device message over the group message size limit', async () => {
    const pub = await mqttPub(port, ['-i', 'sensor-1', '-t', 'sensors/kitchen/temp', '-m', 'x'.repeat(1100), '-q', '1']);
    expect(pub.status).not.toBe(0);
    expect(systemLog()).toContain('its message on sensors/kitchen/temp is 1100 bytes, over the limit of 1024');
    // Far over the limit, the connection is closed as the packet arrives, before it is read whole.
    expect((await mqttPub(port, ['-i', 'sensor-1', '-t', 'sensors/kitchen/temp', '-m', 'x'.repeat(5000), '-q', '1'])).status).not.toBe(0);
    expect(systemLog()).toMatch(/closed a connection from 127\.0\.0\.1 that sent a packet of 50\d\d bytes, over the message size limit/);
  });

  it('refuses a function message over the limit with a named error, and counts unrouted ones at debug level', async () => {
    // The C function's gg_publish fails (it reports that as a handled error) ...
    const refused = await runtime.invoke('transform', 'y'.repeat(1100));
    expect(refused.functionError).toBe('Handled');
    expect(refused.payload.toString()).toContain('transform: publish failed');
    // ... because the bus refuses the message, naming it and the limit.
    expect(() => runtime.messages.publish(arnOf({ name: 'transform', executable: '' }), 'display/temp', Buffer.alloc(1030), false)).toThrow(
      /the message of 1030 bytes from .*transform:1 on display\/temp exceeds the message size limit of 1024 bytes \(Nanolambda.Messaging.MaxMessageBytes\)/,
    );
    const unroutedBefore = runtime.messages.unrouted;
    const event = runtime.messages.publish(arnOf({ name: 'transform', executable: '' }), 'nobody/listens', Buffer.from('x'), false);
    expect(event?.targets).toEqual([]);
    expect(runtime.messages.unrouted).toBe(unroutedBefore + 1);
    expect(systemLog()).toMatch(/\[DEBUG\]-router: no subscription routes the message from .*transform:1 on nobody\/listens \(1 bytes\): dropped/);
    // A target device that is not connected: undelivered, not an error.
    const unheard = runtime.messages.publish(arnOf({ name: 'transform', executable: '' }), 'unheard/x', Buffer.from('x'), false);
    expect(unheard?.undelivered).toEqual([thing('other-1')]);
  });
});

describe.skipIf(skipReason !== '')('device broker: TLS with device certificates', () => {
  let dir: string;
  let runtime: Runtime;
  let port: number;
  const published: PublishEvent[] = [];
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const certificateId = (file: string) => new crypto.X509Certificate(fs.readFileSync(path.join(dir, file))).fingerprint256.replace(/:/g, '').toLowerCase();

  /** A certificate authority (req -x509 marks it CA:TRUE). */
  function authority(name: string): void {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2']);
  }

  /** A key and a certificate signed by `ca`. */
  function issue(name: string, ca: string, extra: string[] = []): void {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extra]);
  }

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('devices-tls');
    const transform = buildExecutable(path.join(__dirname, 'fixtures', 'transform.c'), dir);
    authority('ca');
    fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    issue('server', 'ca', ['-extfile', 'server.ext']);
    issue('sensor', 'ca');
    issue('unlisted', 'ca');
    authority('rogue-ca');
    issue('rogue', 'rogue-ca');
    const group = groupWithDevices(dir, transform, [{ name: 'sensor-1', cert: certificateId('sensor.crt') }, { name: 'display-1' }], {
      Mqtt: { Port: 0, Tls: { CertFile: 'server.crt', KeyFile: 'server.key', CaFile: 'ca.crt' } },
    });
    runtime = await Runtime.start({ group, http: false });
    runtime.messages.on('publish', (e: PublishEvent) => published.push(e));
    port = runtime.mqttAddress!.port;
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  const tlsPub = (cert: string, clientId: string) =>
    mqttPub(port, ['--cafile', path.join(dir, 'ca.crt'), '--cert', path.join(dir, `${cert}.crt`), '--key', path.join(dir, `${cert}.key`),
      '-i', clientId, '-t', 'sensors/porch/temp', '-m', 'cold', '-q', '1']);

  it('recognises a device by its certificate, whatever its client id', async () => {
    const pub = await tlsPub('sensor', 'any-client-id');
    expect(pub.status, pub.output).toBe(0);
    await waitFor(() => published.some((e) => e.source === thing('sensor-1') && e.topic === 'sensors/porch/temp'), 10_000, 'the device message');
  });

  it('refuses a certificate the device CA did not sign, one of no device of the group, and a connection without one', async () => {
    expect((await tlsPub('rogue', 'sensor-1')).status).not.toBe(0);
    // Signed by the devices' CA, but no device has it: its client id claiming to be the sensor changes nothing.
    const unlisted = await tlsPub('unlisted', 'sensor-1');
    expect(unlisted.status).not.toBe(0);
    expect(unlisted.output).toMatch(/not authori[sz]ed/i);
    const bare = await mqttPub(port, ['--cafile', path.join(dir, 'ca.crt'), '-i', 'sensor-1', '-t', 'sensors/porch/temp', '-m', 'x', '-q', '1']);
    expect(bare.status).not.toBe(0);
    expect(published.filter((e) => e.topic === 'sensors/porch/temp')).toHaveLength(1);
  });
});
