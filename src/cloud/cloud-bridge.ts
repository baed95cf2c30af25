// The cloud bridge: one MQTT connection upstream (AWS IoT Core or any
// broker), carrying cloud-bound messages out through a bounded FIFO queue and
// messages for the subscriptions whose Source is "cloud" in.
//
// Outbound, as Greengrass V1's spooler: strict FIFO, QoS 1, one message in
// flight. A message leaves the queue only when its PUBACK arrives; when the
// connection drops first, it is sent again, first, on the next connection
// (at least once: a duplicate is possible, a loss or a reordering is not).
// A message the broker refuses with a PUBACK reason code (not authorized,
// invalid topic, ...) or that is larger than the broker takes is dropped,
// counted and reported, so it cannot block the queue forever; a throttled
// one (quota exceeded) is tried again later.
//
// Connection: a new mqtt.js client per attempt, attempts spaced by a capped
// backoff (1 s .. 30 s), forever. Nothing about the connection ever throws
// out of the bridge: failures become log lines and status().lastError.
import type { IConnackPacket, IDisconnectPacket, MqttClient } from 'mqtt';
import { NanolambdaError } from '../errors';
import { checkTopic, topicProblem } from '../messaging/topic-filter';
import { clientOptions } from './client-options';
import { describeConnectionError } from './connection-error';
import type { CloudConfig } from './cloud-config';
import { DropReport } from './drop-report';
import { InboundSubscriptions } from './inbound-subscriptions';
import { MemoryQueueStorage } from './memory-queue-storage';
import { OutboundQueue } from './outbound-queue';
import { publishPacketBytes } from './publish-packet-size';
import type { QueuedMessage } from './queue-storage';
import { ReconnectBackoff } from './reconnect-backoff';
import { SqliteQueueStorage } from './sqlite-queue-storage';

/**
 * mqtt.js, loaded at the first connection: its ~120 modules add about
 * 4.5 MiB to an idle runtime's RSS, which a group without a Cloud section
 * should not pay.
 */
function mqtt(): typeof import('mqtt') {
  return require('mqtt') as typeof import('mqtt');
}

export type CloudLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CloudBridgeHooks {
  /** A message from the cloud on a topic matching one of the inbound filters. */
  onMessage(topic: string, payload: Buffer): void;
  log(level: CloudLogLevel, message: string): void;
}

export interface CloudBridgeStatus {
  connected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  /** Messages dropped since this bridge was made (queue full, refused by the broker). */
  dropped: number;
  /** Messages acknowledged by the broker since this bridge was made. */
  delivered: number;
  /** Why the last connection attempt failed or the connection was lost; undefined while connected. */
  lastError: string | undefined;
}

/** MQTT 5 PUBACK reason code: the broker is throttling us; the message is fine. */
const QUOTA_EXCEEDED = 0x97;
/** How long close() lets the in-flight message finish before cutting the connection. */
const CLOSE_GRACE_MS = 2_000;

/** The message on the wire: `abandoned` once DropOldest removed it from the queue while it was in flight. */
interface Sending {
  message: QueuedMessage;
  client: MqttClient;
  abandoned: boolean;
}

export class CloudBridge {
  private readonly queue: OutboundQueue;
  private readonly drops: DropReport;
  private readonly endpoint: string;
  private readonly connectBackoff = new ReconnectBackoff();
  private readonly throttleBackoff = new ReconnectBackoff();
  private readonly inbound: InboundSubscriptions;
  private client: MqttClient | undefined;
  private connected = false;
  private sending: Sending | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Set while sending waits: after a throttled publish or a storage error. */
  private resumeTimer: NodeJS.Timeout | undefined;
  /** The largest packet the broker takes (CONNACK), if it said. */
  private maxPacketBytes: number | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private dropped = 0;
  private delivered = 0;
  private lastError: string | undefined;
  /** The last connection failure logged at info: the same failure again is logged at debug. */
  private loggedFailure: string | undefined;
  /** Called when the message in flight is settled (acknowledged, refused or its connection lost): close() waits for it. */
  private settled: (() => void) | undefined;

  /** Opens the queue (STORAGE_FAILED when <stateDir>/cloud-queue.db cannot be opened); connects only on start(). */
  constructor(
    private readonly config: CloudConfig,
    stateDir: string,
    private readonly hooks: CloudBridgeHooks,
  ) {
    this.endpoint = config.endpoint.text;
    this.drops = new DropReport((message) => this.log('warn', message));
    this.inbound = new InboundSubscriptions(config.inboundQos, () => this.client, (message) => this.log('warn', `${this.endpoint}: ${message}`));
    const storage = config.queue.storage === 'FileSystem' ? new SqliteQueueStorage(stateDir) : new MemoryQueueStorage();
    this.queue = new OutboundQueue(storage, config.queue.maxBytes, config.queue.whenFull);
    const trimmed = this.queue.trimToBound();
    if (trimmed > 0) {
      this.dropped += trimmed;
      this.drops.record(
        trimmed,
        `the queue left by an earlier run is larger than Cloud.Queue.MaxBytes ${config.queue.maxBytes} (${config.queue.whenFull})`,
      );
    }
    if (this.queue.count > 0) {
      this.log('info', `${this.queue.count} messages (${this.queue.bytes} bytes) queued by an earlier run wait for ${this.endpoint}`);
    }
  }

  /** Connect, and keep reconnecting until close(). */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.connect();
  }

  /**
   * The topic filters to subscribe to upstream (the subscriptions whose
   * Source is "cloud"). Applied at once when connected, and on every
   * connection. Throws INVALID_PARAMETER naming a malformed filter (and then
   * changes nothing).
   */
  setInboundFilters(filters: readonly string[]): void {
    this.inbound.set(filters);
    if (this.connected && this.client) this.inbound.sync(this.client);
  }

  /**
   * Queue a message for the cloud; with FileSystem storage it is committed
   * to disk before this returns. Being offline is not an error. Throws
   * INVALID_PARAMETER for a malformed topic, PAYLOAD_TOO_LARGE when the
   * message alone exceeds Queue.MaxBytes, STORAGE_FAILED when the disk
   * refuses it, RUNTIME_STOPPED after close().
   */
  publish(topic: string, payload: Buffer): void {
    if (this.closing) throw new NanolambdaError('RUNTIME_STOPPED', `the cloud bridge to ${this.endpoint} is closed: the message for ${JSON.stringify(topic)} was not queued`);
    checkTopic(topic);
    const result = this.queue.push(topic, payload);
    const full = `the cloud queue is full (Cloud.Queue.MaxBytes ${this.queue.maxBytes}, WhenFull ${this.queue.whenFull})`;
    if (!result.stored) {
      this.dropped++;
      this.drops.record(1, `${full}: the new message on ${JSON.stringify(topic)} was not queued`);
    }
    if (result.droppedIds.length > 0) {
      this.dropped += result.droppedIds.length;
      if (this.sending && result.droppedIds.includes(this.sending.message.id)) this.sending.abandoned = true;
      this.drops.record(result.droppedIds.length, `${full}: the oldest made room for the newest`);
    }
    this.pump();
  }

  status(): CloudBridgeStatus {
    return {
      connected: this.connected,
      queuedMessages: this.queue.count,
      queuedBytes: this.queue.bytes,
      dropped: this.dropped,
      delivered: this.delivered,
      lastError: this.connected ? undefined : this.lastError,
    };
  }

  /**
   * Disconnect and stop reconnecting. The message in flight gets a moment to
   * be acknowledged; whatever is not stays queued (FileSystem: on disk, for
   * the next bridge on this state directory).
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.resumeTimer);
    // Its PUBACK spares the next bridge a duplicate.
    if (this.sending) await this.inFlightSettled(CLOSE_GRACE_MS);
    const client = this.client;
    if (client) await endClient(client, this.connected && !this.sending);
    this.client = undefined;
    this.connected = false;
    this.sending = undefined;
    this.drops.flush();
    this.log('info', `closed the connection to ${this.endpoint}; ${this.queue.count} messages stay queued`);
    this.queue.close();
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closing) return;
    let client: MqttClient;
    try {
      client = mqtt().connect(clientOptions(this.config));
    } catch (error) {
      this.attemptFailed((error as Error).message);
      return;
    }
    this.client = client;
    // Every handler first checks that its client is still the current one:
    // a replaced client's late events must not touch the bridge. The error
    // handler also keeps an 'error' event from being thrown.
    client.on('connect', (connack) => this.onConnect(client, connack));
    client.on('message', (topic, payload) => this.onInbound(client, topic, payload));
    client.on('error', (error) => this.onError(client, error));
    client.on('disconnect', (packet) => this.onDisconnectPacket(client, packet));
    client.on('close', () => this.onClose(client));
  }

  private onConnect(client: MqttClient, connack: IConnackPacket): void {
    if (client !== this.client || this.closing) return;
    this.connected = true;
    this.lastError = undefined;
    this.loggedFailure = undefined;
    this.connectBackoff.reset();
    this.maxPacketBytes = connack.properties?.maximumPacketSize;
    this.log('info', `connected to ${this.endpoint} as ${this.config.clientId}; ${this.queue.count} messages queued`);
    this.inbound.connected(client, connack.sessionPresent);
    this.pump();
  }

  private onError(client: MqttClient, error: Error): void {
    if (client !== this.client) return;
    this.lastError = describeConnectionError(error);
    this.log('debug', `connection to ${this.endpoint}: ${error.message.trim()}`);
  }

  /** The broker said why it is closing the connection (MQTT 5), e.g. another client took over our client id. */
  private onDisconnectPacket(client: MqttClient, packet: IDisconnectPacket): void {
    if (client !== this.client) return;
    const code = packet.reasonCode ?? 0;
    const name = (mqtt().ReasonCodes as Record<number, string>)[code] ?? 'unknown reason';
    this.lastError = `the broker closed the connection: ${name} (reason code 0x${code.toString(16)})`;
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    const wasConnected = this.connected;
    this.connected = false;
    // The message in flight goes again, first, on the next connection.
    this.sending = undefined;
    this.settled?.();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    // Stops the old client's timers; its late events are ignored (see connect()).
    client.end(true);
    if (this.closing) return;
    if (!wasConnected) {
      this.attemptFailed(this.lastError ?? 'the connection closed before the broker accepted it');
      return;
    }
    this.lastError ??= 'the connection closed';
    const delay = this.connectBackoff.next();
    this.log('info', `lost the connection to ${this.endpoint} (${this.lastError}); ${this.queue.count} messages queued; reconnecting in ${seconds(delay)}`);
    this.scheduleConnect(delay);
  }

  private attemptFailed(reason: string): void {
    this.lastError = reason;
    const delay = this.connectBackoff.next();
    // A state change is logged at info; the same failure again and again is not news.
    const level = reason === this.loggedFailure ? 'debug' : 'info';
    this.loggedFailure = reason;
    this.log(level, `cannot connect to ${this.endpoint}: ${reason}; trying again in ${seconds(delay)}`);
    this.scheduleConnect(delay);
  }

  private scheduleConnect(delay: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onInbound(client: MqttClient, topic: string, payload: Buffer): void {
    if (client !== this.client || this.closing) return;
    const problem = topicProblem(topic);
    if (problem) {
      // debug: a broker sending many such messages must not flood the log.
      this.log('debug', `ignored a message from ${this.endpoint} on ${JSON.stringify(topic.slice(0, 300))}: ${problem}`);
      return;
    }
    if (!this.inbound.wants(topic)) {
      this.log('debug', `ignored a message from ${this.endpoint} on ${JSON.stringify(topic)}: no inbound filter matches it`);
      return;
    }
    try {
      this.hooks.onMessage(topic, payload);
    } catch (error) {
      this.log('error', `handling a message from ${this.endpoint} on ${JSON.stringify(topic)} failed: ${(error as Error).message}`);
    }
  }

  /** Send the oldest message unless one is in flight. Never throws: a storage failure is logged and retried. */
  private pump(): void {
    try {
      this.sendNext();
    } catch (error) {
      this.log('error', `${(error as Error).message}; trying again in 1 s`);
      this.pauseSending(1000);
    }
  }

  private sendNext(): void {
    for (;;) {
      const client = this.client;
      if (this.closing || !this.connected || !client || this.sending || this.resumeTimer) return;
      const message = this.queue.first();
      if (!message) return;
      const packetBytes = publishPacketBytes(message.topic, message.payload);
      if (this.maxPacketBytes !== undefined && packetBytes > this.maxPacketBytes) {
        this.queue.remove(message.id);
        this.dropped++;
        this.drops.record(
          1,
          `the message on ${JSON.stringify(message.topic)} is a ${packetBytes}-byte MQTT packet; ${this.endpoint} takes at most ${this.maxPacketBytes}`,
        );
        continue;
      }
      const sending: Sending = { message, client, abandoned: false };
      this.sending = sending;
      client.publish(message.topic, message.payload, { qos: 1 }, (error) => this.onPublished(sending, error));
      return;
    }
  }

  private onPublished(sending: Sending, error: Error | undefined): void {
    // Not the message in flight any more: its connection closed, and it goes again on the next.
    if (this.sending !== sending) return;
    const reasonCode = (error as { code?: unknown } | undefined)?.code;
    if (error && typeof reasonCode !== 'number') {
      // Not the broker's answer: the connection is failing. Closing it sends the message again on the next.
      if (sending.client === this.client) {
        this.lastError = error.message;
        sending.client.end(true);
      }
      return;
    }
    this.sending = undefined;
    this.settled?.();
    if (error && reasonCode === QUOTA_EXCEEDED) {
      const delay = this.throttleBackoff.next();
      this.log('warn', `${this.endpoint} is throttling publishes (${error.message}); sending again in ${seconds(delay)}`);
      this.pauseSending(delay);
      return;
    }
    try {
      if (!sending.abandoned) this.queue.remove(sending.message.id);
    } catch (storageError) {
      this.log('error', `${(storageError as Error).message}; the message may be sent again`);
    }
    if (error) {
      if (!sending.abandoned) {
        this.dropped++;
        this.drops.record(1, `${this.endpoint} refused the message on ${JSON.stringify(sending.message.topic)}: ${error.message}`);
      }
    } else {
      this.throttleBackoff.reset();
      if (!sending.abandoned) this.delivered++;
    }
    this.pump();
  }

  private pauseSending(delay: number): void {
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.pump();
    }, delay);
  }

  private inFlightSettled(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.settled = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.settled = done;
    });
  }

  private log(level: CloudLogLevel, message: string): void {
    try {
      this.hooks.log(level, message);
    } catch {
      // A failing logger must not take the connection down with it.
    }
  }
}

/**
 * End a client: politely (a DISCONNECT, so the broker ends the session
 * cleanly) when nothing is in flight, else by closing the socket, which
 * mqtt.js's polite end would not do until the in-flight message is acknowledged.
 */
function endClient(client: MqttClient, politely: boolean): Promise<void> {
  return new Promise((resolve) => {
    // A peer that never answers the DISCONNECT's half-close must not hold close() up.
    const timer = setTimeout(() => {
      client.stream?.destroy();
      resolve();
    }, CLOSE_GRACE_MS);
    client.end(!politely, {}, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
