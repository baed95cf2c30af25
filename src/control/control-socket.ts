// The runtime's control socket, <stateDir>/control.sock: a Unix socket only
// the state directory's owner can reach, serving the status `nanolambda ps`
// prints.
//
// The state directory is guarded too: a second runtime on it would run the
// same durable events twice, so it refuses to start. The guard is a Linux
// abstract socket named after the directory: binding it is atomic, and the
// kernel releases it when the process dies, even by SIGKILL, so there is
// never a stale lock to clean up.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { NanolambdaError } from '../errors';
import { stateDirKey } from '../system/state-key';
import type { RuntimeStatus } from './status';

export const CONTROL_SOCKET = 'control.sock';
/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_SOCKET_PATH = 107;

export function controlSocketPath(stateDir: string): string {
  return path.join(stateDir, CONTROL_SOCKET);
}

export interface ControlSocket {
  close(): Promise<void>;
}

/** Take the state directory and serve the status. */
export async function openControlSocket(stateDir: string, status: () => RuntimeStatus): Promise<ControlSocket> {
  const socketPath = controlSocketPath(stateDir);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new NanolambdaError(
      'INVALID_PARAMETER',
      `the state directory ${stateDir} is too deep for its control socket (${socketPath} is over ${MAX_SOCKET_PATH} bytes): choose a shorter StateDir`,
    );
  }
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new NanolambdaError(
      'STORAGE_FAILED',
      `cannot create the state directory ${stateDir}: ${(error as Error).message}; make it writable by nanolambda or set Nanolambda.StateDir`,
      { cause: error },
    );
  }
  const guard = await listen(net.createServer((socket) => socket.destroy()), guardName(stateDir), stateDir);
  // We hold the directory: a socket file here is left from a runtime that died.
  fs.rmSync(socketPath, { force: true });

  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(status()));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: `no ${request.method} ${request.url} here; try GET /status` }));
  });
  try {
    await listen(server, socketPath, stateDir);
  } catch (error) {
    guard.close();
    throw error;
  }
  fs.chmodSync(socketPath, 0o600);
  server.unref();
  guard.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => guard.close(() => resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Fetch a running runtime's status over its control socket. */
export function fetchStatus(stateDir: string): Promise<RuntimeStatus> {
  const socketPath = controlSocketPath(stateDir);
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: '/status' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RuntimeStatus);
        } catch (error) {
          reject(new NanolambdaError('INTERNAL', `the control socket ${socketPath} sent no status: ${(error as Error).message}`));
        }
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'no runtime is running there' : error.message;
      reject(new NanolambdaError('RUNTIME_STOPPED', `cannot reach ${socketPath}: ${reason}`));
    });
  });
}

function inUse(stateDir: string): NanolambdaError {
  return new NanolambdaError(
    'STATE_DIR_IN_USE',
    `another nanolambda runtime is using the state directory ${stateDir}: stop it or choose another StateDir`,
  );
}

/** The abstract socket name (leading NUL) that stands for a state directory. */
function guardName(stateDir: string): string {
  return `\0nanolambda-state-${stateDirKey(stateDir)}`;
}

function listen<T extends net.Server>(server: T, where: string, stateDir: string): Promise<T> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? inUse(stateDir) : error));
    server.listen(where, () => resolve(server));
  });
}
