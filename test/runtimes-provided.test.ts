// Custom runtimes (provided.al2) on the real runtime, through the Lambda
// Runtime API: a bash + curl bootstrap as AWS's tutorial writes one, and, where
// it is installed, aws-lambda-ric running a Node.js handler unmodified.
// Errors the bootstrap reports, and a bootstrap that exits, come back as
// Lambda reports them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { findAwsLambdaRic } from './fixtures/runtime-api/find-ric';
import { useRuntime } from './helpers/group-edit';
import { arnOf, ensureSdk, tempDir, writeGroup, type TestFunction } from './helpers/sdk';

const ric = findAwsLambdaRic();
const ricMissing = 'missing' in ric ? ric.missing : undefined;
if (ricMissing) console.warn(`runtimes-provided: the aws-lambda-ric case is skipped: ${ricMissing}`);

describe('custom runtimes through the Lambda Runtime API', () => {
  let dir: string;
  let runtime: Runtime;
  const fns: TestFunction[] = [];

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('runtimes-provided');
    const bashCode = path.join(dir, 'bash-code');
    fs.mkdirSync(bashCode);
    fs.copyFileSync(path.join(__dirname, 'fixtures', 'runtime-api', 'bootstrap.sh'), path.join(bashCode, 'bootstrap'));
    fs.chmodSync(path.join(bashCode, 'bootstrap'), 0o755);
    fns.push({ name: 'bash-rt', executable: bashCode });
    // Answers its first invocation, then hangs without asking for more; and one that never asks at all.
    const script = (name: string, body: string) => {
      const code = path.join(dir, name);
      fs.mkdirSync(code);
      fs.writeFileSync(path.join(code, 'bootstrap'), `#!/bin/bash\nAPI="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"\n${body}\n`, { mode: 0o755 });
      return code;
    };
    const answerOnce = 'id=$(curl -sS -D - -o /dev/null "$API/invocation/next" | grep -i "^lambda-runtime-aws-request-id:" | cut -d" " -f2 | tr -d "\\r")\n' +
      'curl -sS -X POST "$API/invocation/$id/response" --data-binary \'"first"\' > /dev/null\nexec sleep 1000';
    fns.push({ name: 'stall-rt', executable: script('stall-code', answerOnce), timeout: 1 });
    fns.push({ name: 'mute-rt', executable: script('mute-code', 'exec sleep 1000') });
    if (!ricMissing) {
      // What a container image for aws-lambda-ric does: its bootstrap runs the client on the handler.
      const ricCode = path.join(dir, 'ric-code');
      fs.mkdirSync(ricCode);
      fs.copyFileSync(path.join(__dirname, 'fixtures', 'runtime-api', 'ric-task', 'index.mjs'), path.join(ricCode, 'index.mjs'));
      fs.writeFileSync(path.join(ricCode, 'bootstrap'), `#!/bin/sh\nexec ${process.execPath} ${path.join((ric as { dir: string }).dir, 'index.mjs')}\n`, { mode: 0o755 });
      fns.push({ name: 'ric-rt', executable: ricCode });
    }
    const group = writeGroup(dir, fns);
    useRuntime(group, 'provided.al2', new Map(fns.map((fn) => [arnOf(fn), 'index.handler'])));
    runtime = await Runtime.start({ group, http: false });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('runs a bash bootstrap: the event and the Runtime API headers reach it, its response comes back', async () => {
    const result = await runtime.invoke('bash-rt', '{"hello":"bash"}');
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    const echoed = result.payload.toString();
    expect(echoed).toMatch(/^lambda-runtime-aws-request-id: [0-9a-f-]{36}\r?$/im);
    expect(echoed).toMatch(new RegExp(`^lambda-runtime-invoked-function-arn: ${arnOf(fns[0]!)}\\r?$`, 'im'));
    expect(echoed).toMatch(/^lambda-runtime-deadline-ms: \d{13}\r?$/im);
    expect(echoed.endsWith('{"hello":"bash"}')).toBe(true);
  });

  it("returns the bootstrap's own error document as an Unhandled error", async () => {
    const result = await runtime.invoke('bash-rt', '"error"');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString())).toEqual({ errorMessage: 'the handler failed', errorType: 'Custom', stackTrace: ['at handler (bootstrap:1)'] });
  });

  it('reports a bootstrap that exits during an invocation as Runtime.ExitError, and starts a new one', async () => {
    const result = await runtime.invoke('bash-rt', '"exit"');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString()).errorMessage).toMatch(/Runtime exited with error: exit status 3$/);
    expect((await runtime.invoke('bash-rt', '"again"')).functionError).toBeUndefined();
  });

  it('times out an invocation a runtime never takes after answering the one before (a hung runtime)', async () => {
    expect((await runtime.invoke('stall-rt', '{}')).payload.toString()).toBe('"first"');
    const second = await runtime.invoke('stall-rt', '{}');
    expect(second.functionError).toBe('Unhandled');
    expect(JSON.parse(second.payload.toString())).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 1\.00 seconds$/) });
  });

  it('stops a runtime that never asks for work within 10 seconds, failing what waited with Runtime.InitTimeout', async () => {
    const result = await runtime.invoke('mute-rt', '{}');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload.toString())).toMatchObject({
      errorType: 'Runtime.InitTimeout',
      errorMessage: expect.stringContaining('the runtime did not finish initialising within 10.00 seconds'),
    });
  }, 30_000);

  it.skipIf(ricMissing !== undefined)('runs a Node.js handler through aws-lambda-ric, unmodified, with its context', async () => {
    const result = await runtime.invoke('ric-rt', '{"from":"test"}');
    expect(result.functionError, result.payload.toString()).toBeUndefined();
    expect(JSON.parse(result.payload.toString())).toMatchObject({
      event: { from: 'test' },
      functionName: 'ric-rt',
      functionVersion: '1',
      invokedFunctionArn: arnOf({ name: 'ric-rt', executable: '' }),
    });
    const failed = await runtime.invoke('ric-rt', '{"fail":"no good"}');
    expect(failed.functionError).toBe('Unhandled');
    expect(JSON.parse(failed.payload.toString())).toMatchObject({ errorType: 'TypeError', errorMessage: 'no good' });
  });
});
