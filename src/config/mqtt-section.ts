// The `Nanolambda.Mqtt` section: the embedded broker client devices connect to.
//
//   "Mqtt": {
//     "Host": "127.0.0.1",            default loopback: devices on this machine only
//     "Port": 8883,                   default 8883 with Tls, 1883 without (0: any free port)
//     "Tls": { "CertFile": "server.crt", "KeyFile": "server.key",
//              "CaFile": "devices-ca.crt" },   optional CaFile: client certificates required,
//                                              signed by it; devices are recognised by them
//     "AllowPlaintext": false         plain MQTT on a non-loopback Host
//   }
// Without CaFile a device is recognised by its client id, which must be its
// thing name: fine on loopback or behind TLS for a trusted network, not
// for devices that cannot be trusted (they could claim another's name).
// Absent: no broker runs (subscriptions naming devices deliver nothing).
// Paths are relative to the config file's directory, read at parse time so
// that a missing or unreadable file is a config error, not a late crash.
import type { Fields } from './fields';
import { readPemFile } from './pem-file';
import { isLoopback } from './loopback';

export interface MqttBrokerConfig {
  host: string;
  port: number;
  /** The PEM contents; keyFile is where the private key is (containers must not see it). */
  tls: { cert: Buffer; key: Buffer; ca: Buffer | undefined; keyFile: string } | undefined;
}

export function parseMqttSection(value: unknown, p: string, f: Fields, baseDir: string): MqttBrokerConfig {
  const obj = f.object(value, p);
  f.onlyKeys(obj, p, ['Host', 'Port', 'Tls', 'AllowPlaintext']);
  const host = obj.Host === undefined ? '127.0.0.1' : f.pattern(obj.Host, `${p}.Host`, /^\S+$/, 'a host name or IP address');
  let tls: MqttBrokerConfig['tls'];
  if (obj.Tls !== undefined) {
    const t = f.object(obj.Tls, `${p}.Tls`);
    f.onlyKeys(t, `${p}.Tls`, ['CertFile', 'KeyFile', 'CaFile']);
    const key = readPemFile(t.KeyFile, `${p}.Tls.KeyFile`, f, baseDir);
    tls = {
      cert: readPemFile(t.CertFile, `${p}.Tls.CertFile`, f, baseDir).data,
      key: key.data,
      ca: t.CaFile === undefined ? undefined : readPemFile(t.CaFile, `${p}.Tls.CaFile`, f, baseDir).data,
      keyFile: key.file,
    };
  }
  const allowPlaintext = obj.AllowPlaintext === undefined ? false : f.boolean(obj.AllowPlaintext, `${p}.AllowPlaintext`);
  if (!tls && !allowPlaintext && !isLoopback(host)) {
    throw f.error(
      `${p}.Tls`,
      `devices would connect to ${host} in plaintext and be recognised by the client id they claim: give Tls (with CaFile to require device certificates), ` +
        'or set AllowPlaintext to true if this network is trusted',
    );
  }
  const port = obj.Port === undefined ? (tls ? 8883 : 1883) : f.integer(obj.Port, `${p}.Port`, 0, 65535);
  return { host, port, tls };
}
