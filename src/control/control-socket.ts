// The runtime's control socket, <stateDir>/control.sock: a Unix socket only
// the state directory's owner can reach, serving the status `nanolambda ps`
// prints. It also guards the state directory: a second runtime on the same
// directory would run the same durable events twice, so it refuses to start.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { NanolambdaError } from '../errors';
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
  if (await answers(socketPath)) throw inUse(stateDir, socketPath);
  // A socket file nobody answers on is left from a runtime that died. (Not
  // closed: two runtimes starting in the same millisecond over a stale
  // socket. Otherwise a runtime that binds first makes the other's listen
  // fail with EADDRINUSE.)
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? inUse(stateDir, socketPath) : error),
    );
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
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

function inUse(stateDir: string, socketPath: string): NanolambdaError {
  return new NanolambdaError(
    'STATE_DIR_IN_USE',
    `another nanolambda runtime is using the state directory ${stateDir} (its control socket ${socketPath} answers): stop it or choose another StateDir`,
  );
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
