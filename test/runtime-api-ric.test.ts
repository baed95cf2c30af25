// aws-lambda-ric, AWS's Node.js runtime interface client (its native
// aws-lambda-cpp/curl client and its HTTP paths), unmodified, against the
// real RuntimeApiServer: handlers in test/fixtures/runtime-api/ric-task run
// through it as they would in a Lambda custom runtime.
//
// aws-lambda-ric is not a dependency (its install compiles curl and
// aws-lambda-cpp: minutes); see fixtures/runtime-api/find-ric.ts for where it
// is looked for. Without it the test is skipped, saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ComponentLog } from '../src/logs/system-log';
import { runtimeApiEnvironment } from '../src/runtime-api/runtime-api-environment';
import { RuntimeApiServer } from '../src/runtime-api/runtime-api-server';
import type { Outcome } from '../src/workers/invocation';
import { TEST_ARN, WorkerDouble } from './fixtures/runtime-api/worker-double';
import { findAwsLambdaRic } from './fixtures/runtime-api/find-ric';
import { waitFor } from './helpers/wait';

const TASK_ROOT = path.join(__dirname, 'fixtures', 'runtime-api', 'ric-task');

const found = findAwsLambdaRic();
const ricDir = 'dir' in found ? found.dir : undefined;
const missing = 'missing' in found ? found.missing : undefined;
if (missing) console.warn(`skipping runtime-api-ric.test.ts: ${missing}`);

const silentLog: ComponentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Ric {
  worker: WorkerDouble;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

async function startRic(handler: string): Promise<Ric> {
  const worker = new WorkerDouble();
  const api = await RuntimeApiServer.start(worker, { log: silentLog });
  cleanups.push(() => api.close());
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: 'us-east-1',
    ...runtimeApiEnvironment({ name: 'custom-runtime', version: '3', memoryBytes: 128 * 1024 * 1024 }, {
      runtimeApi: api.address,
      handler,
      taskRoot: TASK_ROOT,
    }),
  };
  const child = spawn(process.execPath, [path.join(ricDir!, 'index.mjs')], { cwd: TASK_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { worker, child, exited, output: () => output };
}

const document = (outcome: Outcome): Record<string, unknown> => JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;

describe.skipIf(missing !== undefined)('aws-lambda-ric through the Runtime API', () => {
  it('runs a handler with the context Lambda gives it, invocation after invocation', async () => {
    const ric = await startRic('index.handler');
    const clientContext = { custom: { subject: 'sensors/1' }, env: { locale: 'de' } };
    const first = ric.worker.invoke(JSON.stringify({ n: 0 }), {
      clientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'),
      timeoutMs: 60_000,
    });
    const outcome = await first.outcome;
    expect(outcome.kind, ric.output()).toBe('success');
    const result = document(outcome);
    expect(result).toMatchObject({
      event: { n: 0 },
      awsRequestId: first.requestId,
      functionName: 'custom-runtime',
      functionVersion: '3',
      memoryLimitInMB: '128',
      invokedFunctionArn: TEST_ARN,
      logGroupName: '/aws/lambda/custom-runtime',
      clientContext,
    });
    expect(result.remainingMs).toBeGreaterThan(0);
    expect(result.remainingMs).toBeLessThanOrEqual(60_000);
    expect(result.traceId).toMatch(/^Root=1-/);

    // The client keeps one connection: many in a row exercise its reuse.
    for (let n = 1; n <= 25; n += 1) {
      const next = ric.worker.invoke(JSON.stringify({ n }));
      expect(document(await next.outcome)).toMatchObject({ event: { n }, awsRequestId: next.requestId });
    }
  });

  it('a handler that throws is Unhandled with the Node client\'s error document', async () => {
    const ric = await startRic('index.handler');
    const failed = await ric.worker.invoke(JSON.stringify({ fail: 'no sensor' })).outcome;
    expect(failed.kind).toBe('unhandled');
    const error = document(failed);
    expect(error).toMatchObject({ errorType: 'TypeError', errorMessage: 'no sensor' });
    expect((error.trace as string[])[0]).toBe('TypeError: no sensor');
    // The runtime goes on to the next invocation.
    const after = await ric.worker.invoke('{"n":1}').outcome;
    expect(after.kind).toBe('success');
  });

  it('a streamed response arrives whole; a stream that fails is Unhandled', async () => {
    const ric = await startRic('index.stream');
    const streamed = await ric.worker.invoke(JSON.stringify({ parts: ['one ', 'two ', 'three'] })).outcome;
    expect(streamed.kind, ric.output()).toBe('success');
    expect(streamed.payload.toString()).toBe('one two three');
    const broken = await ric.worker.invoke(JSON.stringify({ parts: ['partial'], fail: 'stream broke' })).outcome;
    expect(broken.kind).toBe('unhandled');
    expect(document(broken)).toMatchObject({ errorType: 'Error', errorMessage: 'stream broke' });
  });

  it('a handler that does not exist is an init error: Runtime.HandlerNotFound, and the client exits', async () => {
    const ric = await startRic('index.nothere');
    const pending = ric.worker.invoke('{}');
    expect(await ric.exited).not.toBe(0);
    await waitFor(() => ric.worker.initFailures.length === 1, 10_000, 'the init error');
    const error = document(ric.worker.initFailures[0]!);
    expect(error.errorType).toBe('Runtime.HandlerNotFound');
    expect(String(error.errorMessage)).toContain('nothere');
    expect(document(await pending.outcome)).toEqual(error);
  });
});
