// An aws-lambda-cpp based bootstrap (fixtures/runtime-api/cpp-bootstrap)
// against the real RuntimeApiServer: the C++ runtime client AWS publishes, as
// custom runtimes in C++ (and aws-lambda-ric's native client) use it. Its
// source is the copy aws-lambda-ric ships (deps/aws-lambda-cpp.tar.xz); it
// builds in seconds with cmake, g++ and libcurl's headers
// (Debian: libcurl4-openssl-dev). Skipped, saying why, when any is missing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentLog } from '../src/logs/system-log';
import { runtimeApiEnvironment } from '../src/runtime-api/runtime-api-environment';
import { RuntimeApiServer } from '../src/runtime-api/runtime-api-server';
import type { Outcome } from '../src/workers/invocation';
import { findAwsLambdaRic } from './fixtures/runtime-api/find-ric';
import { TEST_ARN, WorkerDouble } from './fixtures/runtime-api/worker-double';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const SOURCE = path.join(__dirname, 'fixtures', 'runtime-api', 'cpp-bootstrap', 'main.cpp');
const LIMIT = 6 * 1024 * 1024 + 100;

function succeeds(command: string, args: string[], input?: string): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe', input });
    return true;
  } catch {
    return false;
  }
}

function whatIsMissing(): { tarball: string } | { missing: string } {
  const ric = findAwsLambdaRic();
  if ('missing' in ric) return { missing: `the aws-lambda-cpp source comes with aws-lambda-ric: ${ric.missing}` };
  const tarball = path.join(ric.dir, 'deps', 'aws-lambda-cpp.tar.xz');
  if (!fs.existsSync(tarball)) return { missing: `${tarball} does not exist` };
  for (const tool of ['cmake', 'make', 'g++', 'tar']) {
    if (!succeeds('sh', ['-c', `command -v ${tool}`])) return { missing: `${tool} is not installed` };
  }
  if (!succeeds('g++', ['-E', '-x', 'c++', '-'], '#include <curl/curl.h>\n')) {
    return { missing: "libcurl's headers are not installed (apt-get install libcurl4-openssl-dev)" };
  }
  return { tarball };
}
const needs = whatIsMissing();
const missing = 'missing' in needs ? needs.missing : undefined;
if (missing) console.warn(`skipping runtime-api-cpp.test.ts: ${missing}`);

/** Build aws-lambda-cpp from the tarball, then the bootstrap against it. */
function buildBootstrap(tarball: string): string {
  const dir = tempDir('runtime-api-cpp');
  const src = path.join(dir, 'aws-lambda-cpp');
  const build = path.join(src, 'build');
  const prefix = path.join(dir, 'install');
  fs.mkdirSync(build, { recursive: true });
  execFileSync('tar', ['xJf', tarball, '-C', src], { stdio: 'pipe' });
  execFileSync('cmake', ['..', '-DCMAKE_BUILD_TYPE=Release', '-DENABLE_LTO=OFF', `-DCMAKE_INSTALL_PREFIX=${prefix}`], { cwd: build, stdio: 'pipe' });
  execFileSync('make', ['-j2', 'install'], { cwd: build, stdio: 'pipe' });
  const bootstrap = path.join(dir, 'bootstrap');
  execFileSync('g++', ['-std=c++11', '-O1', '-Wall', '-I', path.join(prefix, 'include'), SOURCE, path.join(prefix, 'lib', 'libaws-lambda-runtime.a'), '-lcurl', '-o', bootstrap], {
    stdio: 'pipe',
  });
  return bootstrap;
}

const silentLog: ComponentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const document = (outcome: Outcome): Record<string, unknown> => JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;

describe.skipIf(missing !== undefined)('an aws-lambda-cpp bootstrap through the Runtime API', () => {
  let bootstrap: string;
  beforeAll(() => {
    bootstrap = buildBootstrap((needs as { tarball: string }).tarball);
  });

  async function start(extraEnv: Record<string, string> = {}): Promise<{ worker: WorkerDouble; child: ChildProcess; exited: Promise<number | null> }> {
    const worker = new WorkerDouble();
    const api = await RuntimeApiServer.start(worker, { log: silentLog });
    cleanups.push(() => api.close());
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...runtimeApiEnvironment({ name: 'cpp-fn', version: '1', memoryBytes: 64 * 1024 * 1024 }, {
        runtimeApi: api.address,
        handler: 'bootstrap',
        taskRoot: path.dirname(bootstrap),
      }),
      ...extraEnv,
    };
    const child = spawn(bootstrap, [], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    return { worker, child, exited };
  }

  it('gets invocations with the request fields Lambda gives, and answers them', async () => {
    const { worker } = await start();
    const clientContext = { custom: { subject: 'plc/7' } };
    for (let n = 0; n < 5; n += 1) {
      const invocation = worker.invoke(JSON.stringify({ n }), { clientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'), timeoutMs: 60_000 });
      const outcome = await invocation.outcome;
      expect(outcome.kind).toBe('success');
      const seen = document(outcome);
      expect(seen).toMatchObject({ request_id: invocation.requestId, function_arn: TEST_ARN, client_context: clientContext, payload: { n } });
      expect(seen.xray_trace_id).toMatch(/^Root=1-/);
      expect(seen.remaining_ms).toBeGreaterThan(0);
      expect(seen.remaining_ms).toBeLessThanOrEqual(60_000);
    }
  });

  it('invocation_response::failure is the invoker\'s Unhandled document', async () => {
    const { worker } = await start();
    const failed = await worker.invoke('"fail"').outcome;
    expect(failed.kind).toBe('unhandled');
    expect(document(failed)).toEqual({ errorMessage: 'the handler failed', errorType: 'HandlerError', stackTrace: [] });
  });

  it('an answer over 6 MB + 100 bytes fails the invocation; the library then exits', async () => {
    const { worker, exited } = await start();
    const big = await worker.invoke('"big"').outcome;
    expect(document(big)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: expect.stringContaining(`Response payload size (7000000 bytes) exceeded maximum allowed payload size (${LIMIT} bytes).`),
    });
    expect(await exited).toBe(0);
  });

  it('post_init_error reaches the worker as written', async () => {
    const { worker, exited } = await start({ INIT_ERROR: '1' });
    expect(await exited).toBe(1);
    expect(worker.initFailures.map(document)).toEqual([{ errorMessage: 'no configuration', errorType: 'Runtime.NoConfig', stackTrace: [] }]);
  });

  it('a stopping worker makes it give up on /next and exit', async () => {
    const { worker, exited } = await start();
    await waitFor(() => worker.parked === 1, 10_000, 'the bootstrap waiting on /next');
    worker.stop();
    expect(await exited).toBe(0);
  });
});
