// The Nanolambda.Cloud section: defaults, paths, and every way it can be
// wrong, each error naming the field (JSON path) and the input at fault.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_BYTES, parseCloudSection } from '../src/cloud/cloud-config';
import { Fields } from '../src/config/fields';
import { ConfigError } from '../src/errors';
import { tempDir } from './helpers/sdk';

const P = 'Nanolambda.Cloud';
let dir: string;

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

beforeAll(() => {
  dir = tempDir('cloud-config');
  fs.mkdirSync(path.join(dir, 'certs'));
  for (const name of ['root-ca.pem', 'device.pem.crt', 'private.pem.key']) fs.writeFileSync(path.join(dir, 'certs', name), PEM);
  fs.writeFileSync(path.join(dir, 'certs', 'not-pem.txt'), 'hello');
});

function parse(section: unknown) {
  return parseCloudSection(section, P, new Fields('group.json'), dir);
}

/** The ConfigError a section gives; fails the test when it parses. */
function errorOf(section: unknown): ConfigError {
  try {
    parse(section);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parsed without an error: ${JSON.stringify(section)}`);
}

const TLS = { CaFile: 'certs/root-ca.pem', CertFile: 'certs/device.pem.crt', KeyFile: 'certs/private.pem.key' };

describe('a valid Cloud section', () => {
  it('is undefined when absent (no cloud connection)', () => {
    expect(parse(undefined)).toBeUndefined();
  });

  it('gets the documented defaults', () => {
    const config = parse({ Endpoint: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com' })!;
    expect(config.endpoint).toEqual({ protocol: 'mqtts', host: 'abc-ats.iot.eu-west-1.amazonaws.com', port: 8883, text: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com' });
    expect(config.clientId).toBe(`nanolambda-${os.hostname()}`);
    expect(config.tls).toEqual({ caFile: undefined, certFile: undefined, keyFile: undefined });
    expect(config.keepAliveSeconds).toBe(60);
    expect(config.queue).toEqual({ maxBytes: DEFAULT_QUEUE_BYTES, whenFull: 'DropOldest', storage: 'FileSystem' });
    expect(config.queue.maxBytes).toBe(2_621_440);
    expect(config.inboundQos).toBe(0);
  });

  it('takes every field, with Tls paths resolved against the config directory', () => {
    const config = parse({
      Endpoint: 'mqtts://broker.example.com:443',
      ClientId: 'gateway-7',
      Tls: TLS,
      KeepAliveSeconds: 1200,
      Queue: { MaxBytes: 262_144, WhenFull: 'DropNewest', Storage: 'Memory' },
      InboundQoS: 1,
    })!;
    expect(config.endpoint).toMatchObject({ protocol: 'mqtts', host: 'broker.example.com', port: 443 });
    expect(config.clientId).toBe('gateway-7');
    expect(config.tls).toEqual({
      caFile: path.join(dir, 'certs/root-ca.pem'),
      certFile: path.join(dir, 'certs/device.pem.crt'),
      keyFile: path.join(dir, 'certs/private.pem.key'),
    });
    expect(config.keepAliveSeconds).toBe(1200);
    expect(config.queue).toEqual({ maxBytes: 262_144, whenFull: 'DropNewest', storage: 'Memory' });
    expect(config.inboundQos).toBe(1);
  });

  it('allows plaintext to a loopback host, and to any host with AllowPlaintext', () => {
    expect(parse({ Endpoint: 'mqtt://127.0.0.1:1883' })!.endpoint).toMatchObject({ protocol: 'mqtt', host: '127.0.0.1', port: 1883 });
    expect(parse({ Endpoint: 'mqtt://localhost' })!.endpoint.port).toBe(1883);
    expect(parse({ Endpoint: 'mqtt://[::1]:1884' })!.endpoint).toMatchObject({ host: '::1', port: 1884 });
    expect(parse({ Endpoint: 'mqtt://broker.lan:1883', AllowPlaintext: true })!.endpoint.host).toBe('broker.lan');
  });
});

describe('Cloud section errors', () => {
  it('names a missing or malformed Endpoint', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /missing/],
      [42, /expected a string, found the number 42/],
      ['not a url', /not a URL, found the string "not a url"/],
      ['https://abc.iot.amazonaws.com', /the scheme https is not mqtt or mqtts/],
      ['mqtts://abc.iot.amazonaws.com/some/path', /a path, query or fragment/],
      ['mqtts://user:secret@abc.iot.amazonaws.com', /credentials in the URL/],
      ['mqtts://abc.iot.amazonaws.com:0', /port 0/],
    ];
    for (const [endpoint, reason] of cases) {
      const error = errorOf({ Endpoint: endpoint });
      expect(error.field).toBe(`${P}.Endpoint`);
      expect(error.message).toMatch(reason);
      expect(error.message).toMatch(/^group\.json: Nanolambda\.Cloud\.Endpoint: /);
    }
  });

  it('refuses plaintext to a remote host unless AllowPlaintext is true', () => {
    const error = errorOf({ Endpoint: 'mqtt://broker.example.com:1883' });
    expect(error.field).toBe(`${P}.Endpoint`);
    expect(error.message).toContain('"mqtt://broker.example.com:1883"');
    expect(error.message).toContain('unencrypted');
    expect(error.message).toContain('AllowPlaintext');
    expect(errorOf({ Endpoint: 'mqtt://10.0.0.5', AllowPlaintext: 'yes' }).field).toBe(`${P}.AllowPlaintext`);
  });

  it('names a certificate file that is missing, a directory, or not PEM', () => {
    const missing = errorOf({ Endpoint: 'mqtts://h', Tls: { ...TLS, CertFile: 'certs/nope.crt' } });
    expect(missing.field).toBe(`${P}.Tls.CertFile`);
    expect(missing.message).toContain(path.join(dir, 'certs/nope.crt'));
    expect(missing.message).toContain('ENOENT');

    const directory = errorOf({ Endpoint: 'mqtts://h', Tls: { ...TLS, KeyFile: 'certs' } });
    expect(directory.field).toBe(`${P}.Tls.KeyFile`);
    expect(directory.message).toContain('EISDIR');

    const notPem = errorOf({ Endpoint: 'mqtts://h', Tls: { ...TLS, CaFile: 'certs/not-pem.txt' } });
    expect(notPem.field).toBe(`${P}.Tls.CaFile`);
    expect(notPem.message).toContain('not PEM');
  });

  it('wants CertFile and KeyFile together, and Tls only with mqtts://', () => {
    expect(errorOf({ Endpoint: 'mqtts://h', Tls: { CertFile: TLS.CertFile } }).field).toBe(`${P}.Tls.KeyFile`);
    expect(errorOf({ Endpoint: 'mqtts://h', Tls: { KeyFile: TLS.KeyFile } }).field).toBe(`${P}.Tls.CertFile`);
    const plaintext = errorOf({ Endpoint: 'mqtt://127.0.0.1', Tls: TLS });
    expect(plaintext.field).toBe(`${P}.Tls`);
    expect(plaintext.message).toContain('use mqtts://');
    expect(errorOf({ Endpoint: 'mqtts://h', Tls: { ...TLS, Ca: 'x' } }).field).toBe(`${P}.Tls.Ca`);
  });

  it('names Queue.MaxBytes out of range', () => {
    for (const maxBytes of [262_143, 1024 ** 3 + 1, 0, 300_000.5, '2621440']) {
      const error = errorOf({ Endpoint: 'mqtts://h', Queue: { MaxBytes: maxBytes } });
      expect(error.field).toBe(`${P}.Queue.MaxBytes`);
      expect(error.message).toContain('an integer number of bytes from 262144 to 1073741824');
    }
    expect(parse({ Endpoint: 'mqtts://h', Queue: { MaxBytes: 1024 ** 3 } })!.queue.maxBytes).toBe(1024 ** 3);
  });

  it('names every other field out of its range', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ KeepAliveSeconds: 4 }, 'KeepAliveSeconds', /from 5 to 1200/],
      [{ KeepAliveSeconds: 1201 }, 'KeepAliveSeconds', /from 5 to 1200/],
      [{ InboundQoS: 2 }, 'InboundQoS', /from 0 to 1/],
      [{ Queue: { WhenFull: 'DropAll' } }, 'Queue.WhenFull', /"DropOldest", "DropNewest"/],
      [{ Queue: { Storage: 'Disk' } }, 'Queue.Storage', /"FileSystem", "Memory"/],
      [{ Queue: { MaxSize: 1 } }, 'Queue.MaxSize', /unknown field/],
      [{ ClientId: '' }, 'ClientId', /1 to 128 bytes/],
      [{ ClientId: 'x'.repeat(129) }, 'ClientId', /1 to 128 bytes/],
      [{ ClientId: 'bad\nid' }, 'ClientId', /control characters/],
      [{ Endpoint2: 'x' }, 'Endpoint2', /unknown field/],
    ];
    for (const [fields, field, reason] of cases) {
      const error = errorOf({ Endpoint: 'mqtts://h', ...fields });
      expect(error.field).toBe(`${P}.${field}`);
      expect(error.message).toMatch(reason);
    }
    expect(errorOf('mqtts://h').field).toBe(P);
  });
});
