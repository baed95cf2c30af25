// Mutual TLS to the cloud, AWS IoT Core style, against a real mosquitto
// that requires client certificates: the right certificate connects and
// carries messages both ways; a client certificate from another CA, or a
// server the configured CA did not sign, never connects, shows in status()
// and takes nothing down.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudBridge } from '../src/cloud/cloud-bridge';
import { parseCloudSection, type CloudConfig } from '../src/cloud/cloud-config';
import { Fields } from '../src/config/fields';
import { makeCertificates, Mosquitto, mosquittoMissing, Observer, opensslMissing, type TestCertificates } from './helpers/mosquitto';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const missing = mosquittoMissing() ?? opensslMissing();
if (missing) console.warn(`skipping the cloud TLS tests: ${missing}`);

let broker: Mosquitto;
let certs: TestCertificates;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  if (missing) return;
  const dir = tempDir('cloud-tls');
  certs = makeCertificates(path.join(dir, 'certs'));
  broker = await Mosquitto.start(path.join(dir, 'broker'), {
    tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
  });
});
afterAll(async () => {
  await broker?.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((closable) => closable.close()));
});

let clients = 0;
/** A config as a user writes it: Tls paths relative to the config directory. */
function config(tls: { CaFile: string; CertFile: string; KeyFile: string }): CloudConfig {
  const baseDir = path.dirname(certs.caFile);
  const relative = Object.fromEntries(Object.entries(tls).map(([key, file]) => [key, path.relative(baseDir, file)]));
  const value = { Endpoint: broker.endpoint, ClientId: `tls-${process.pid}-${++clients}`, Tls: relative };
  return parseCloudSection(value, 'Nanolambda.Cloud', new Fields('test.json'), baseDir)!;
}

function bridgeWith(cloud: CloudConfig) {
  const inbound: string[] = [];
  const logs: Array<{ level: string; message: string }> = [];
  const bridge = new CloudBridge(cloud, tempDir('cloud-tls-state'), {
    onMessage: (topic, payload) => inbound.push(`${topic}=${payload.toString()}`),
    log: (level, message) => logs.push({ level, message }),
  });
  open.push(bridge);
  return { bridge, inbound, logs };
}

/** Connection attempts that failed so far (each one is logged, repeats at debug). */
const failedAttempts = (logs: Array<{ message: string }>) => logs.filter((l) => l.message.includes('cannot connect to')).length;

describe.skipIf(missing)('mutual TLS', () => {
  it('connects with a client certificate signed by the CA the broker trusts, and carries messages both ways', async () => {
    expect(broker.endpoint).toMatch(/^mqtts:\/\/127\.0\.0\.1:/);
    const o = await Observer.connect(broker, ['tls/up/#']);
    open.push(o);
    const { bridge, inbound } = bridgeWith(config({ CaFile: certs.caFile, CertFile: certs.clientCertFile, KeyFile: certs.clientKeyFile }));
    bridge.setInboundFilters(['tls/down/#']);
    bridge.start();
    await waitFor(() => bridge.status().connected, 15_000, 'connected over mutual TLS');

    bridge.publish('tls/up/1', Buffer.from('hello'));
    await waitFor(() => o.messages.length === 1, 10_000, 'the message at the observer');
    expect(o.messages[0]).toEqual({ topic: 'tls/up/1', payload: 'hello' });

    await waitFor(
      async () => {
        if (inbound.length > 0) return true;
        await o.publish('tls/down/1', 'world');
        return false;
      },
      15_000,
      'a message from the broker',
    );
    expect(inbound[0]).toBe('tls/down/1=world');
    expect(bridge.status()).toMatchObject({ connected: true, delivered: 1, lastError: undefined });
  });

  it('never connects with a client certificate from another CA: status shows why, it keeps trying, publish still queues', async () => {
    const { bridge, logs } = bridgeWith(config({ CaFile: certs.caFile, CertFile: certs.rogueClientCertFile, KeyFile: certs.rogueClientKeyFile }));
    bridge.start();
    // Two failed attempts: the first failure, and a retry after the backoff.
    await waitFor(() => failedAttempts(logs) >= 2, 20_000, 'two failed connection attempts');
    const status = bridge.status();
    expect(status.connected).toBe(false);
    expect(status.lastError).toContain('the broker refused our client certificate');
    expect(status.lastError).toContain('Cloud.Tls.CertFile');
    bridge.publish('tls/up/queued', Buffer.from('waits'));
    expect(bridge.status()).toMatchObject({ connected: false, queuedMessages: 1, delivered: 0 });
    // The first failure is news (info); the same failure again is not.
    expect(logs.filter((l) => l.level === 'info' && l.message.includes('cannot connect to'))).toHaveLength(1);
  });

  it('never connects to a server whose certificate the configured CA did not sign', async () => {
    const { bridge, logs } = bridgeWith(config({ CaFile: certs.rogueCaFile, CertFile: certs.clientCertFile, KeyFile: certs.clientKeyFile }));
    bridge.start();
    await waitFor(() => failedAttempts(logs) >= 1, 20_000, 'a failed connection attempt');
    expect(bridge.status().connected).toBe(false);
    expect(bridge.status().lastError).toContain("the broker's certificate is not trusted");
    expect(bridge.status().lastError).toContain('Cloud.Tls.CaFile');
  });
});
