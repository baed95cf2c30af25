// The header names of the Greengrass V1 IPC (greengrass-v1.md §2.2), as
// node:http gives them (lower case) and as we send them.

export const AUTHORIZATION = 'authorization';
export const INVOCATION_ID = 'X-Amz-InvocationId';
export const INVOCATION_TYPE = 'X-Amz-Invocation-Type';
export const CLIENT_CONTEXT = 'X-Amz-Client-Context';
export const FUNCTION_ERROR = 'X-Amz-Function-Error';
/** nanolambda's addition on work items: epoch milliseconds by which the invocation must be answered. */
export const DEADLINE_MS = 'X-Amz-Deadline-Ms';

/** A request header's value: undefined when absent, the first when repeated. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
