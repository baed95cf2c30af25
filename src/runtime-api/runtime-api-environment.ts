// The Lambda variables a custom runtime's process reads (lambda-api.md §4):
// where its Runtime API is, its handler and code, and what its context
// reports. aws-lambda-ric refuses to start without _HANDLER and
// LAMBDA_TASK_ROOT and fails its first invocation when any of the function
// name, version, memory size, log group or log stream is empty. The caller
// adds these to the function's usual environment (they win over it).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { FunctionSpec } from '../config/types';

export interface RuntimeApiEnvironmentOptions {
  /** RuntimeApiServer.address: "127.0.0.1:<port>". */
  runtimeApi: string;
  /** The function's configured handler (_HANDLER); omitted when empty. */
  handler: string;
  /** Where the function's code is, as the process sees it (LAMBDA_TASK_ROOT). */
  taskRoot: string;
}

export function runtimeApiEnvironment(
  fn: Pick<FunctionSpec, 'name' | 'version' | 'memoryBytes'>,
  options: RuntimeApiEnvironmentOptions,
): Record<string, string> {
  const env: Record<string, string> = {
    AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMegabytes(fn.memoryBytes)),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(fn.version, new Date()),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
  if (options.handler !== '') env._HANDLER = options.handler;
  return env;
}

/** Its memory limit in MB; without one, the machine's memory, which is what it may use. */
function memoryMegabytes(memoryBytes: number | undefined): number {
  return Math.floor((memoryBytes ?? os.totalmem()) / (1024 * 1024));
}

/** Lambda's form, one per execution environment: `YYYY/MM/DD/[<version>]<32 hex>`. */
function logStreamName(version: string, now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[${version}]${randomBytes(16).toString('hex')}`;
}
