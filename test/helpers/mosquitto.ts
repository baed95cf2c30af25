// A real mosquitto broker for tests: started on a free port with a config
// written to a temp dir, stopped and restarted on the SAME port (a cloud
// that goes away and comes back), optionally with a mutual-TLS listener
// whose CA, server and client certificates openssl makes for the test.
// Every broker also listens in plaintext on a second loopback port: that is
// where test observers connect, whatever the listener under test requires.
//
// Persistence is on: a clean stop (SIGTERM) saves sessions and their queued
// QoS 1 messages, so an observer with a persistent session misses nothing
// across a restart.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { waitFor } from './wait';

/** Why the broker tests cannot run here, or undefined when they can. */
export function mosquittoMissing(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  if (found.status !== 0) return 'mosquitto is not installed (apt-get install mosquitto)';
  return undefined;
}

/** Why the TLS tests cannot run here, or undefined when they can. */
export function opensslMissing(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' });
  if (found.status !== 0) return 'openssl is not installed (apt-get install openssl)';
  return undefined;
}

export interface TlsListener {
  /** The CA whose signatures on client certificates the broker accepts. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

export class Mosquitto {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    /** The listener under test: TLS when the broker was started with TLS. */
    readonly port: number,
    /** Plaintext, for observers. */
    readonly observerPort: number,
    private readonly configFile: string,
    private readonly tls: boolean,
  ) {}

  /** The listener under test as an endpoint: mqtts:// with TLS. */
  get endpoint(): string {
    return `${this.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  /** `settings`: more global mosquitto.conf lines (max_packet_size, acl_file, ...). */
  static async start(dir: string, options: { tls?: TlsListener; settings?: string[] } = {}): Promise<Mosquitto> {
    const { tls, settings = [] } = options;
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const observerPort = await freePort();
    const lines = [
      // Running as root, mosquitto would switch to a user who cannot read the private temp dir.
      'user root',
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type all',
      ...settings,
      `listener ${port} 127.0.0.1`,
      ...(tls
        ? [`cafile ${tls.caFile}`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`, 'require_certificate true']
        : []),
      `listener ${observerPort} 127.0.0.1`,
    ];
    const configFile = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(configFile, lines.join('\n') + '\n');
    const broker = new Mosquitto(dir, port, observerPort, configFile, tls !== undefined);
    await broker.launch();
    return broker;
  }

  /** Stop cleanly (SIGTERM: sessions are saved); resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }

  /** Freeze the broker (SIGSTOP): connections stay open, nothing is answered (no PUBACK) until resume(). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kill the broker (SIGKILL): nothing since its last clean stop is saved, what it had not read is lost. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Start again on the same ports with the same config and saved state. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  private async launch(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'mosquitto.log'), 'a');
    const child = spawn('mosquitto', ['-c', this.configFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.child = child;
    let exitedEarly = false;
    this.exited = new Promise((resolve) => child.once('exit', () => {
      exitedEarly = true;
      resolve();
    }));
    // Both listeners accept connections: the broker is up.
    for (const port of [this.port, this.observerPort]) {
      await waitFor(
        async () => {
          if (exitedEarly) throw new Error(`mosquitto exited at start; see ${path.join(this.dir, 'mosquitto.log')}`);
          return accepts(port);
        },
        10_000,
        `mosquitto accepting connections on port ${port}`,
      );
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ReceivedMessage {
  topic: string;
  payload: string;
}

/**
 * An MQTT client on the broker's observer port, subscribed at QoS 1 with a
 * persistent session: it sees what the code under test sends, also across
 * a broker restart.
 */
export class Observer {
  readonly messages: ReceivedMessage[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.messages.push({ topic, payload: payload.toString() }));
  }

  static async connect(broker: Mosquitto, filters: string[], clientId = `observer-${process.pid}-${Math.random().toString(16).slice(2)}`): Promise<Observer> {
    const client = connect({ host: '127.0.0.1', port: broker.observerPort, clientId, clean: false, reconnectPeriod: 100, protocolVersion: 4 });
    client.on('error', () => {
      // Reconnects on its own; errors while the broker is down are expected.
    });
    const observer = new Observer(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(filters, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    });
    return observer;
  }

  /** Publish as another client of the broker would (QoS 1: the broker has it when this resolves). */
  async publish(topic: string, payload: string): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  payloads(): string[] {
    return this.messages.map((message) => message.payload);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export interface TestCertificates {
  /** The CA the broker trusts for clients and that signed the server certificate. */
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate signed by caFile. */
  clientCertFile: string;
  clientKeyFile: string;
  /** Another CA, trusted by nobody. */
  rogueCaFile: string;
  /** A client certificate signed by the rogue CA. */
  rogueClientCertFile: string;
  rogueClientKeyFile: string;
}

/** Make a CA, a server certificate for 127.0.0.1/localhost, and client certificates (P-256 keys: quick to make). */
export function makeCertificates(dir: string): TestCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const makeCa = (name: string) => openssl('req', '-x509', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-days', '2', '-subj', `/CN=${name}`);
  const makeSigned = (name: string, ca: string, extensions: string) => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    openssl('req', '-new', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.crt`), '-CAkey', file(`${ca}.key`), '-CAcreateserial',
      '-out', file(`${name}.crt`), '-days', '2', '-extfile', file(`${name}.ext`));
  };

  makeCa('ca');
  makeCa('rogue-ca');
  makeSigned('server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeSigned('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  makeSigned('rogue-client', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    rogueCaFile: file('rogue-ca.crt'),
    rogueClientCertFile: file('rogue-client.crt'),
    rogueClientKeyFile: file('rogue-client.key'),
  };
}
