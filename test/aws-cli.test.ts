// The real AWS CLI v2 (`aws lambda invoke --endpoint-url`) against a real
// Runtime over the built-in example group: the wire contract that matters.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime as RuntimeClass } from '../src/runtime';
import { aws, awsMissing, awsScratch, type CliRun } from './helpers/aws-cli';
import { ensureSdk } from './helpers/sdk';

const missing = awsMissing;
if (missing) console.log(`skipping the AWS CLI tests: ${missing}`);
const tmp = awsScratch;

interface Invoked {
  run: CliRun;
  /** The JSON the CLI printed (StatusCode, ExecutedVersion, ...). */
  printed: Record<string, unknown>;
  /** The response payload the CLI wrote to the outfile. */
  out: Buffer;
}

let runtime: RuntimeClass;
let endpoint: string;
let counter = 0;

async function invoke(functionName: string, payload: string | undefined, extra: string[] = []): Promise<Invoked> {
  const outFile = path.join(tmp, `out-${++counter}.json`);
  const args = ['lambda', 'invoke', '--endpoint-url', endpoint, '--function-name', functionName, '--cli-binary-format', 'raw-in-base64-out'];
  if (payload !== undefined) args.push('--payload', payload);
  const run = await aws([...args, ...extra, outFile], runtime.group.stateDir);
  if (run.code !== 0) return { run, printed: {}, out: Buffer.alloc(0) };
  return { run, printed: JSON.parse(run.stdout) as Record<string, unknown>, out: fs.readFileSync(outFile) };
}

describe.skipIf(missing !== undefined)('aws lambda invoke', () => {
  beforeAll(async () => {
    ensureSdk();
    const { Runtime } = await import('../src/runtime');
    runtime = await Runtime.start({ http: { host: '127.0.0.1', port: 0 } });
    endpoint = `http://127.0.0.1:${runtime.httpAddress!.port}`;
  }, 180_000);
  afterAll(async () => {
    await runtime?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('invokes by name and writes the payload to the outfile', async () => {
    const expected = await runtime.invoke('echo', Buffer.from('{}'));
    const r = await invoke('echo', '{"hello":"aws"}');
    expect(r.run.code).toBe(0);
    expect(r.printed).toEqual({ StatusCode: 200, ExecutedVersion: expected.executedVersion });
    expect(r.out.toString()).toBe('{"hello":"aws"}');
  });

  it('invokes by full ARN (sent percent-encoded)', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:echo:1';
    const r = await invoke(arn, '{"by":"arn"}');
    expect(r.run.stderr).toBe('');
    expect(r.printed).toEqual({ StatusCode: 200, ExecutedVersion: '1' });
    expect(r.out.toString()).toBe('{"by":"arn"}');
  });

  it('resolves --qualifier (a version and an alias) to the executed version', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:echo';
    expect((await invoke(arn, '{}', ['--qualifier', '1'])).printed).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
    expect((await invoke('echo', '{}', ['--qualifier', 'live'])).printed).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
  });

  it('returns the log tail with --log-type Tail', async () => {
    const r = await invoke('echo', '{"tail":true}', ['--log-type', 'Tail']);
    expect(r.printed.StatusCode).toBe(200);
    expect(typeof r.printed.LogResult).toBe('string');
    expect(Buffer.from(r.printed.LogResult as string, 'base64').toString()).toMatch(/\S/);
  });

  it('reports a crash as FunctionError Unhandled with HTTP 200 (no retries)', async () => {
    const t0 = Date.now();
    const r = await invoke('crasher', undefined, ['--payload', 'segv']);
    expect(r.run.code).toBe(0);
    expect(r.printed).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(r.out.toString()).toMatch(/SIGSEGV|segmentation/i);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('reports a timeout as FunctionError Unhandled', async () => {
    const r = await invoke('hanger', '{}');
    expect(r.printed).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(r.out.toString()).toContain('Task timed out after 1.00 seconds');
  });

  it('answers --invocation-type Event with 202 and DryRun with 204', async () => {
    expect((await invoke('echo', '{}', ['--invocation-type', 'Event'])).printed).toMatchObject({ StatusCode: 202 });
    expect((await invoke('echo', '{}', ['--invocation-type', 'DryRun'])).printed).toMatchObject({ StatusCode: 204 });
  });

  it('surfaces ResourceNotFoundException for an unknown function (exit 254)', async () => {
    const r = await invoke('no-such-function', '{}');
    expect(r.run.code).toBe(254);
    expect(r.run.stderr).toContain('ResourceNotFoundException');
  });

  it('refuses a name qualifier that conflicts with --qualifier', async () => {
    const r = await invoke('echo:1', '{}', ['--qualifier', 'live']);
    expect(r.run.code).toBe(254);
    expect(r.run.stderr).toContain('InvalidParameterValueException');
  });

  it('passes a valid --client-context and refuses a malformed one', async () => {
    const ctx = Buffer.from('{"custom":{"k":"v"}}').toString('base64');
    expect((await invoke('echo', '{}', ['--client-context', ctx])).printed).toMatchObject({ StatusCode: 200 });
    const bad = await invoke('echo', '{}', ['--client-context', Buffer.from('[1]').toString('base64')]);
    expect(bad.run.code).toBe(254);
    expect(bad.run.stderr).toContain('InvalidRequestContentException');
  });
});
