// The bounded cloud queue: when full, DropOldest keeps the newest and
// DropNewest keeps the oldest, for both storages; drops are counted and
// logged without one line per message; a queue left larger than a lowered
// MaxBytes is trimmed by the same rule. What is kept is what the broker
// then receives.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudBridge } from '../src/cloud/cloud-bridge';
import { parseCloudSection, type CloudConfig } from '../src/cloud/cloud-config';
import { CLOUD_QUEUE_FILE } from '../src/cloud/sqlite-queue-storage';
import { Fields } from '../src/config/fields';
import { Mosquitto, mosquittoMissing, Observer } from './helpers/mosquitto';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const missing = mosquittoMissing();
if (missing) console.warn(`skipping the cloud queue tests: ${missing}`);

let broker: Mosquitto;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  if (missing) return;
  broker = await Mosquitto.start(tempDir('cloud-queue-broker'));
});
afterAll(async () => {
  await broker?.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((closable) => closable.close()));
});

let clients = 0;
function config(queue: Record<string, unknown>): CloudConfig {
  const value = { Endpoint: broker.endpoint, ClientId: `queue-${process.pid}-${++clients}`, Queue: queue };
  return parseCloudSection(value, 'Nanolambda.Cloud', new Fields('test.json'), broker.dir)!;
}

function bridgeOn(stateDir: string, cloud: CloudConfig) {
  const warnings: string[] = [];
  const bridge = new CloudBridge(cloud, stateDir, {
    onMessage: () => {},
    log: (level, message) => {
      if (level === 'warn') warnings.push(message);
    },
  });
  open.push(bridge);
  return { bridge, warnings };
}

const MAX = 262_144;
const TOPIC = 'q/big';
/** Two fit in MaxBytes, three do not. */
const PAYLOAD_BYTES = 100_000;
const big = (i: number) => Buffer.concat([Buffer.from(`${i}:`), Buffer.alloc(PAYLOAD_BYTES - `${i}:`.length, 'x')]);
const ONE = TOPIC.length + PAYLOAD_BYTES;

async function delivered(bridge: CloudBridge, count: number): Promise<string[]> {
  const o = await Observer.connect(broker, ['q/#']);
  open.push(o);
  bridge.start();
  await waitFor(() => o.messages.length >= count, 20_000, `${count} messages at the observer`);
  return o.messages.map((m) => m.payload.split(':')[0]!);
}

describe.skipIf(missing).each(['FileSystem', 'Memory'])('a full queue (Storage %s)', (storage) => {
  it('DropOldest keeps the newest, counts the drops, and delivers what it kept', async () => {
    const { bridge, warnings } = bridgeOn(tempDir('cloud-drop-oldest'), config({ MaxBytes: MAX, WhenFull: 'DropOldest', Storage: storage }));
    for (let i = 0; i < 5; i++) bridge.publish(TOPIC, big(i));
    expect(bridge.status()).toMatchObject({ queuedMessages: 2, queuedBytes: 2 * ONE, dropped: 3, delivered: 0 });
    expect(await delivered(bridge, 2)).toEqual(['3', '4']);
    await waitFor(() => bridge.status().delivered === 2, 10_000, 'both acknowledged');
    expect(bridge.status()).toMatchObject({ queuedMessages: 0, queuedBytes: 0, dropped: 3 });
    expect(warnings[0]).toContain('dropped 1 message for the cloud');
    expect(warnings[0]).toContain('Cloud.Queue.MaxBytes 262144');
    expect(warnings[0]).toContain('the oldest made room');
  });

  it('DropNewest keeps the oldest, counts the drops, and delivers what it kept', async () => {
    const { bridge, warnings } = bridgeOn(tempDir('cloud-drop-newest'), config({ MaxBytes: MAX, WhenFull: 'DropNewest', Storage: storage }));
    for (let i = 0; i < 5; i++) bridge.publish(TOPIC, big(i));
    expect(bridge.status()).toMatchObject({ queuedMessages: 2, queuedBytes: 2 * ONE, dropped: 3, delivered: 0 });
    expect(await delivered(bridge, 2)).toEqual(['0', '1']);
    expect(warnings[0]).toContain('the new message on "q/big" was not queued');
  });

  it('logs a flood of drops in a few lines, not one per message', async () => {
    const { bridge, warnings } = bridgeOn(tempDir('cloud-flood'), config({ MaxBytes: MAX, WhenFull: 'DropOldest', Storage: storage }));
    for (let i = 0; i < 2000; i++) bridge.publish('q/small', Buffer.alloc(1000));
    const kept = Math.floor(MAX / (1000 + 'q/small'.length));
    expect(bridge.status()).toMatchObject({ queuedMessages: kept, dropped: 2000 - kept });
    expect(warnings).toHaveLength(1);
    await bridge.close();
    // close() reports the drops not logged yet.
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain(`dropped ${2000 - kept - 1} messages more`);
  });
});

describe.skipIf(missing)('the message in flight', () => {
  it('can be dropped by DropOldest while it waits for its PUBACK: counted as dropped, never as delivered, and sending goes on', async () => {
    const o = await Observer.connect(broker, ['q/#']);
    open.push(o);
    const { bridge } = bridgeOn(tempDir('cloud-inflight'), config({ MaxBytes: MAX, WhenFull: 'DropOldest' }));
    bridge.start();
    await waitFor(() => bridge.status().connected, 10_000, 'connected');
    broker.pause();
    try {
      // 0 goes on the wire at once and waits for a PUBACK the frozen broker cannot send.
      for (let i = 0; i < 5; i++) bridge.publish(TOPIC, big(i));
      expect(bridge.status()).toMatchObject({ queuedMessages: 2, dropped: 3, delivered: 0 });
    } finally {
      broker.resume();
    }
    await waitFor(() => bridge.status().queuedMessages === 0, 15_000, 'the queue drained');
    expect(bridge.status()).toMatchObject({ dropped: 3, delivered: 2 });
    await waitFor(() => o.messages.length >= 3, 10_000, 'three messages at the observer');
    // 0 was already sent when it was dropped; 1 and 2 never left.
    expect(o.messages.map((m) => m.payload.split(':')[0])).toEqual(['0', '3', '4']);
  });
});

describe.skipIf(missing)('a queue left by an earlier run', () => {
  it('is trimmed to a lowered MaxBytes by the same rule (DropOldest: the newest stay)', async () => {
    const stateDir = tempDir('cloud-trim');
    const first = bridgeOn(stateDir, config({ MaxBytes: 1024 * 1024 }));
    for (let i = 0; i < 5; i++) first.bridge.publish(TOPIC, big(i));
    expect(first.bridge.status()).toMatchObject({ queuedMessages: 5, dropped: 0 });
    await first.bridge.close();

    const second = bridgeOn(stateDir, config({ MaxBytes: MAX, WhenFull: 'DropOldest' }));
    expect(second.bridge.status()).toMatchObject({ queuedMessages: 2, queuedBytes: 2 * ONE, dropped: 3 });
    expect(second.warnings[0]).toContain('larger than Cloud.Queue.MaxBytes 262144');
    expect(await delivered(second.bridge, 2)).toEqual(['3', '4']);
  });

  it('is trimmed from the newest end with DropNewest', async () => {
    const stateDir = tempDir('cloud-trim-newest');
    const first = bridgeOn(stateDir, config({ MaxBytes: 1024 * 1024 }));
    for (let i = 0; i < 5; i++) first.bridge.publish(TOPIC, big(i));
    await first.bridge.close();
    const second = bridgeOn(stateDir, config({ MaxBytes: MAX, WhenFull: 'DropNewest' }));
    expect(second.bridge.status()).toMatchObject({ queuedMessages: 2, dropped: 3 });
    expect(await delivered(second.bridge, 2)).toEqual(['0', '1']);
  });

  it('refuses a state directory that cannot hold it: STORAGE_FAILED naming it', () => {
    const notADirectory = path.join(tempDir('cloud-bad-state'), 'file');
    fs.writeFileSync(notADirectory, '');
    let caught: unknown;
    try {
      bridgeOn(notADirectory, config({}));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'STORAGE_FAILED' });
    expect((caught as Error).message).toContain(notADirectory);
  });

  it('is stored in <stateDir>/cloud-queue.db, private to its owner, committed when publish returns', async () => {
    const stateDir = path.join(tempDir('cloud-file'), 'state');
    const { bridge } = bridgeOn(stateDir, config({}));
    bridge.publish('q/one', Buffer.from('first'));
    bridge.publish('q/two', Buffer.from('second'));
    // Another connection sees only committed rows.
    const db = new Database(path.join(stateDir, CLOUD_QUEUE_FILE), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT topic, payload FROM outbound ORDER BY id').all() as Array<{ topic: string; payload: Buffer }>;
      expect(rows.map((r) => [r.topic, r.payload.toString()])).toEqual([
        ['q/one', 'first'],
        ['q/two', 'second'],
      ]);
    } finally {
      db.close();
    }
    expect(fs.statSync(path.join(stateDir, CLOUD_QUEUE_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(stateDir).mode & 0o777).toBe(0o700);
  });
});
