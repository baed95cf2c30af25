// The `Nanolambda.Cloud` section: the upstream MQTT connection (AWS IoT Core
// or any MQTT broker) that cloud-bound messages are spooled to.
//
//   "Cloud": {
//     "Endpoint": "mqtts://<host>:8883",     required; mqtt:// (plaintext) only to a loopback host
//                                            unless "AllowPlaintext": true; port defaults 8883 / 1883
//     "AllowPlaintext": false,
//     "ClientId": "nanolambda-<hostname>",   1-128 bytes of UTF-8, no control characters (AWS IoT's limit)
//     "Tls": { "CaFile": "root-ca.pem",      verify the server against this CA (default: the system's CAs)
//              "CertFile": "device.pem.crt", the client certificate and its key, both or neither
//              "KeyFile": "private.pem.key" },
//     "KeepAliveSeconds": 60,                5..1200
//     "Queue": { "MaxBytes": 2621440,        262144..1 GiB, topic + payload bytes of all queued messages
//                "WhenFull": "DropOldest",   or "DropNewest"
//                "Storage": "FileSystem" },  or "Memory" (lost on restart)
//     "InboundQoS": 0                        0 or 1 (1: persistent session, as Greengrass's AtLeastOncePersistent)
//   }
// Tls paths are relative to the config file's directory. They are checked
// at parse time (a missing file is a config error, not a retry loop at run
// time) but read again at every connection attempt, so renewed certificates
// are picked up without a restart.
//
// Defaults follow Greengrass V1's spooler (2.5 MB, oldest replaced by the
// newest) except Storage: Greengrass defaults to Memory, we default to
// FileSystem because a gateway that loses power should not lose what it
// promised to send.
import os from 'node:os';
import { isLoopback } from '../config/loopback';
import { describe, type Fields } from '../config/fields';
import { readPemFile } from '../config/pem-file';

export type WhenFull = 'DropOldest' | 'DropNewest';
export type QueueStorageKind = 'FileSystem' | 'Memory';

export interface CloudConfig {
  endpoint: {
    protocol: 'mqtt' | 'mqtts';
    host: string;
    port: number;
    /** As written in the config: for log lines and errors. */
    text: string;
  };
  clientId: string;
  /** Absolute paths; undefined members are not used. */
  tls: { caFile: string | undefined; certFile: string | undefined; keyFile: string | undefined };
  keepAliveSeconds: number;
  queue: { maxBytes: number; whenFull: WhenFull; storage: QueueStorageKind };
  inboundQos: 0 | 1;
}

/** Greengrass's GG_CONFIG_MAX_SIZE_BYTES: minimum and default. */
export const MIN_QUEUE_BYTES = 262_144;
export const DEFAULT_QUEUE_BYTES = 2_621_440;
export const MAX_QUEUE_BYTES = 1024 ** 3;
export const DEFAULT_KEEPALIVE_SECONDS = 60;
/** AWS IoT Core's limit on client ids. */
const MAX_CLIENT_ID_BYTES = 128;

const KNOWN_KEYS = ['Endpoint', 'AllowPlaintext', 'ClientId', 'Tls', 'KeepAliveSeconds', 'Queue', 'InboundQoS'] as const;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** undefined when the section is absent: no cloud connection. */
export function parseCloudSection(value: unknown, jsonPath: string, f: Fields, baseDir: string): CloudConfig | undefined {
  if (value === undefined) return undefined;
  const P = jsonPath;
  const obj = f.object(value, P);
  f.onlyKeys(obj, P, KNOWN_KEYS);

  const allowPlaintext = obj.AllowPlaintext === undefined ? false : f.boolean(obj.AllowPlaintext, `${P}.AllowPlaintext`);
  const endpoint = parseEndpoint(obj.Endpoint, `${P}.Endpoint`, f);
  if (endpoint.protocol === 'mqtt' && !allowPlaintext && !isLoopback(endpoint.host)) {
    throw f.error(
      `${P}.Endpoint`,
      `${describe(endpoint.text)} would send messages and credentials to ${endpoint.host} unencrypted: ` +
        'use mqtts:// with Tls, or set "AllowPlaintext": true if this network is trusted',
    );
  }

  const clientId = obj.ClientId === undefined ? defaultClientId() : parseClientId(obj.ClientId, `${P}.ClientId`, f);

  const tls: CloudConfig['tls'] = { caFile: undefined, certFile: undefined, keyFile: undefined };
  if (obj.Tls !== undefined) {
    const t = f.object(obj.Tls, `${P}.Tls`);
    f.onlyKeys(t, `${P}.Tls`, ['CaFile', 'CertFile', 'KeyFile']);
    if (endpoint.protocol === 'mqtt') {
      throw f.error(`${P}.Tls`, `is given but ${P}.Endpoint ${describe(endpoint.text)} is plaintext: use mqtts://`);
    }
    if ((t.CertFile === undefined) !== (t.KeyFile === undefined)) {
      const missing = t.CertFile === undefined ? 'CertFile' : 'KeyFile';
      throw f.error(`${P}.Tls.${missing}`, 'missing: a client certificate needs both CertFile and KeyFile');
    }
    if (t.CaFile !== undefined) tls.caFile = readPemFile(t.CaFile, `${P}.Tls.CaFile`, f, baseDir).file;
    if (t.CertFile !== undefined) tls.certFile = readPemFile(t.CertFile, `${P}.Tls.CertFile`, f, baseDir).file;
    if (t.KeyFile !== undefined) tls.keyFile = readPemFile(t.KeyFile, `${P}.Tls.KeyFile`, f, baseDir).file;
  }

  const keepAliveSeconds =
    obj.KeepAliveSeconds === undefined ? DEFAULT_KEEPALIVE_SECONDS : f.integer(obj.KeepAliveSeconds, `${P}.KeepAliveSeconds`, 5, 1200, 'seconds');

  const queue: CloudConfig['queue'] = { maxBytes: DEFAULT_QUEUE_BYTES, whenFull: 'DropOldest', storage: 'FileSystem' };
  if (obj.Queue !== undefined) {
    const q = f.object(obj.Queue, `${P}.Queue`);
    f.onlyKeys(q, `${P}.Queue`, ['MaxBytes', 'WhenFull', 'Storage']);
    if (q.MaxBytes !== undefined) queue.maxBytes = f.integer(q.MaxBytes, `${P}.Queue.MaxBytes`, MIN_QUEUE_BYTES, MAX_QUEUE_BYTES, 'bytes');
    if (q.WhenFull !== undefined) queue.whenFull = f.oneOf(q.WhenFull, `${P}.Queue.WhenFull`, ['DropOldest', 'DropNewest'] as const);
    if (q.Storage !== undefined) queue.storage = f.oneOf(q.Storage, `${P}.Queue.Storage`, ['FileSystem', 'Memory'] as const);
  }

  const inboundQos = obj.InboundQoS === undefined ? 0 : (f.integer(obj.InboundQoS, `${P}.InboundQoS`, 0, 1) as 0 | 1);

  return { endpoint, clientId, tls, keepAliveSeconds, queue, inboundQos };
}

function parseEndpoint(value: unknown, p: string, f: Fields): CloudConfig['endpoint'] {
  if (value === undefined) throw f.error(p, 'missing: give the broker as "mqtts://<host>:8883" (AWS IoT Core: your account\'s ATS endpoint)');
  const text = f.string(value, p);
  const bad = (why: string) => f.error(p, `${why}, found ${describe(text)}; expected "mqtts://<host>[:port]" or "mqtt://<host>[:port]"`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw bad(`the scheme ${url.protocol.replace(/:$/, '')} is not mqtt or mqtts`);
  if (url.hostname === '') throw bad('no host');
  if (url.username !== '' || url.password !== '') throw bad('credentials in the URL are not supported (use Tls client certificates)');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') throw bad('a path, query or fragment');
  const protocol = url.protocol === 'mqtts:' ? 'mqtts' : 'mqtt';
  const port = url.port === '' ? (protocol === 'mqtts' ? 8883 : 1883) : Number(url.port);
  if (port === 0) throw bad('port 0');
  // URL keeps the brackets of an IPv6 literal; sockets and isLoopback want it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol, host, port, text };
}

function parseClientId(value: unknown, p: string, f: Fields): string {
  const id = f.string(value, p);
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes === 0 || bytes > MAX_CLIENT_ID_BYTES || CONTROL_CHARACTERS.test(id)) {
    throw f.error(p, `expected 1 to ${MAX_CLIENT_ID_BYTES} bytes of UTF-8 without control characters, found ${describe(id)}`);
  }
  return id;
}

/** Unique per machine, so two gateways of one account do not take over each other's connection. */
function defaultClientId(): string {
  const host = os.hostname().replace(/[\u0000-\u001f\u007f]/g, '');
  return `nanolambda-${host}`.slice(0, MAX_CLIENT_ID_BYTES);
}

/** The absolute path of a readable PEM file. */
