// The runtime's control socket, <stateDir>/control.sock: a Unix socket only
// the state directory's owner can reach, serving the status `nanolambda ps`
// prints (GET /status) and deployments of `nanolambda deploy` (POST /deploy
// {"file": <absolute path of a group file>}). The client side is
// control-client.ts.
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

export interface ControlHandlers {
  status(): RuntimeStatus;
  /** Switch to the group in `file`; rejects with a NanolambdaError saying why not. */
  deploy(file: string): Promise<void>;
}

/** A deployment request's body is a path: a few KB is plenty. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Take the state directory and serve the status and deployments. */
export async function openControlSocket(stateDir: string, handlers: ControlHandlers): Promise<ControlSocket> {
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
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && request.url === '/status') {
      reply(200, handlers.status());
      return;
    }
    if (request.method === 'POST' && request.url === '/deploy') {
      readJson(request, (body) => {
        const file = (body as { file?: unknown } | undefined)?.file;
        if (typeof file !== 'string' || !path.isAbsolute(file)) {
          reply(400, { code: 'INVALID_PARAMETER', message: 'expected {"file": <absolute path of a group file>}' });
          return;
        }
        handlers.deploy(file).then(
          () => reply(200, { deployed: file }),
          (error: unknown) =>
            reply(NanolambdaError.is(error) && error.code !== 'INTERNAL' ? 400 : 500, {
              code: NanolambdaError.is(error) ? error.code : 'INTERNAL',
              message: error instanceof Error ? error.message : String(error),
            }),
        );
      });
      return;
    }
    reply(404, { message: `no ${request.method} ${request.url} here; try GET /status or POST /deploy` });
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

/** A small JSON body, or undefined when it is not JSON or too large. */
function readJson(request: http.IncomingMessage, done: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    try {
      done(size > MAX_REQUEST_BYTES ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      done(undefined);
    }
  });
}
