// Shared helpers for the FunctionStore tests (test/lambda-store*.test.ts):
// stores opened in temporary directories and closed after each test, the
// inputs and code a function is created with, and catching the
// LambdaApiError a call throws.
import { createHash } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import { FunctionStore } from '../../src/lambda/store/function-store';
import type { CodeInfo, FunctionStoreOptions } from '../../src/lambda/store/function-store';
import { LambdaApiError } from '../../src/lambda/store/lambda-api-error';
import { ARN_PREFIX, tempDir } from './sdk';

/** The unqualified-function ARN prefix a store opened without options hands out. */
export const ARN = ARN_PREFIX;
export const ROLE = 'arn:aws:iam::123456789012:role/lambda-role';
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const stores: FunctionStore[] = [];
// Registered once per test file that imports this module (vitest evaluates
// modules afresh for each file): every store openStore gave out is closed.
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store in `dir` (a fresh temporary directory unless given), closed after the test. */
export function openStore(dir = tempDir('lambda-store'), options?: FunctionStoreOptions): FunctionStore {
  const store = new FunctionStore(dir, options);
  stores.push(store);
  return store;
}

/** The code info the store is given for a package whose content is `content`. */
export function code(content: string): CodeInfo {
  return { sha256: createHash('sha256').update(content).digest('base64'), size: content.length };
}

/** A valid CreateFunction input for `name`, with `more` added or overriding. */
export function createInput(name: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { FunctionName: name, Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', ...more };
}

/** The LambdaApiError `fn` throws; anything else thrown is rethrown, and throwing nothing fails. */
export function caught(fn: () => unknown): LambdaApiError {
  try {
    fn();
  } catch (error) {
    if (LambdaApiError.isLambdaApiError(error)) return error;
    throw error;
  }
  throw new Error('expected a LambdaApiError, nothing was thrown');
}

/** `fn` throws a LambdaApiError with this exception name and status, and the message when given (exact, or matching). */
export function expectLambdaError(fn: () => unknown, exceptionName: string, statusCode: number, message?: string | RegExp): void {
  const error = caught(fn);
  expect({ exceptionName: error.exceptionName, statusCode: error.statusCode }).toEqual({ exceptionName, statusCode });
  if (typeof message === 'string') expect(error.message).toBe(message);
  else if (message) expect(error.message).toMatch(message);
}
