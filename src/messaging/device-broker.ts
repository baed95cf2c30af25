// The MQTT broker client devices connect to (aedes, MQTT 3.1.1), embedded in
// the runtime. It is a gate, not a router: every message a device publishes
// goes to the bus (the group's subscriptions decide where it goes), and a
// device receives only what the bus delivers to it. aedes forwards a
// message to each subscriber through authorizeForward; the bus's deliveries
// are recognised there by their payload object (aedes keeps the reference),
// which carries the one device it is for. Everything else aedes would
// forward (a device's own publishes, retained messages, $SYS) is dropped.
//
// Whatever a client sends, nothing may throw out of aedes's hooks: they run
// in the socket's read handler, where a throw would end the runtime.
import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { MqttBrokerConfig } from '../config/mqtt-section';
import type { ComponentLog } from '../logs/system-log';
import type { DeviceDirectory } from './device-directory';
import type { MessageSink } from './message-bus';
import { PacketSizeGuard } from './packet-size-guard';
import { MAX_TOPIC_BYTES, topicProblem } from './topic-filter';

/** What aedes gives the hooks (the parts used here). */
interface BrokerClient {
  id: string;
  conn: net.Socket | tls.TLSSocket;
  close(): void;
}
interface PublishPacket {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}
interface AedesBroker {
  handle: (socket: net.Socket) => void;
  publish(packet: object, done: (error?: Error) => void): void;
  close(done: (...args: unknown[]) => void): void;
  on(event: string, listener: (...args: never[]) => void): void;
}

export interface DeviceBrokerHooks {
  /** Route a device's message (source: its thing ARN); throws when the message is refused. */
  publish(thingArn: string, topic: string, payload: Buffer): void;
  maxMessageBytes(): number;
  log: ComponentLog;
}

/** Connect refused: "not authorized" (MQTT 3.1.1 return code 5). */
const NOT_AUTHORIZED = 5;
/** Beyond the payload, a PUBLISH carries its topic (2 + up to MAX_TOPIC_BYTES) and a packet id. */
const PACKET_OVERHEAD = 2 + MAX_TOPIC_BYTES + 2 + 16;

export class DeviceBroker implements MessageSink {
  /** The thing each connected client was recognised as. */
  private readonly things = new WeakMap<BrokerClient, string>();
  /** Connected clients of each thing. */
  private readonly online = new Map<string, Set<BrokerClient>>();
  /** A bus delivery's payload object -> the thing it is for. */
  private readonly deliveries = new WeakMap<Buffer, string>();
  /** Every open connection, so close() never waits for a client that stalls. */
  private readonly sockets = new Set<net.Socket>();
  private broker!: AedesBroker;
  private closing: Promise<void> | undefined;
  private server!: net.Server;
  address!: { host: string; port: number };

  private constructor(
    private directory: DeviceDirectory,
    private readonly hooks: DeviceBrokerHooks,
    private readonly requireCertificates: boolean,
  ) {}

  static async start(config: MqttBrokerConfig, directory: DeviceDirectory, hooks: DeviceBrokerHooks): Promise<DeviceBroker> {
    const self = new DeviceBroker(directory, hooks, !!config.tls?.ca);
    // aedes is an ES module; Node 20.19+ loads it with require().
    const { Aedes } = require('aedes') as { Aedes: { createBroker(opts: object): Promise<AedesBroker> } };
    self.broker = await Aedes.createBroker({
      // Thing names are up to 128 characters (aedes allows 23 by default).
      maxClientsIdLength: 128,
      authenticate: (client: BrokerClient, _u: unknown, _p: unknown, done: (e: Error | null, ok: boolean) => void) => self.authenticate(client, done),
      authorizePublish: (client: BrokerClient | null, packet: PublishPacket, done: (e: Error | null) => void) => self.authorizePublish(client, packet, done),
      authorizeSubscribe: (client: BrokerClient, sub: { topic: string }, done: (e: Error | null, s: object | null) => void) =>
        done(null, self.maySubscribe(client, sub.topic) ? sub : null),
      authorizeForward: (client: BrokerClient, packet: PublishPacket) => (self.isFor(client, packet) ? packet : null),
    });
    try {
      self.server = self.listener(config);
      await new Promise<void>((resolve, reject) => {
        self.server.once('error', reject);
        self.server.listen(config.port, config.host, () => {
          self.server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await new Promise((resolve) => self.broker.close(resolve));
      const where = config.tls ? ' with Nanolambda.Mqtt.Tls' : '';
      throw new Error(`the device broker cannot listen on ${config.host}:${config.port}${where}: ${(error as Error).message}`, { cause: error });
    }
    self.address = { host: config.host, port: (self.server.address() as net.AddressInfo).port };
    self.broker.on('clientReady', (client: BrokerClient) => self.track(client, true));
    self.broker.on('clientDisconnect', (client: BrokerClient) => self.track(client, false));
    self.broker.on('clientError', (client: BrokerClient, error: Error) => hooks.log.info(`device client ${client.id}: ${error.message}`));
    hooks.log.info(`the device broker listens on ${config.host}:${self.address.port} (${config.tls ? (config.tls.ca ? 'TLS, device certificates' : 'TLS') : 'plain MQTT'})`);
    return self;
  }

  /** The listening server; throws for TLS material node cannot use (a key that does not match its certificate, say). */
  private listener(config: MqttBrokerConfig): net.Server {
    const accept = (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      PacketSizeGuard.attach(socket, () => this.hooks.maxMessageBytes() + PACKET_OVERHEAD, (bytes) =>
        this.hooks.log.warn(`closed a connection from ${socket.remoteAddress ?? '?'} that sent a packet of ${bytes} bytes, over the message size limit`),
      );
      this.broker.handle(socket);
    };
    if (!config.tls) return net.createServer(accept);
    const { cert, key, ca } = config.tls;
    const server = tls.createServer({ cert, key, ca, requestCert: !!ca, rejectUnauthorized: !!ca }, accept);
    // A handshake still under way is a socket too; one that fails (no or an unknown client certificate) never reaches aedes.
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) =>
      this.hooks.log.info(`a TLS connection from ${socket.remoteAddress ?? '?'} failed: ${error.message}`),
    );
    return server;
  }

  /** A deployment's devices and subscriptions; clients that are no longer recognised as the same device are disconnected. */
  useDirectory(directory: DeviceDirectory): void {
    this.directory = directory;
    for (const [thing, clients] of this.online) {
      for (const client of clients) {
        if (this.recognise(client) !== thing) client.close();
      }
    }
  }

  /** Send a routed message to the device `target` (a thing ARN); false when it is not connected. */
  deliver(target: string, topic: string, payload: Buffer): boolean {
    if (!this.online.has(target)) return false;
    // Its own object, so authorizeForward can tell which device it is for.
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    this.deliveries.set(view, target);
    this.broker.publish({ cmd: 'publish', topic, payload: view, qos: 0, retain: false, dup: false }, () => undefined);
    return true;
  }

  /** Stop listening and disconnect every client (once; later calls wait for the first). */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      this.broker.close(() => undefined);
      // Clients that never finished connecting would keep server.close() waiting for their timeouts.
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private authenticate(client: BrokerClient, done: (error: Error | null, ok: boolean) => void): void {
    let thing: string | undefined;
    try {
      thing = this.recognise(client);
    } catch (error) {
      this.hooks.log.warn(`could not recognise client ${JSON.stringify(client.id)}: ${(error as Error).message}`);
    }
    if (thing === undefined) {
      const error = Object.assign(new Error('not a device of this group'), { returnCode: NOT_AUTHORIZED });
      this.hooks.log.info(
        `refused the connection of client ${JSON.stringify(client.id)} from ${client.conn.remoteAddress ?? '?'}: ` +
          (this.requireCertificates ? "its certificate is not one of the group's devices" : 'its client id is not the thing name of a device of the group'),
      );
      done(error, false);
      return;
    }
    this.things.set(client, thing);
    done(null, true);
  }

  private recognise(client: BrokerClient): string | undefined {
    if (!this.requireCertificates) return this.directory.byClientId(client.id);
    const certificate = (client.conn as tls.TLSSocket).getPeerCertificate?.();
    if (!certificate?.raw) return undefined;
    return this.directory.byCertificateId(crypto.createHash('sha256').update(certificate.raw).digest('hex'));
  }

  private authorizePublish(client: BrokerClient | null, packet: PublishPacket, done: (error: Error | null) => void): void {
    const thing = client ? this.things.get(client) : undefined;
    if (thing === undefined) return done(new Error('the publisher is not a recognised device'));
    const refuse = (why: string) => {
      // MQTT 3.1.1 has no way to refuse one message: the device is disconnected (as AWS IoT does).
      this.hooks.log.warn(`device ${thing} (client ${client!.id}) was disconnected: ${why}`);
      done(new Error(why));
    };
    try {
      const limit = this.hooks.maxMessageBytes();
      const problem = topicProblem(packet.topic);
      if (problem !== undefined) return refuse(`it published to an invalid topic ${JSON.stringify(packet.topic.slice(0, 300))}: ${problem}`);
      if (packet.payload.length > limit) return refuse(`its message on ${packet.topic} is ${packet.payload.length} bytes, over the limit of ${limit}`);
      if (!this.directory.mayPublish(thing, packet.topic)) return refuse(`no subscription has it as the source of ${packet.topic}`);
      this.hooks.publish(thing, packet.topic, packet.payload);
    } catch (error) {
      return refuse((error as Error).message);
    }
    // Routed already: aedes's own forwarding finds no taker (isFor), and keeps nothing retained.
    packet.retain = false;
    done(null);
  }

  private maySubscribe(client: BrokerClient, filter: string): boolean {
    const thing = this.things.get(client);
    let allowed = false;
    try {
      allowed = thing !== undefined && this.directory.maySubscribe(thing, filter);
    } catch (error) {
      this.hooks.log.warn(`could not check the subscription of ${thing ?? client.id} to ${JSON.stringify(filter.slice(0, 300))}: ${(error as Error).message}`);
    }
    if (!allowed) this.hooks.log.info(`device ${thing ?? client.id} may not subscribe to ${JSON.stringify(filter.slice(0, 300))}: no subscription targets it there`);
    return allowed;
  }

  private isFor(client: BrokerClient, packet: PublishPacket): boolean {
    const target = this.deliveries.get(packet.payload);
    return target !== undefined && target === this.things.get(client);
  }

  private track(client: BrokerClient, connected: boolean): void {
    const thing = this.things.get(client);
    if (thing === undefined) return;
    const clients = this.online.get(thing) ?? new Set<BrokerClient>();
    if (connected) clients.add(client);
    else clients.delete(client);
    if (clients.size > 0) this.online.set(thing, clients);
    else this.online.delete(thing);
    this.hooks.log.info(`device ${thing} (client ${client.id}) ${connected ? 'connected' : 'disconnected'}`);
  }
}
