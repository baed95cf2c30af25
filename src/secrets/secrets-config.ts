// The secrets part of the `Nanolambda` section: where each secret's value is
// read from at deployment, and where the master key lives. Values never live
// in the group file.
//
//   "Nanolambda": { ...,
//     "Secrets": {                                        optional
//       "<Id of a SecretsManagerSecretResourceData resource>":
//           { "FromFile": "<path>" }          the file's bytes, exactly (a trailing newline is part of the value)
//         | { "FromEnv": "<VARIABLE>" },      the runtime's environment variable
//       ... each may add "Binary": true:      served as SecretBinary (base64) instead of SecretString;
//                                             FromEnv then holds base64 text (a variable cannot hold any bytes)
//     },
//     "SecretKeyFile": "<path>"                           optional, default <config dir>/keys/secret.key
//   }
// Paths are relative to the config file's directory. Every secret resource
// needs an entry and every entry a secret resource (checkSecrets, once the
// resources are parsed). Files and variables are read at deployment, not
// here: a missing one fails the deployment, naming the secret.
import path from 'node:path';
import { childPath, type Fields } from '../config/fields';
import type { ResourceTable } from '../config/resources';
import { keyPlacementProblem } from './key-placement';
import type { SecretSource, SecretSpec } from './secret-spec';

/** How one secret's value is provided. */
export interface SecretSetting {
  source: SecretSource;
  binary: boolean;
}

export const DEFAULT_SECRET_KEY_FILE = path.join('keys', 'secret.key');
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `Nanolambda.Secrets` (undefined: none) -> resource Id -> how its value is provided. */
export function parseSecretsSection(value: unknown, jsonPath: string, f: Fields, baseDir: string): Map<string, SecretSetting> {
  const settings = new Map<string, SecretSetting>();
  if (value === undefined) return settings;
  for (const [id, entry] of Object.entries(f.object(value, jsonPath))) {
    settings.set(id, parseSetting(entry, childPath(jsonPath, id), f, baseDir));
  }
  return settings;
}

function parseSetting(value: unknown, p: string, f: Fields, baseDir: string): SecretSetting {
  const obj = f.object(value, p);
  f.onlyKeys(obj, p, ['FromFile', 'FromEnv', 'Binary']);
  const binary = obj.Binary === undefined ? false : f.boolean(obj.Binary, `${p}.Binary`);
  if ((obj.FromFile === undefined) === (obj.FromEnv === undefined)) {
    throw f.error(
      p,
      `expected exactly one of FromFile (a file holding the value) and FromEnv (an environment variable holding it), found ${obj.FromFile === undefined ? 'neither' : 'both'}`,
    );
  }
  if (obj.FromFile !== undefined) {
    const file = f.pattern(obj.FromFile, `${p}.FromFile`, /^[^\0]+$/, 'a file path');
    return { source: { file: path.resolve(baseDir, file) }, binary };
  }
  const env = f.pattern(obj.FromEnv, `${p}.FromEnv`, ENV_NAME, 'an environment variable name of [A-Za-z0-9_] not starting with a digit');
  return { source: { env }, binary };
}

/** `Nanolambda.SecretKeyFile` (undefined: the default) -> the absolute path of the master key file. */
export function parseSecretKeyFile(value: unknown, jsonPath: string, f: Fields, baseDir: string): string {
  if (value === undefined) return path.resolve(baseDir, DEFAULT_SECRET_KEY_FILE);
  return path.resolve(baseDir, f.pattern(value, jsonPath, /^[^\0]+$/, 'a file path'));
}

/**
 * Pair the group's secret resources with their settings, once both are
 * parsed: every Nanolambda.Secrets key must be a secret resource, every
 * secret resource must have a setting, and (when there is any secret) the key
 * file must be outside the state directory. Returns the secrets to deploy,
 * in resource order.
 * `secretsPath`/`keyFilePath`: the JSON paths of Nanolambda.Secrets and
 * Nanolambda.SecretKeyFile, for the errors.
 */
export function checkSecrets(
  settings: ReadonlyMap<string, SecretSetting>,
  resources: ResourceTable | undefined,
  storage: { keyFile: string; stateDir: string },
  f: Fields,
  secretsPath = 'Nanolambda.Secrets',
  keyFilePath = 'Nanolambda.SecretKeyFile',
): SecretSpec[] {
  for (const id of settings.keys()) {
    const resource = resources?.get(id);
    if (resource === undefined) {
      throw f.error(
        childPath(secretsPath, id),
        resources === undefined
          ? `no resource ${JSON.stringify(id)}: the group has no ResourceDefinitionVersion (keys are Ids of SecretsManagerSecretResourceData resources)`
          : `no resource in ResourceDefinitionVersion has the Id ${JSON.stringify(id)} (keys are Ids of SecretsManagerSecretResourceData resources)`,
      );
    }
    if (resource.kind !== 'secret') {
      throw f.error(childPath(secretsPath, id), `resource ${JSON.stringify(id)} is a local ${resource.kind}, not a SecretsManagerSecretResourceData: only secrets take a value here`);
    }
  }

  const secrets: SecretSpec[] = [];
  for (const resource of resources?.values() ?? []) {
    if (resource.kind !== 'secret') continue;
    const setting = settings.get(resource.id);
    if (setting === undefined) {
      throw f.error(
        secretsPath,
        `secret resource ${JSON.stringify(resource.id)} (${resource.arn}) has no value: nanolambda does not call Secrets Manager, ` +
          `so add ${JSON.stringify(resource.id)}: {"FromFile": "<file holding the value>"} or {"FromEnv": "<ENVIRONMENT_VARIABLE>"} to ${secretsPath}`,
      );
    }
    secrets.push({
      resourceId: resource.id,
      arn: resource.arn,
      name: resource.name,
      stagingLabels: [...resource.stagingLabels],
      source: setting.source,
      binary: setting.binary,
    });
  }

  if (secrets.length > 0) {
    const problem = keyPlacementProblem(storage.keyFile, storage.stateDir);
    if (problem !== undefined) throw f.error(keyFilePath, problem);
  }
  return secrets;
}
