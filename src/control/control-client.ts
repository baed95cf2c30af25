// Talking to a running runtime through its control socket (control-socket.ts):
// its status for `nanolambda ps`, a deployment for `nanolambda deploy`.
import http from 'node:http';
import { NanolambdaError, type ErrorCode } from '../errors';
import { controlSocketPath } from './control-socket';
import type { RuntimeStatus } from './status';

/** Fetch a running runtime's status. */
export async function fetchStatus(stateDir: string): Promise<RuntimeStatus> {
  const { status, body } = await request(stateDir, 'GET', '/status');
  if (status !== 200) throw new NanolambdaError('INTERNAL', `the control socket answered ${status}: ${JSON.stringify(body)}`);
  return body as RuntimeStatus;
}

/** Ask the runtime on stateDir to switch to the group in `file` (absolute); rejects with its reason. */
export async function requestDeploy(stateDir: string, file: string): Promise<void> {
  const { status, body } = await request(stateDir, 'POST', '/deploy', { file });
  if (status === 200) return;
  const { code, message } = body as { code?: ErrorCode; message?: string };
  throw new NanolambdaError(code ?? 'INTERNAL', message ?? `the control socket answered ${status}`);
}

function request(stateDir: string, method: string, path: string, payload?: unknown): Promise<{ status: number; body: unknown }> {
  const socketPath = controlSocketPath(stateDir);
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (error) {
          reject(new NanolambdaError('INTERNAL', `the control socket ${socketPath} sent no JSON: ${(error as Error).message}`));
        }
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'no runtime is running there' : error.message;
      reject(new NanolambdaError('RUNTIME_STOPPED', `cannot reach ${socketPath}: ${reason}`));
    });
    req.end(payload === undefined ? undefined : JSON.stringify(payload));
  });
}
