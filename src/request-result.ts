// The result of a synchronous invocation, as the TypeScript API returns it.
import { inspect } from 'node:util';
import type { FunctionError, InvokeResult } from './invoke-types';
import type { RequestIds } from './logs/request-id';

/**
 * The result of a RequestResponse invocation. Its requestId is formatted
 * when first read (the HTTP endpoint reads it; a benchmark loop never does).
 * Printed or serialized, it looks like the plain InvokeResult it is.
 */
export class RequestResult implements InvokeResult {
  readonly statusCode = 200 as const;
  functionError?: FunctionError;
  logResult?: string;
  readonly #ids: RequestIds;
  #seq: number | undefined;
  #id: string | undefined = undefined;

  constructor(
    public payload: Buffer,
    public executedVersion: string,
    ids: RequestIds,
    seq: number | undefined,
  ) {
    this.#ids = ids;
    this.#seq = seq;
  }

  get requestId(): string {
    if (this.#id === undefined) {
      // An invocation that never reached a worker still gets an id of its own.
      this.#seq ??= this.#ids.next();
      this.#id = this.#ids.format(this.#seq);
    }
    return this.#id;
  }

  toJSON(): InvokeResult {
    const out: InvokeResult = { statusCode: this.statusCode, payload: this.payload, executedVersion: this.executedVersion, requestId: this.requestId };
    if (this.functionError !== undefined) out.functionError = this.functionError;
    if (this.logResult !== undefined) out.logResult = this.logResult;
    return out;
  }

  [inspect.custom](): InvokeResult {
    return this.toJSON();
  }
}
