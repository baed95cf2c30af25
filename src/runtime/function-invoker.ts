// Runtime.invoke's work: resolve the function (and version) an invoke names,
// check its input, then run it as the invocation type says: RequestResponse
// on its pool (with the log tail if asked), Event into the durable queue,
// DryRun not at all.
import type { InvokeOptions, InvokeResult } from '../invoke-types';
import { NanolambdaError } from '../errors';
import type { LambdaApiHost } from '../lambda/lambda-api-host';
import { EVENT_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT } from '../limits';
import type { FunctionLogs } from '../logs/function-logs';
import type { FunctionRegistry } from '../registry/registry';
import { RequestResult } from '../request-result';
import type { FunctionPool } from '../scheduler/function-pool';
import { Invocation, type Outcome } from '../workers/invocation';
import type { EventInvocations } from './event-invocations';
import type { FunctionPools } from './function-pools';
import { checkPayload, encodeClientContext } from './invoke-input';

export interface FunctionInvokerParts {
  /** The deployed group's registry (a deployment replaces it). */
  registry(): FunctionRegistry;
  lambdaApi: LambdaApiHost;
  pools: FunctionPools;
  logs: FunctionLogs;
  events: EventInvocations;
  stopped(): boolean;
}

export class FunctionInvoker {
  constructor(private readonly parts: FunctionInvokerParts) {}

  async invoke(name: string, payload: Uint8Array | string, options: InvokeOptions | undefined): Promise<InvokeResult> {
    if (this.parts.stopped()) throw new NanolambdaError('RUNTIME_STOPPED', 'the runtime is stopped');
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const { fn, executedVersion } = this.resolve(name, options?.qualifier);
    const type = options?.type ?? 'RequestResponse';
    const clientContext = options?.clientContext ? encodeClientContext(options.clientContext) : null;
    const pool = this.parts.pools.get(fn)!;

    if (type === 'RequestResponse') {
      checkPayload(bytes, SYNC_PAYLOAD_LIMIT, type);
      const invocation = new Invocation(bytes, clientContext, fn.timeoutMs);
      if (options?.logType === 'Tail') return this.invokeWithTail(pool, invocation, executedVersion);
      let outcome = pool.run(invocation, true);
      // No await when it finished at once: the hot path saves a turn.
      if (outcome instanceof Promise) outcome = await outcome;
      return this.syncResult(invocation, outcome, executedVersion);
    }
    if (type === 'Event') {
      checkPayload(bytes, EVENT_PAYLOAD_LIMIT, type);
      // The stored event's id: its failure record and log lines name it too.
      const requestId = await this.parts.events.accept(fn, bytes, clientContext);
      return { statusCode: 202, payload: Buffer.alloc(0), executedVersion, requestId };
    }
    if (type === 'DryRun') return { statusCode: 204, payload: Buffer.alloc(0), executedVersion };
    throw new NanolambdaError('INVALID_PARAMETER', `invocation type "${String(type)}" is not RequestResponse, Event or DryRun`);
  }

  /** The registry's answer; for a stored function that cannot run here, why not instead of "not found". */
  private resolve(name: string, qualifier: string | undefined): ReturnType<FunctionRegistry['resolve']> {
    try {
      return this.parts.registry().resolve(name, qualifier);
    } catch (error) {
      const why = NanolambdaError.is(error) && error.code === 'FUNCTION_NOT_FOUND' ? this.parts.lambdaApi.whyNotRunnable(name, qualifier) : undefined;
      if (why !== undefined) throw new NanolambdaError('INVALID_PARAMETER', why);
      throw error;
    }
  }

  /**
   * A RequestResponse invocation whose log tail is wanted (X-Amz-Log-Type:
   * Tail): its START line, its worker's output while it ran, END and REPORT,
   * once they are written (one event-loop turn after the result).
   */
  private async invokeWithTail(pool: FunctionPool, invocation: Invocation, executedVersion: string): Promise<InvokeResult> {
    const { logs } = this.parts;
    logs.expectTail(invocation);
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = pool.run(invocation, true);
    } catch (error) {
      logs.forgetTail(invocation);
      throw error;
    }
    const result = this.syncResult(invocation, await outcome, executedVersion);
    result.logResult = await logs.tailOf(invocation);
    return result;
  }

  /** Its requestId is formatted only if someone reads it (the HTTP endpoint does). */
  private syncResult(invocation: Invocation, outcome: Outcome, executedVersion: string): RequestResult {
    const result = new RequestResult(outcome.payload, executedVersion, this.parts.logs.ids, invocation.requestSeq);
    if (outcome.kind !== 'success') result.functionError = outcome.kind === 'handled' ? 'Handled' : 'Unhandled';
    return result;
  }
}
