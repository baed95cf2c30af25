// Errors a user of nanolambda can meet. Every error has a stable `code`
// (documented in the README) and a message that names the input at fault.

const brand = Symbol.for('nanolambda.error');

export type ErrorCode =
  | 'CONFIG_INVALID' // a group/config file is missing, unreadable or malformed
  | 'FUNCTION_NOT_FOUND' // no function matches the name, ARN or qualifier
  | 'INVALID_PARAMETER' // an argument is out of range or malformed
  | 'PAYLOAD_TOO_LARGE' // a payload over the invocation type's limit
  | 'TOO_MANY_REQUESTS' // a queue is full: retry later
  | 'RUNTIME_STOPPED' // the runtime is stopping or stopped
  | 'STATE_DIR_IN_USE' // another runtime uses the state directory
  | 'STORAGE_FAILED' // the state directory refused a write (disk full, I/O error)
  | 'NATIVE_UNAVAILABLE' // the addon or the SDK build is missing
  | 'ISOLATION_UNAVAILABLE' // the machine cannot isolate functions as configured (no fallback allowed)
  | 'INTERNAL'; // a bug: please report it

export class NanolambdaError extends Error {
  readonly code: ErrorCode;
  readonly [brand] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NanolambdaError';
    this.code = code;
  }

  static is(value: unknown): value is NanolambdaError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** A config problem: names the file, the field (a JSON path) and the reason. */
export class ConfigError extends NanolambdaError {
  readonly file: string;
  readonly field: string;

  constructor(file: string, field: string, reason: string) {
    super('CONFIG_INVALID', `${file}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'ConfigError';
    this.file = file;
    this.field = field;
  }
}
