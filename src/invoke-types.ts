// The shapes of the invocation API shared by the TypeScript API, the HTTP
// endpoint, the CLI and function-to-function calls.

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';
export type LogType = 'None' | 'Tail';

export interface InvokeOptions {
  /** Default 'RequestResponse'. */
  type?: InvocationType;
  /** A version number, an alias or '$LATEST'; conflicts with a qualified name. */
  qualifier?: string;
  /** base64 of a JSON object, as X-Amz-Client-Context carries it. */
  clientContext?: string;
  /** 'Tail' returns the last 4 KB of the invocation's log (sync only). */
  logType?: LogType;
}

export type FunctionError = 'Handled' | 'Unhandled';

export interface InvokeResult {
  /** 200 RequestResponse, 202 Event, 204 DryRun. */
  statusCode: 200 | 202 | 204;
  /** The response, or for a function error the error document (JSON). */
  payload: Buffer;
  /** Set when the function failed. */
  functionError?: FunctionError;
  /** '$LATEST' or the version number that ran. */
  executedVersion: string;
  /** base64 of the invocation's log tail, when logType was 'Tail'. */
  logResult?: string;
  /**
   * The invocation's request id (UUID form), as in its START/END/REPORT log
   * lines and error messages; the HTTP endpoint sends it as x-amzn-RequestId.
   * Set by the runtime for RequestResponse invocations.
   */
  readonly requestId?: string;
}

/** What the HTTP endpoint, the CLI and the router need from a runtime. */
export interface Invoker {
  /**
   * Invoke a function by name, partial or full ARN (optionally ':qualifier').
   * Rejects with a NanolambdaError: FUNCTION_NOT_FOUND, INVALID_PARAMETER
   * (e.g. conflicting qualifiers, bad client context), PAYLOAD_TOO_LARGE,
   * TOO_MANY_REQUESTS, RUNTIME_STOPPED. A failing function is NOT a
   * rejection: it resolves with functionError set.
   */
  invoke(name: string, payload: Uint8Array, options?: InvokeOptions): Promise<InvokeResult>;
}
