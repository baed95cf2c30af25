// What the broker refuses: a message it answers with a PUBACK reason code
// (here an ACL denial, AWS IoT Core's "not authorized"), or one larger than
// the Maximum Packet Size it advertised, is dropped, counted and reported,
// and the messages behind it go out in order: nothing blocks the queue.
// A throttled message (quota exceeded) is sent again, not dropped; a refused
// subscription and a DISCONNECT with a reason are reported. Those three come
// from a scripted upstream, as mosquitto 2.0 shows none of them.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudBridge } from '../src/cloud/cloud-bridge';
import { parseCloudSection } from '../src/cloud/cloud-config';
import { Fields } from '../src/config/fields';
import { Mosquitto, mosquittoMissing, Observer } from './helpers/mosquitto';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const missing = mosquittoMissing();
if (missing) console.warn(`skipping the cloud refusal tests: ${missing}`);

const MAX_PACKET = 1000;
let broker: Mosquitto;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  if (missing) return;
  const dir = tempDir('cloud-refusals');
  const acl = path.join(dir, 'acl');
  fs.writeFileSync(acl, 'topic deny denied/#\ntopic readwrite #\n');
  broker = await Mosquitto.start(path.join(dir, 'broker'), { settings: [`acl_file ${acl}`, `max_packet_size ${MAX_PACKET}`] });
});
afterAll(async () => {
  await broker?.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((closable) => closable.close()));
});

function bridge(clientId = `refusals-${process.pid}`) {
  const cloud = parseCloudSection({ Endpoint: broker.endpoint, ClientId: clientId }, 'Nanolambda.Cloud', new Fields('test.json'), broker.dir)!;
  const warnings: string[] = [];
  const infos: string[] = [];
  const b = new CloudBridge(cloud, tempDir('cloud-refusals-state'), {
    onMessage: () => {},
    log: (level, message) => {
      if (level === 'warn') warnings.push(message);
      if (level === 'info') infos.push(message);
    },
  });
  open.push(b);
  return { bridge: b, warnings, infos };
}

describe.skipIf(missing)('messages the broker will not take', () => {
  it('drops one the broker refuses (PUBACK reason code) and sends the rest in order', async () => {
    const o = await Observer.connect(broker, ['#']);
    open.push(o);
    const { bridge: b, warnings } = bridge();
    b.publish('ok/1', Buffer.from('1'));
    b.publish('denied/2', Buffer.from('2'));
    b.publish('ok/3', Buffer.from('3'));
    b.start();
    await waitFor(() => b.status().queuedMessages === 0, 15_000, 'the queue drained');
    expect(b.status()).toMatchObject({ delivered: 2, dropped: 1 });
    await waitFor(() => o.messages.length >= 2, 10_000, 'two messages at the observer');
    expect(o.messages.map((m) => m.topic)).toEqual(['ok/1', 'ok/3']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('refused the message on "denied/2"');
    expect(warnings[0]).toContain('Not authorized');
  });

  it('drops one larger than the Maximum Packet Size the broker advertised, and sends the rest in order', async () => {
    const o = await Observer.connect(broker, ['#']);
    open.push(o);
    const { bridge: b, warnings } = bridge();
    b.start();
    await waitFor(() => b.status().connected, 10_000, 'connected');
    b.publish('big/1', Buffer.alloc(MAX_PACKET));
    b.publish('small/2', Buffer.from('fits'));
    await waitFor(() => b.status().queuedMessages === 0, 15_000, 'the queue drained');
    expect(b.status()).toMatchObject({ connected: true, delivered: 1, dropped: 1 });
    await waitFor(() => o.messages.length >= 1, 10_000, 'one message at the observer');
    expect(o.messages).toEqual([{ topic: 'small/2', payload: 'fits' }]);
    expect(warnings[0]).toContain(`takes at most ${MAX_PACKET}`);
  });
});

/**
 * An upstream that answers like AWS IoT Core where mosquitto 2.0 does not:
 * it reads each packet's first bytes and answers with what `reply` returns
 * (CONNACK for CONNECT, and so on), closing the connection after it if asked.
 */
async function scriptedUpstream(reply: (packet: Buffer) => { write: Buffer; thenClose?: boolean } | undefined): Promise<string> {
  const sockets: net.Socket[] = [];
  const upstream = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => {
      const answer = reply(chunk);
      if (answer?.thenClose) socket.end(answer.write);
      else if (answer) socket.write(answer.write);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  open.push({
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => upstream.close(() => resolve()));
    },
  });
  return `mqtt://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
}

const CONNACK = Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]); // no session, success, no properties
const CONNECT = 0x10;
const SUBSCRIBE = 0x82;
const PUBLISH_QOS1 = 0x32;

function bridgeTo(endpoint: string, onMessage: (topic: string) => void = () => {}) {
  const cloud = parseCloudSection({ Endpoint: endpoint }, 'Nanolambda.Cloud', new Fields('test.json'), tempDir('cloud-scripted'))!;
  const logs: Array<{ level: string; message: string }> = [];
  const b = new CloudBridge(cloud, tempDir('cloud-scripted-state'), {
    onMessage,
    log: (level, message) => logs.push({ level, message }),
  });
  open.push(b);
  return { bridge: b, logs };
}

describe('what mosquitto 2.0 does not show: a scripted upstream', () => {
  it('logs the reason the broker gave for closing the connection (MQTT 5 DISCONNECT), here a client id taken over', async () => {
    // mosquitto 2.0 closes a taken-over connection without a word; AWS IoT Core sends DISCONNECT 0x8E.
    const endpoint = await scriptedUpstream((packet) =>
      packet[0] === CONNECT ? { write: Buffer.concat([CONNACK, Buffer.from([0xe0, 0x02, 0x8e, 0x00])]), thenClose: true } : undefined,
    );
    const { bridge: b, logs } = bridgeTo(endpoint);
    b.start();
    await waitFor(() => logs.some((l) => l.message.includes('lost the connection')), 10_000, 'the connection lost');
    const lost = logs.find((l) => l.message.includes('lost the connection'))!;
    expect(lost.level).toBe('info');
    expect(lost.message).toContain('Session taken over (reason code 0x8e)');
  });

  it('sends a throttled message (PUBACK 0x97 quota exceeded) again later instead of dropping it', async () => {
    const seen: string[] = [];
    const endpoint = await scriptedUpstream((packet) => {
      if (packet[0] === CONNECT) return { write: CONNACK };
      if (packet[0] !== PUBLISH_QOS1) return undefined;
      // Short packets: 1-byte remaining length, then the topic, the packet id, 1-byte properties length, the payload.
      const topicLength = packet.readUInt16BE(2);
      const idAt = 4 + topicLength;
      seen.push(`${packet.subarray(4, idAt).toString()}=${packet.subarray(idAt + 3).toString()}`);
      const reason = seen.length === 1 ? 0x97 : 0x00;
      return { write: Buffer.from([0x40, 0x03, packet[idAt]!, packet[idAt + 1]!, reason]) };
    });
    const { bridge: b, logs } = bridgeTo(endpoint);
    b.publish('up/throttled', Buffer.from('once'));
    b.start();
    await waitFor(() => b.status().delivered === 1, 15_000, 'delivered after the throttling');
    expect(seen).toEqual(['up/throttled=once', 'up/throttled=once']);
    expect(b.status()).toMatchObject({ queuedMessages: 0, dropped: 0, delivered: 1 });
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('is throttling publishes'))).toBe(true);
  });

  it('warns about a subscription the broker refuses (SUBACK reason code) and stays connected', async () => {
    // mosquitto 2.0 grants any subscription and filters at delivery; AWS IoT Core refuses one its policy denies.
    const endpoint = await scriptedUpstream((packet) => {
      if (packet[0] === CONNECT) return { write: CONNACK };
      // SUBACK for the packet id after the 1-byte remaining length: no properties, 0x87 not authorized.
      if (packet[0] === SUBSCRIBE) return { write: Buffer.from([0x90, 0x04, packet[2]!, packet[3]!, 0x00, 0x87]) };
      return undefined;
    });
    const { bridge: b, logs } = bridgeTo(endpoint);
    b.setInboundFilters(['denied/#']);
    b.start();
    await waitFor(() => logs.some((l) => l.level === 'warn'), 10_000, 'a warning');
    const warning = logs.find((l) => l.level === 'warn')!.message;
    expect(warning).toContain('refused the subscription to "denied/#"');
    expect(warning).toContain('Not authorized');
    expect(b.status().connected).toBe(true);
  });
});
