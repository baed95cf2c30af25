// The settings a function version carries, and the checks CreateFunction and
// UpdateFunctionConfiguration bodies go through before anything is stored:
// first every model constraint (one ValidationException listing them all),
// then Lambda's semantic checks (InvalidParameterValueException), in that
// order, as Lambda does.
import { invalidParameter } from './lambda-api-error';
import { checkEnvironment, readEnvironment } from './environment';
import { LAMBDA_ARCHITECTURES } from '../../system/architecture';
import { isKnownRuntime, unknownRuntimeMessage } from './runtimes';
import { asInteger, Violations } from './violations';

/** What a request's Architectures may name (Lambda's enum). */
export type Architecture = (typeof LAMBDA_ARCHITECTURES)[number];

/** What a version stores besides its code. */
export interface FunctionFields {
  runtime: string;
  role: string;
  handler: string;
  description: string;
  /** Seconds. */
  timeout: number;
  /** MB, as Lambda counts memory. */
  memorySize: number;
  /** Environment.Variables; empty when the function has none. */
  environment: Record<string, string>;
  /**
   * Architectures[0]: the machine its executables are built for. Lambda's
   * name (x86_64, arm64), or, on a machine Lambda has no name for, the
   * machine's own (Node's, e.g. arm), which functions get when their
   * request names none (hostArchitecture()).
   */
  architecture: string;
}

export const DEFAULT_TIMEOUT = 3;
export const MIN_TIMEOUT = 1;
export const MAX_TIMEOUT = 900;
export const DEFAULT_MEMORY_SIZE = 128;
export const MIN_MEMORY_SIZE = 128;
export const MAX_MEMORY_SIZE = 10240;
export const MAX_DESCRIPTION_LENGTH = 256;
export const MAX_HANDLER_LENGTH = 128;

const ROLE_RE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ROLE_PATTERN = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const HANDLER_RE = /^[^\s]+$/;

/** The fields of a CreateFunction body, checked; defaults filled in (`architecture`: the store's default). */
export function readCreateFields(body: Record<string, unknown>, architecture: string): FunctionFields {
  const violations = new Violations();
  const fields = readFields(body, violations);
  if (body.Role === undefined || body.Role === null) violations.add(null, 'role', 'Member must not be null');
  violations.throwIfAny();
  if (fields.runtime === undefined || fields.handler === undefined) {
    throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  checkSemantics(fields, body);
  return {
    runtime: fields.runtime,
    role: fields.role!,
    handler: fields.handler,
    description: fields.description ?? '',
    timeout: fields.timeout ?? DEFAULT_TIMEOUT,
    memorySize: fields.memorySize ?? DEFAULT_MEMORY_SIZE,
    environment: fields.environment ?? {},
    architecture: fields.architecture ?? architecture,
  };
}

/**
 * The fields an UpdateFunctionConfiguration body changes (only those given),
 * checked. Architectures among them is a nanolambda extension: Lambda
 * changes it through UpdateFunctionCode only (readCodeArchitecture).
 */
export function readFieldsPatch(body: Record<string, unknown>): Partial<FunctionFields> {
  const violations = new Violations();
  const patch = readFields(body, violations);
  violations.throwIfAny();
  checkSemantics(patch, body);
  return patch;
}

/**
 * UpdateFunctionCode's Architectures (the architecture of the code it
 * uploads), checked; undefined when absent (the function keeps its own).
 */
export function readCodeArchitecture(value: unknown): Architecture | undefined {
  const violations = new Violations();
  const architecture = readArchitectures(value, violations);
  violations.throwIfAny();
  return architecture;
}

/** A request body must be a JSON object. */
export function asBody(input: unknown, operation: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidParameter(`The ${operation} request body must be a JSON object`);
  }
  return input as Record<string, unknown>;
}

/** Every given field of the body, or a recorded violation. Absent fields stay absent. */
function readFields(body: Record<string, unknown>, violations: Violations): Partial<FunctionFields> {
  const out: Partial<FunctionFields> = {};
  const role = body.Role;
  if (role !== undefined && role !== null) {
    if (typeof role === 'string' && ROLE_RE.test(role)) out.role = role;
    else violations.add(role, 'role', `Member must satisfy regular expression pattern: ${ROLE_PATTERN}`);
  }
  const handler = body.Handler;
  if (handler !== undefined && handler !== null) {
    if (typeof handler !== 'string') {
      violations.add(handler, 'handler', 'Member must be a string');
    } else {
      const before = violations.size;
      if (handler.length > MAX_HANDLER_LENGTH) {
        violations.add(handler, 'handler', `Member must have length less than or equal to ${MAX_HANDLER_LENGTH}`);
      }
      if (!HANDLER_RE.test(handler)) {
        violations.add(handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
      }
      if (violations.size === before) out.handler = handler;
    }
  }
  const runtime = body.Runtime;
  if (runtime !== undefined && runtime !== null) {
    if (typeof runtime === 'string') out.runtime = runtime;
    else violations.add(runtime, 'runtime', 'Member must be a string');
  }
  const description = body.Description;
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string') {
      violations.add(description, 'description', 'Member must be a string');
    } else if (description.length > MAX_DESCRIPTION_LENGTH) {
      violations.add(description, 'description', `Member must have length less than or equal to ${MAX_DESCRIPTION_LENGTH}`);
    } else {
      out.description = description;
    }
  }
  const timeout = readRange(body.Timeout, 'timeout', MIN_TIMEOUT, MAX_TIMEOUT, violations);
  if (timeout !== undefined) out.timeout = timeout;
  const memorySize = readRange(body.MemorySize, 'memorySize', MIN_MEMORY_SIZE, MAX_MEMORY_SIZE, violations);
  if (memorySize !== undefined) out.memorySize = memorySize;
  if ('Environment' in body) {
    const environment = readEnvironment(body.Environment, violations);
    if (environment !== undefined) out.environment = environment;
  }
  checkPackageTypeShape(body.PackageType, violations);
  const architecture = readArchitectures(body.Architectures, violations);
  if (architecture !== undefined) out.architecture = architecture;
  return out;
}

/** An integer in [min, max], or undefined when absent or after recording a violation. */
export function readRange(value: unknown, field: string, min: number, max: number, violations: Violations): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = asInteger(value);
  if (n === undefined) {
    violations.add(value, field, 'Member must be an integer');
    return undefined;
  }
  if (n < min) {
    violations.add(value, field, `Member must have value greater than or equal to ${min}`);
    return undefined;
  }
  if (n > max) {
    violations.add(value, field, `Member must have value less than or equal to ${max}`);
    return undefined;
  }
  return n;
}

function checkPackageTypeShape(value: unknown, violations: Violations): void {
  if (value === undefined || value === null || value === 'Zip' || value === 'Image') return;
  violations.add(value, 'packageType', 'Member must satisfy enum value set: [Zip, Image]');
}

/** Architectures: a list of exactly one of x86_64 and arm64, or undefined when absent or after recording a violation. */
function readArchitectures(value: unknown, violations: Violations): Architecture | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    violations.add(value, 'architectures', 'Member must be a list');
    return undefined;
  }
  const shown = `[${value.map(String).join(', ')}]`;
  if (value.length !== 1) {
    const constraint = value.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 1';
    violations.add(shown, 'architectures', `Member must have length ${constraint}`);
  } else if (!(LAMBDA_ARCHITECTURES as readonly unknown[]).includes(value[0])) {
    violations.add(
      shown,
      'architectures',
      `Member must satisfy constraint: [Member must satisfy enum value set: [${LAMBDA_ARCHITECTURES.join(', ')}], Member must not be null]`,
    );
  } else {
    return value[0] as Architecture;
  }
  return undefined;
}

/**
 * Lambda's InvalidParameterValueException checks, once the constraints hold.
 * Whether this machine can run the architecture asked for is the store's
 * owner's to say (FunctionStoreOptions.admit): it depends on the machine.
 */
function checkSemantics(fields: Partial<FunctionFields>, body: Record<string, unknown>): void {
  if (fields.runtime !== undefined && !isKnownRuntime(fields.runtime)) {
    throw invalidParameter(unknownRuntimeMessage(fields.runtime));
  }
  if (fields.environment !== undefined) checkEnvironment(fields.environment);
  if (body.PackageType === 'Image') {
    throw invalidParameter(
      'PackageType Image is not supported by nanolambda: it runs .zip deployment packages (PackageType Zip). ' +
        'Package the function as a .zip file and pass it as Code.ZipFile.',
    );
  }
}
