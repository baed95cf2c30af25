// Environment.Variables of a function: the model's key pattern, Lambda's
// reserved keys, and the 4 KB limit, with Lambda's messages. The values are
// secrets more often than not: constraint messages never echo them (neither
// does Lambda); only the 4 KB refusal shows the measured string, as Lambda does.
import { isReservedEnvName } from '../../config/reserved-env';
import { invalidParameter } from './lambda-api-error';
import { SENSITIVE, Violations } from './violations';

/** All keys and values together, measured as Lambda does: the compact JSON of the map, in bytes. */
export const MAX_ENVIRONMENT_BYTES = 4096;

const KEY_RE = /^[a-zA-Z][a-zA-Z0-9_]+$/;
const KEY_PATTERN = '[a-zA-Z]([a-zA-Z0-9_])+';

// Lambda's reserved keys (the Lambda developer guide, "Defined runtime
// environment variables"). Keys starting with '_' cannot pass KEY_RE anyway.
const LAMBDA_RESERVED: ReadonlySet<string> = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** Reserved here: Lambda's keys, and those nanolambda sets for Greengrass workers (a function would be miswired). */
export function isReservedKey(key: string): boolean {
  return LAMBDA_RESERVED.has(key) || isReservedEnvName(key);
}

/**
 * The variables of an Environment input: a map (empty when none), or
 * undefined after recording a violation. Checks shape and key pattern only.
 */
export function readEnvironment(input: unknown, violations: Violations): Record<string, string> | undefined {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    violations.add(SENSITIVE, 'environment', 'Member must be a structure with a Variables map');
    return undefined;
  }
  const variables = (input as { Variables?: unknown }).Variables;
  if (variables === undefined || variables === null) return {};
  if (typeof variables !== 'object' || Array.isArray(variables)) {
    violations.add(SENSITIVE, 'environment.variables', 'Member must be a map of strings to strings');
    return undefined;
  }
  const entries = Object.entries(variables as Record<string, unknown>);
  let ok = true;
  if (entries.some(([key]) => !KEY_RE.test(key))) {
    violations.add(
      SENSITIVE,
      'environment.variables',
      `Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ${KEY_PATTERN}]`,
    );
    ok = false;
  }
  if (entries.some(([, value]) => typeof value !== 'string')) {
    violations.add(SENSITIVE, 'environment.variables', 'Map values must satisfy constraint: [Member must be a string]');
    ok = false;
  }
  return ok ? { ...(variables as Record<string, string>) } : undefined;
}

/** Lambda's semantic checks, after the constraints passed: reserved keys, then the 4 KB limit. */
export function checkEnvironment(variables: Record<string, string>): void {
  const reserved = Object.keys(variables).filter(isReservedKey);
  if (reserved.length > 0) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        'contains reserved keys that are currently not supported for modification. ' +
        `Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > MAX_ENVIRONMENT_BYTES) {
    throw invalidParameter(
      'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        `exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}
