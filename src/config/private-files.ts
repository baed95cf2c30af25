// Files the runtime reads that no function may: the secret store's master
// key, the files secret values are read from, and the private keys of the
// device broker and of the cloud connection. GreengrassContainer functions
// have them hidden (plan-isolation.ts) and may not bind what holds them
// (container-exposure.ts); NoContainer functions see the host anyway.
import type { CloudConfig } from '../cloud/cloud-config';
import type { SecretSpec } from '../secrets/secret-spec';
import type { MqttBrokerConfig } from './mqtt-section';

export interface PrivateFile {
  /** "the secret key file /etc/nanolambda/secret.key" */
  what: string;
  path: string;
  /** How to move it out of a function's way. */
  fix: string;
}

export function privateFiles(config: {
  secretKeyFile: string;
  secrets: readonly SecretSpec[];
  mqtt: MqttBrokerConfig | undefined;
  cloud: CloudConfig | undefined;
}): PrivateFile[] {
  const files: PrivateFile[] = [{ what: 'the secret key file', path: config.secretKeyFile, fix: 'set Nanolambda.SecretKeyFile elsewhere' }];
  for (const secret of config.secrets) {
    if ('file' in secret.source) {
      files.push({ what: `the value of secret ${JSON.stringify(secret.resourceId)}`, path: secret.source.file, fix: 'keep that file elsewhere' });
    }
  }
  if (config.mqtt?.tls) files.push({ what: "the device broker's private key", path: config.mqtt.tls.keyFile, fix: 'keep Nanolambda.Mqtt.Tls.KeyFile elsewhere' });
  if (config.cloud?.tls.keyFile) files.push({ what: "the cloud connection's private key", path: config.cloud.tls.keyFile, fix: 'keep Nanolambda.Cloud.Tls.KeyFile elsewhere' });
  return files;
}
