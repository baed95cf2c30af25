// Constraint violations collected over one request and thrown together, the
// way Lambda reports them:
//   1 validation error detected: Value '0' at 'timeout' failed to satisfy
//   constraint: Member must have value greater than or equal to 1
//   2 validation errors detected: <first>; <second>
// Field names are the API model's member names (camelCase), as AWS prints them.
import { LambdaApiError } from './lambda-api-error';

/** Marks a value that must not be echoed back (environment variables hold secrets). */
export const SENSITIVE = Symbol('sensitive');

export class Violations {
  private readonly found: string[] = [];

  /** Record that `value` at `field` breaks `constraint` ("Member must ..."). */
  add(value: unknown, field: string, constraint: string): void {
    this.found.push(`${describeValue(value)} at '${field}' failed to satisfy constraint: ${constraint}`);
  }

  get size(): number {
    return this.found.length;
  }

  /** Throw one ValidationException naming every violation found, if any. */
  throwIfAny(): void {
    const error = this.toError('ValidationException');
    if (error) throw error;
  }

  /** The violations as one error of the given exception (Lambda uses InvalidParameterValueException for a few). */
  toError(exception: 'ValidationException' | 'InvalidParameterValueException'): LambdaApiError | undefined {
    const n = this.found.length;
    if (n === 0) return undefined;
    return new LambdaApiError(exception, `${n} validation error${n > 1 ? 's' : ''} detected: ${this.found.join('; ')}`);
  }
}

function describeValue(value: unknown): string {
  if (value === SENSITIVE) return 'Value';
  if (value === null || value === undefined) return 'Value null';
  if (typeof value === 'string') return `Value '${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `Value '${String(value)}'`;
  return `Value '${JSON.stringify(value)}'`;
}

/** An integer from a number or a decimal string (query parameters arrive as strings). */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value)) return Number(value);
  return undefined;
}
