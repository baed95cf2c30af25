// The mqtt.js options of one connection attempt to the cloud.
//
// - MQTT 5: the broker answers a refused publish with a PUBACK reason code
//   (AWS IoT Core: 0x87 not authorized, 0x97 throttled) instead of cutting
//   the connection, so one bad message cannot block the queue forever.
// - No reconnect inside mqtt.js (reconnectPeriod 0): the bridge makes a new
//   client per attempt, with its own backoff, so no message is ever re-sent
//   by a stale client's store behind the queue's back.
// - InboundQoS 1 asks for a persistent session (clean start off, 1 h expiry,
//   as Greengrass's AtLeastOncePersistent), so QoS 1 messages published
//   while the gateway was away are delivered when it returns.
// - TLS files are read at every attempt: a renewed certificate is used
//   without a restart. The server is always verified (against CaFile, or the
//   system's CAs without it).
import fs from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { CloudConfig } from './cloud-config';

/** Greengrass V1 keeps a persistent cloud session for one hour. */
export const PERSISTENT_SESSION_SECONDS = 3600;
/** How long a broker has to accept a connection (TCP, TLS, CONNACK). */
export const CONNECT_TIMEOUT_MS = 30_000;
/** AWS IoT Core serves MQTT with client certificates on port 443 only to clients that ask for this ALPN protocol. */
const AWS_IOT_ALPN_ON_443 = 'x-amzn-mqtt-ca';

/** Throws an Error naming the file when a TLS file cannot be read. */
export function clientOptions(config: CloudConfig): IClientOptions {
  const persistent = config.inboundQos === 1;
  const options: IClientOptions = {
    protocol: config.endpoint.protocol,
    host: config.endpoint.host,
    port: config.endpoint.port,
    clientId: config.clientId,
    protocolVersion: 5,
    clean: !persistent,
    keepalive: config.keepAliveSeconds,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    resubscribe: false,
    queueQoSZero: false,
  };
  if (persistent) options.properties = { sessionExpiryInterval: PERSISTENT_SESSION_SECONDS };
  if (config.endpoint.protocol === 'mqtts') {
    options.rejectUnauthorized = true;
    if (config.tls.caFile) options.ca = readTlsFile(config.tls.caFile, 'CA certificate');
    if (config.tls.certFile) options.cert = readTlsFile(config.tls.certFile, 'client certificate');
    if (config.tls.keyFile) options.key = readTlsFile(config.tls.keyFile, 'client key');
    if (config.endpoint.port === 443) options.ALPNProtocols = [AWS_IOT_ALPN_ON_443];
  }
  return options;
}

function readTlsFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}
