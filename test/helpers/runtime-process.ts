// Starting one of nanolambda's runtime programs (runtimes/nodejs/lambda_runtime.js,
// runtimes/python/lambda_runtime.py) as a real process the way the host starts a
// worker: in the function's code directory, with the Greengrass environment
// (greengrass-v1.md §2.1) and the language's module path.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  GGC_MAX_INTERFACE_VERSION,
  ROUTER_FUNCTION_ARN,
  SECRETS_MANAGER_FUNCTION_ARN,
  SHADOW_FUNCTION_ARN,
} from '../../src/workers/worker-environment';
import { repoRoot } from './sdk';

export type RuntimeLanguage = 'nodejs' | 'python';

export const nodejsRuntimeDir = path.join(repoRoot, 'runtimes', 'nodejs');
export const pythonRuntimeDir = path.join(repoRoot, 'runtimes', 'python');

// Debian's python3 when there is one: a version manager's shim on PATH costs a second a start.
export const pythonBin = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** The interpreter and program of each runtime. */
const programs: Record<RuntimeLanguage, { command: string; script: string }> = {
  nodejs: { command: process.execPath, script: path.join(nodejsRuntimeDir, 'lambda_runtime.js') },
  python: { command: pythonBin, script: path.join(pythonRuntimeDir, 'lambda_runtime.py') },
};

export interface RuntimeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless it has exited (for afterEach). */
  kill(): void;
}

export interface RuntimeOptions {
  codeDir: string;
  functionArn: string;
  token: string;
  port: number;
  /** Default index.handler. */
  handler?: string;
  encoding?: 'json' | 'binary';
  /** Added to (or, with undefined, removed from) the environment. */
  env?: Record<string, string | undefined>;
}

/** Writes files (name -> text) into a function's code directory. */
export function writeCode(codeDir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(codeDir, name)), { recursive: true });
    fs.writeFileSync(path.join(codeDir, name), text);
  }
}

/** Where each language finds modules: Node.js in Greengrass's NODE_PATH order, Python our core modules. */
function modulePath(language: RuntimeLanguage, codeDir: string): Record<string, string> {
  if (language === 'python') return { PYTHONPATH: pythonRuntimeDir };
  return { NODE_PATH: [codeDir, path.join(nodejsRuntimeDir, 'node_modules'), path.join(codeDir, 'node_modules')].join(':') };
}

/** The environment a worker of the function gets (a clean one, not the test's). */
export function functionEnvironment(language: RuntimeLanguage, options: Omit<RuntimeOptions, 'handler'>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    MY_FUNCTION_ARN: options.functionArn,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: options.token,
    ENCODING_TYPE: options.encoding ?? 'json',
    GGC_MAX_INTERFACE_VERSION,
    GG_DAEMON_PORT: String(options.port),
    ROUTER_FUNCTION_ARN,
    SHADOW_FUNCTION_ARN,
    SECRETS_MANAGER_FUNCTION_ARN,
    AWS_REGION: 'us-east-1',
    ...modulePath(language, options.codeDir),
    ...options.env,
  };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  return env;
}

export function startRuntime(language: RuntimeLanguage, options: RuntimeOptions): RuntimeProcess {
  const program = programs[language];
  const child = spawn(program.command, [program.script, `--handler=${options.handler ?? 'index.handler'}`], {
    cwd: options.codeDir,
    env: functionEnvironment(language, options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
