// The benchmark target behind a running runtime's local HTTP invoke endpoint:
// signed requests over one keep-alive agent; workers from its control socket.
import http from 'node:http';
import { fetchStatus } from '../control/control-client';
import { errorMessageOf, httpInvoke } from '../cli/http-invoke';
import type { SigningKey } from '../cli/client-credentials';
import { shortMessage, type InvokeOutcome } from './outcome';
import type { BenchTarget, WorkersAnswer } from './target';
import { workersOf } from './function-workers';
import { callByCall } from './call-driver';
import type { EncodingType } from '../config/types';

export interface HttpTargetOptions {
  endpoint: URL;
  functionName: string;
  qualifier: string | undefined;
  payload: Buffer;
  key: SigningKey | undefined;
  /** The state directory of the runtime behind the endpoint (its control socket). */
  stateDir: string;
  maxSockets: number;
  /** The function's EncodingType when the group file names it. */
  encoding: EncodingType | undefined;
}

export function httpTarget(options: HttpTargetOptions): BenchTarget {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const invokeOptions = options.qualifier === undefined ? {} : { qualifier: options.qualifier };
  const invoke = async (): Promise<InvokeOutcome> => {
    let reply;
    try {
      reply = await httpInvoke(options.endpoint, options.functionName, options.payload, invokeOptions, agent, options.key);
    } catch (error) {
      return { kind: 'failed', message: connectionMessage(error, options.endpoint) };
    }
    if (reply.status >= 300) {
      const type = String(reply.headers['x-amzn-errortype'] ?? `HTTP ${reply.status}`);
      return { kind: 'failed', message: shortMessage(`${type} (HTTP ${reply.status}): ${errorMessageOf(reply)}`) };
    }
    if (reply.headers['x-amz-function-error'] !== undefined) {
      return { kind: 'function-error', message: shortMessage(reply.body.toString('utf8')) };
    }
    return { kind: 'ok' };
  };
  const workers = async (): Promise<WorkersAnswer> => {
    try {
      return { workers: workersOf(await fetchStatus(options.stateDir), options.functionName) };
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
  };
  return {
    via: 'http',
    where: options.endpoint.href,
    encoding: options.encoding,
    ...callByCall(invoke),
    workers,
    close: async () => agent.destroy(),
  };
}

function connectionMessage(error: unknown, endpoint: URL): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `no nanolambda listening on ${endpoint.href}: start one with \`nanolambda start\` (or pass --endpoint URL)`;
  return `cannot talk to ${endpoint.href}: ${(error as Error).message}`;
}
