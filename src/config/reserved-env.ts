// Environment variables the runtime sets for every worker (Greengrass V1's
// names, plus our own prefixes for the native channel). A function's
// Environment.Variables may not set them: the worker would be miswired.

export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_GG_RESOURCE_PREFIX',
  'ENCODING_TYPE',
  'GGC_MAX_INTERFACE_VERSION',
  'GG_DAEMON_PORT',
  'MY_FUNCTION_ARN',
  'ROUTER_FUNCTION_ARN',
  'SECRETS_MANAGER_FUNCTION_ARN',
  'SHADOW_FUNCTION_ARN',
]);

/** Prefixes reserved for nanolambda's own variables (channel descriptors, ...). */
export const RESERVED_ENV_PREFIXES: readonly string[] = ['NANOLAMBDA_', 'NLW_'];

export function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV_NAMES.has(name) || RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p));
}
