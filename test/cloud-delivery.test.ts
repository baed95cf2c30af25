// The cloud bridge against a real mosquitto: outbound messages arrive in
// order, inbound ones reach onMessage for the filters asked for, and
// nothing is lost or reordered when the broker goes away and comes back
// or the bridge is replaced by a new one on the same state directory.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudBridge } from '../src/cloud/cloud-bridge';
import { parseCloudSection, type CloudConfig } from '../src/cloud/cloud-config';
import { Fields } from '../src/config/fields';
import { NanolambdaError } from '../src/errors';
import { Mosquitto, mosquittoMissing, Observer } from './helpers/mosquitto';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const missing = mosquittoMissing();
if (missing) console.warn(`skipping the cloud delivery tests: ${missing}`);

let broker: Mosquitto;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  if (missing) return;
  broker = await Mosquitto.start(tempDir('cloud-broker'));
});
afterAll(async () => {
  await broker?.stop();
});
afterEach(async () => {
  // A failed test may have stopped the broker: the next one needs it.
  await Promise.all(open.splice(0).map((closable) => closable.close()));
  if (broker) await broker.restart();
});

let clients = 0;
function config(section: Record<string, unknown> = {}): CloudConfig {
  const value = { Endpoint: broker.endpoint, ClientId: `bridge-${process.pid}-${++clients}`, ...section };
  return parseCloudSection(value, 'Nanolambda.Cloud', new Fields('test.json'), broker.dir)!;
}

interface Harness {
  bridge: CloudBridge;
  inbound: Array<{ topic: string; payload: string }>;
  logs: Array<{ level: string; message: string }>;
}

function bridgeOn(stateDir: string, cloud: CloudConfig): Harness {
  const inbound: Harness['inbound'] = [];
  const logs: Harness['logs'] = [];
  const bridge = new CloudBridge(cloud, stateDir, {
    onMessage: (topic, payload) => inbound.push({ topic, payload: payload.toString() }),
    log: (level, message) => logs.push({ level, message }),
  });
  open.push(bridge);
  return { bridge, inbound, logs };
}

async function observer(filters: string[]): Promise<Observer> {
  const o = await Observer.connect(broker, filters);
  open.push(o);
  return o;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

/**
 * What an at-least-once, in-order stream must equal 0..N-1 after: the first
 * time each message arrived. Repeats are allowed (a re-sent in-flight
 * message; the broker re-sending to the observer after its restart); a
 * loss leaves a gap and a reordering changes the order.
 */
function firstArrivals(payloads: string[]): string[] {
  return [...new Set(payloads)];
}

/** Publish `topic` from the observer until the bridge's onMessage sees it: the subscription is in place. */
async function untilSubscribed(h: Harness, o: Observer, topic: string): Promise<void> {
  let tries = 0;
  await waitFor(
    async () => {
      if (h.inbound.some((m) => m.topic === topic)) return true;
      if (tries++ % 20 === 0) await o.publish(topic, 'probe');
      return false;
    },
    15_000,
    `the bridge receiving ${topic}`,
  );
}

describe.skipIf(missing)('outbound', () => {
  it('delivers messages in the order they were published, each once, and counts them', async () => {
    const o = await observer(['up/#']);
    const h = bridgeOn(tempDir('cloud-order'), config());
    h.bridge.start();
    for (let i = 0; i < 100; i++) h.bridge.publish(`up/${i % 3}`, Buffer.from(String(i)));
    await waitFor(() => h.bridge.status().delivered === 100, 20_000, '100 messages acknowledged');
    await waitFor(() => o.messages.length >= 100, 10_000, '100 messages at the observer');
    expect(o.payloads()).toEqual(range(0, 100));
    expect(o.messages[4]).toEqual({ topic: 'up/1', payload: '4' });
    expect(h.bridge.status()).toEqual({ connected: true, queuedMessages: 0, queuedBytes: 0, dropped: 0, delivered: 100, lastError: undefined });
    expect(h.logs.some((l) => l.level === 'info' && l.message.includes(`connected to ${broker.endpoint}`))).toBe(true);
  });

  it('queues while the broker is down and delivers everything, in order, when it is back on the same port', async () => {
    const o = await observer(['up/#']);
    const h = bridgeOn(tempDir('cloud-outage'), config());
    h.bridge.start();
    for (let i = 0; i < 20; i++) h.bridge.publish('up/before', Buffer.from(String(i)));
    await waitFor(() => h.bridge.status().delivered === 20, 20_000, 'the first 20 acknowledged');

    await broker.stop();
    await waitFor(() => !h.bridge.status().connected, 10_000, 'the bridge noticing the outage');
    for (let i = 20; i < 70; i++) h.bridge.publish('up/during', Buffer.from(String(i)));
    const offline = h.bridge.status();
    expect(offline).toMatchObject({ connected: false, queuedMessages: 50, dropped: 0, delivered: 20 });
    expect(offline.queuedBytes).toBe(50 * 'up/during'.length + range(20, 70).join('').length);
    expect(offline.lastError).toBeTruthy();

    await broker.restart();
    await waitFor(() => h.bridge.status().queuedMessages === 0, 40_000, 'the queue drained after the broker came back');
    await waitFor(() => firstArrivals(o.payloads()).length >= 70, 10_000, '70 messages at the observer');
    expect(firstArrivals(o.payloads())).toEqual(range(0, 70));
    expect(h.bridge.status()).toMatchObject({ connected: true, delivered: 70, dropped: 0 });
    const infos = h.logs.filter((l) => l.level === 'info').map((l) => l.message);
    expect(infos.some((m) => m.includes('lost the connection'))).toBe(true);
  });

  it('re-sends the message in flight when the connection drops mid-stream: none lost, none reordered', async () => {
    const o = await observer(['up/#']);
    const h = bridgeOn(tempDir('cloud-cut'), config());
    h.bridge.start();
    await waitFor(() => h.bridge.status().connected, 10_000, 'connected');
    for (let i = 0; i < 300; i++) h.bridge.publish('up/stream', Buffer.from(String(i)));
    await waitFor(() => h.bridge.status().delivered >= 10, 20_000, 'some delivered');
    await broker.stop();
    expect(h.bridge.status().queuedMessages).toBeGreaterThan(0);
    await broker.restart();
    await waitFor(() => h.bridge.status().queuedMessages === 0, 60_000, 'the queue drained');
    await waitFor(() => firstArrivals(o.payloads()).length >= 300, 10_000, '300 messages at the observer');
    expect(firstArrivals(o.payloads())).toEqual(range(0, 300));
  });

  it('re-sends the message in flight when the broker dies without having read it', async () => {
    const o = await observer(['up/#']);
    // A clean restart saves the observer's session and subscription: they outlive the crash below.
    await broker.restart();
    const h = bridgeOn(tempDir('cloud-crash'), config());
    h.bridge.start();
    await waitFor(() => h.bridge.status().connected, 10_000, 'connected');
    h.bridge.publish('up/early', Buffer.from('early'));
    await waitFor(() => o.messages.length === 1, 10_000, 'the first message at the observer');

    broker.pause();
    // 'x' goes on the wire and waits in the frozen broker's socket; 'y' and 'z' wait in the queue.
    for (const payload of ['x', 'y', 'z']) h.bridge.publish('up/late', Buffer.from(payload));
    await broker.crash();
    expect(h.bridge.status().queuedMessages).toBe(3);
    await broker.restart();
    await waitFor(() => h.bridge.status().queuedMessages === 0, 30_000, 'the queue drained');
    await waitFor(() => o.messages.length >= 4, 10_000, 'x, y and z at the observer');
    expect(firstArrivals(o.payloads())).toEqual(['early', 'x', 'y', 'z']);
  });

  it('keeps queued messages across a new bridge on the same state directory (FileSystem)', async () => {
    const stateDir = tempDir('cloud-durable');
    await broker.stop();
    const first = bridgeOn(stateDir, config({ ClientId: 'durable' }));
    first.bridge.start();
    for (let i = 0; i < 30; i++) first.bridge.publish('up/durable', Buffer.from(String(i)));
    expect(first.bridge.status().queuedMessages).toBe(30);
    await first.bridge.close();
    expect(() => first.bridge.publish('up/durable', Buffer.from('late'))).toThrow(
      expect.objectContaining({ code: 'RUNTIME_STOPPED' }),
    );

    await broker.restart();
    const o = await observer(['up/#']);
    const second = bridgeOn(stateDir, config({ ClientId: 'durable' }));
    expect(second.bridge.status()).toMatchObject({ queuedMessages: 30, delivered: 0 });
    expect(second.logs.some((l) => l.message.includes('30 messages') && l.message.includes('earlier run'))).toBe(true);
    second.bridge.start();
    await waitFor(() => second.bridge.status().delivered === 30, 20_000, 'the second bridge delivering 30');
    await waitFor(() => o.messages.length >= 30, 10_000, '30 at the observer');
    expect(o.payloads()).toEqual(range(0, 30));
  });

  it('loses the queue on restart with Storage Memory, as configured', async () => {
    const stateDir = tempDir('cloud-memory');
    await broker.stop();
    const first = bridgeOn(stateDir, config({ Queue: { Storage: 'Memory' } }));
    first.bridge.publish('up/m', Buffer.from('x'));
    expect(first.bridge.status().queuedMessages).toBe(1);
    await first.bridge.close();
    const second = bridgeOn(stateDir, config({ Queue: { Storage: 'Memory' } }));
    expect(second.bridge.status().queuedMessages).toBe(0);
  });
});

describe.skipIf(missing)('inbound', () => {
  it('passes messages for the filters to onMessage, and filter changes take effect', async () => {
    const o = await observer(['unused/#']);
    const h = bridgeOn(tempDir('cloud-inbound'), config());
    h.bridge.setInboundFilters(['down/a/#']);
    h.bridge.start();
    await untilSubscribed(h, o, 'down/a/ready');

    // The broker forwards one publisher's messages in order: when down/a/1 is
    // in, down/b/1 (sent before it) would be too if it were subscribed.
    await o.publish('down/b/1', 'b1');
    await o.publish('down/a/1', 'a1');
    await waitFor(() => h.inbound.some((m) => m.topic === 'down/a/1'), 10_000, 'down/a/1');
    expect(h.inbound.find((m) => m.topic === 'down/a/1')!.payload).toBe('a1');
    expect(h.inbound.some((m) => m.topic.startsWith('down/b/'))).toBe(false);

    h.bridge.setInboundFilters(['down/b/+']);
    await untilSubscribed(h, o, 'down/b/ready');
    await o.publish('down/a/2', 'a2');
    await o.publish('down/b/2', 'b2');
    await waitFor(() => h.inbound.some((m) => m.topic === 'down/b/2'), 10_000, 'down/b/2');
    expect(h.inbound.some((m) => m.topic === 'down/a/2')).toBe(false);

    expect(() => h.bridge.setInboundFilters(['down/#/x'])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('subscribes again after the broker comes back, with filters changed while it was away', async () => {
    const o = await observer(['unused/#']);
    const h = bridgeOn(tempDir('cloud-resubscribe'), config());
    h.bridge.setInboundFilters(['old/#']);
    h.bridge.start();
    await untilSubscribed(h, o, 'old/ready');
    await broker.stop();
    await waitFor(() => !h.bridge.status().connected, 10_000, 'disconnected');
    h.bridge.setInboundFilters(['new/#']);
    await broker.restart();
    await untilSubscribed(h, o, 'new/ready');
    await o.publish('old/after', 'x');
    await o.publish('new/after', 'y');
    await waitFor(() => h.inbound.some((m) => m.topic === 'new/after'), 10_000, 'new/after');
    expect(h.inbound.some((m) => m.topic === 'old/after')).toBe(false);
  });

  it('with InboundQoS 1, gets the messages published while it was away (persistent session)', async () => {
    const o = await observer(['unused/#']);
    const stateDir = tempDir('cloud-session');
    const first = bridgeOn(stateDir, config({ ClientId: 'persistent-gw', InboundQoS: 1 }));
    first.bridge.setInboundFilters(['cmd/#']);
    first.bridge.start();
    await untilSubscribed(first, o, 'cmd/ready');
    await first.bridge.close();

    await o.publish('cmd/while-away', 'reboot');
    const second = bridgeOn(stateDir, config({ ClientId: 'persistent-gw', InboundQoS: 1 }));
    second.bridge.setInboundFilters(['cmd/#']);
    second.bridge.start();
    await waitFor(() => second.inbound.some((m) => m.topic === 'cmd/while-away'), 15_000, 'the message sent while away');
    expect(second.inbound.find((m) => m.topic === 'cmd/while-away')!.payload).toBe('reboot');
  });

  it('survives an onMessage that throws, and logs it', async () => {
    const o = await observer(['unused/#']);
    const logs: string[] = [];
    let calls = 0;
    const bridge = new CloudBridge(config(), tempDir('cloud-throws'), {
      onMessage: () => {
        calls++;
        throw new Error('handler bug');
      },
      log: (level, message) => logs.push(`${level} ${message}`),
    });
    open.push(bridge);
    bridge.setInboundFilters(['boom/#']);
    bridge.start();
    await waitFor(
      async () => {
        if (calls >= 2) return true;
        await o.publish('boom/x', 'x');
        return false;
      },
      15_000,
      'two messages handled',
    );
    expect(bridge.status().connected).toBe(true);
    expect(logs.some((l) => l.startsWith('error ') && l.includes('handler bug'))).toBe(true);
  });
});

describe.skipIf(missing)('publish input', () => {
  it('refuses a malformed topic and a message larger than the queue, queuing nothing', async () => {
    const h = bridgeOn(tempDir('cloud-input'), config({ Queue: { MaxBytes: 262_144 } }));
    const caught = (fn: () => void): NanolambdaError => {
      try {
        fn();
      } catch (error) {
        expect(NanolambdaError.is(error)).toBe(true);
        return error as NanolambdaError;
      }
      throw new Error('did not throw');
    };
    const wildcard = caught(() => h.bridge.publish('up/+/x', Buffer.from('x')));
    expect(wildcard.code).toBe('INVALID_PARAMETER');
    expect(wildcard.message).toContain('up/+/x');
    const tooLarge = caught(() => h.bridge.publish('up/big', Buffer.alloc(262_144)));
    expect(tooLarge.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooLarge.message).toContain('"up/big"');
    expect(tooLarge.message).toContain('262150 bytes');
    expect(tooLarge.message).toContain('Cloud.Queue.MaxBytes 262144');
    // Exactly at the bound fits.
    h.bridge.publish('up/big', Buffer.alloc(262_144 - 'up/big'.length));
    expect(h.bridge.status()).toMatchObject({ queuedMessages: 1, queuedBytes: 262_144, dropped: 0 });
  });
});
