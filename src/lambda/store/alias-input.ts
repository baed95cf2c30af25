// The checks on CreateAlias and UpdateAlias inputs that need no database:
// alias names, FunctionVersion values, Description, and RoutingConfig (one
// additional version and its weight), with Lambda's messages and in Lambda's
// order. Whether the versions exist is the store's check.
import { invalidParameter, LambdaApiError } from './lambda-api-error';
import { MAX_DESCRIPTION_LENGTH } from './function-fields';
import { Violations } from './violations';

export const MAX_ALIAS_NAME_LENGTH = 128;
const ALIAS_RE = /^(?![0-9]+$)[a-zA-Z0-9_-]+$/;
const ALIAS_PATTERN = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
const FUNCTION_VERSION_RE = /^(\$LATEST|[0-9]+)$/;
const FUNCTION_VERSION_PATTERN = '(\\$LATEST|[0-9]+)';
const MAX_FUNCTION_VERSION_LENGTH = 1024;

/** An alias's second version and the share of invocations it gets (0.0-1.0). */
export interface Routing {
  version: string;
  weight: number;
}

/** Record a violation unless `value` is an alias name; return it when it is. */
export function readAliasName(value: unknown, violations: Violations): string | undefined {
  if (value === undefined || value === null) {
    violations.add(null, 'name', 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') {
    violations.add(value, 'name', 'Member must be a string');
    return undefined;
  }
  const before = violations.size;
  if (value.length > MAX_ALIAS_NAME_LENGTH) {
    violations.add(value, 'name', `Member must have length less than or equal to ${MAX_ALIAS_NAME_LENGTH}`);
  }
  if (!ALIAS_RE.test(value)) violations.add(value, 'name', `Member must satisfy regular expression pattern: ${ALIAS_PATTERN}`);
  return violations.size === before ? value : undefined;
}

/** An alias name given on its own (the path of GetAlias, UpdateAlias, DeleteAlias). Throws ValidationException. */
export function checkAliasName(value: unknown): string {
  const violations = new Violations();
  const name = readAliasName(value, violations);
  violations.throwIfAny();
  return name!;
}

/** Record a violation unless `value` is '$LATEST' or a version number. */
export function readFunctionVersion(value: unknown, violations: Violations, required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) violations.add(null, 'functionVersion', 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') {
    violations.add(value, 'functionVersion', 'Member must be a string');
    return undefined;
  }
  const before = violations.size;
  if (value.length > MAX_FUNCTION_VERSION_LENGTH) {
    violations.add(value, 'functionVersion', `Member must have length less than or equal to ${MAX_FUNCTION_VERSION_LENGTH}`);
  }
  if (!FUNCTION_VERSION_RE.test(value)) {
    violations.add(value, 'functionVersion', `Member must satisfy regular expression pattern: ${FUNCTION_VERSION_PATTERN}`);
  }
  return violations.size === before ? value : undefined;
}

/** Record a violation unless `value` is absent or a description; return it when given and valid. */
export function readDescription(value: unknown, violations: Violations): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    violations.add(value, 'description', 'Member must be a string');
    return undefined;
  }
  if (value.length > MAX_DESCRIPTION_LENGTH) {
    violations.add(value, 'description', `Member must have length less than or equal to ${MAX_DESCRIPTION_LENGTH}`);
    return undefined;
  }
  return value;
}

/** Record a violation unless `value` is absent or a string (a RevisionId). */
export function readRevisionId(value: unknown, violations: Violations): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  violations.add(value, 'revisionId', 'Member must be a string');
  return undefined;
}

/**
 * A RoutingConfig for an alias pointing at `functionVersion`: undefined when
 * not given, null when given without weights (no routing), else the one
 * additional version. Throws Lambda's errors for everything else.
 */
export function readRouting(value: unknown, functionVersion: string): Routing | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw validation(value, 'routingConfig', 'Member must be a structure with an AdditionalVersionWeights map');
  }
  const weights = (value as { AdditionalVersionWeights?: unknown }).AdditionalVersionWeights;
  if (weights === undefined || weights === null) return null;
  if (typeof weights !== 'object' || Array.isArray(weights)) {
    throw validation(weights, 'routingConfig.additionalVersionWeights', 'Member must be a map of version numbers to weights');
  }
  const entries = Object.entries(weights as Record<string, unknown>);
  if (entries.length === 0) return null;
  if (entries.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  const [version, weight] = entries[0]!;
  const shown = `{${version}=${typeof weight === 'number' && Number.isInteger(weight) ? weight.toFixed(1) : String(weight)}}`;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 1) {
    throw validation(
      shown,
      'routingConfig.additionalVersionWeights',
      'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, ' +
        'Member must have value greater than or equal to 0.0, Member must not be null]',
    );
  }
  if (version === functionVersion) {
    throw invalidParameter(
      `Invalid function version ${functionVersion}. ` +
        `Function version ${functionVersion} is already included in routing configuration.`,
    );
  }
  if (functionVersion === '$LATEST') {
    throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  }
  if (!/^[0-9]+$/.test(version) || version.length > MAX_FUNCTION_VERSION_LENGTH) {
    throw validation(
      shown,
      'routingConfig.additionalVersionWeights',
      'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, ' +
        'Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]',
    );
  }
  return { version, weight };
}

function validation(value: unknown, field: string, constraint: string): LambdaApiError {
  const violations = new Violations();
  violations.add(value, field, constraint);
  return violations.toError('ValidationException')!;
}
