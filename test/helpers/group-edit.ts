// Adding to a group file what writeGroup does not write: devices, secret
// resources and the functions' policies on them.
import fs from 'node:fs';

// The group files are JSON the tests build: loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export function editGroup(file: string, edit: (json: Json) => void): void {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

/** A SecretsManager secret resource whose value is read from `valueFile`, readable by the functions `readers` (FunctionArns). */
export function addSecret(file: string, secret: { id: string; arn: string; valueFile: string }, readers: string[]): void {
  editGroup(file, (json) => {
    json.ResourceDefinitionVersion ??= { Resources: [] };
    json.ResourceDefinitionVersion.Resources.push({
      Id: secret.id,
      Name: secret.id,
      ResourceDataContainer: { SecretsManagerSecretResourceData: { ARN: secret.arn } },
    });
    for (const fn of json.FunctionDefinitionVersion.Functions) {
      if (!readers.includes(fn.FunctionArn)) continue;
      const env = fn.FunctionConfiguration.Environment;
      env.ResourceAccessPolicies = [...(env.ResourceAccessPolicies ?? []), { ResourceId: secret.id, Permission: 'ro' }];
    }
    json.Nanolambda.Secrets = { ...json.Nanolambda.Secrets, [secret.id]: { FromFile: secret.valueFile } };
  });
}

/**
 * Make functions of the group Lambda functions of `runtime` (python3.11,
 * nodejs20.x, provided.al2), as Greengrass names them: the runtime in
 * FunctionRuntimeOverride, the handler in Executable.
 */
export function useRuntime(file: string, runtime: string, handlers: ReadonlyMap<string, string>): void {
  editGroup(file, (json) => {
    for (const entry of json.FunctionDefinitionVersion.Functions) {
      const handler = handlers.get(entry.FunctionArn);
      if (handler === undefined) continue;
      entry.FunctionConfiguration.Executable = handler;
      entry.FunctionConfiguration.FunctionRuntimeOverride = runtime;
    }
  });
}
