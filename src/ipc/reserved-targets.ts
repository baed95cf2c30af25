// The core's own "functions" a worker reaches by posting work to them
// (greengrass-v1.md §1, §2.4): GGRouter (publish), GGShadowService (thing
// shadows) and GGSecretManager (secrets). Their ARNs have an empty region
// and account; any qualifier (none, ":1", ":$LATEST") names the same one,
// as the environment variables give them with or without.
export type ReservedTarget = 'router' | 'shadow' | 'secrets';

const RESERVED = /^arn:aws(?:-[a-z]+)*:lambda:::function:(GGRouter|GGShadowService|GGSecretManager)(?::[A-Za-z0-9$_-]{1,128})?$/;

const KIND: Record<string, ReservedTarget> = {
  GGRouter: 'router',
  GGShadowService: 'shadow',
  GGSecretManager: 'secrets',
};

/** Which core service `arn` names, or undefined for a function of the group (or none). */
export function reservedTarget(arn: string): ReservedTarget | undefined {
  const match = RESERVED.exec(arn);
  return match ? KIND[match[1]!] : undefined;
}
