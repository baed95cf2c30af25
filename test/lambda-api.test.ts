// The Lambda management API with the real AWS CLI, as a new user would use
// it: create a function from a zip of a C executable, wait for it, invoke it
// with a payload file, update its code, publish a version, point a
// PRODUCTION alias at it, invoke the alias, list, restart the runtime and
// find everything still there, refuse a hostile zip, delete.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { loadCredentials } from '../src/system/credentials';
import { aws, awsMissing, awsScratch } from './helpers/aws-cli';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';

if (awsMissing) console.log(`skipping the Lambda API tests: ${awsMissing}`);
const EXECUTABLE_RUNTIME = 'arn:aws:greengrass:::runtime/function/executable';

describe.skipIf(awsMissing !== undefined)('the Lambda API through the AWS CLI', () => {
  let dir: string;
  let group: string;
  let runtime: Runtime;
  let endpoint: string;
  const zips: Record<string, string> = {};

  const lambda = async (...args: string[]) => {
    const run = await aws(['lambda', ...args, '--endpoint-url', endpoint, '--output', 'json'], runtime.group.stateDir);
    return { ...run, json: run.code === 0 && run.stdout.trim() !== '' ? (JSON.parse(run.stdout) as Record<string, unknown>) : {} };
  };
  const invoke = async (name: string, payloadFile: string, qualifier?: string) => {
    const out = path.join(awsScratch, `out-${crypto.randomUUID()}`);
    const args = ['invoke', '--function-name', name, '--payload', `fileb://${payloadFile}`, ...(qualifier ? ['--qualifier', qualifier] : []), out];
    const run = await lambda(...args);
    return { ...run, out: run.code === 0 ? fs.readFileSync(out, 'utf8') : '' };
  };
  const start = async () => {
    runtime = await Runtime.start({ group, http: { host: '127.0.0.1', port: 0 } });
    endpoint = `http://127.0.0.1:${runtime.httpAddress!.port}`;
  };

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('lambda-api');
    // A group function that invokes the API function's alias (resolved at each call).
    group = writeGroup(dir, [
      { name: 'invoker', executable: path.join(examplesDir, 'invoker'), env: { INVOKEE_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:api-echo:PRODUCTION' } },
    ]);
    zips.echo = path.join(dir, 'echo.zip');
    execFileSync('zip', ['-j', '-q', zips.echo, path.join(examplesDir, 'echo')]);
    await start();
  }, 180_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  it('creates a function from a zip of a C executable, with Lambda-shaped output, and the waiter finishes', async () => {
    const created = await lambda(
      'create-function', '--function-name', 'api-echo', '--runtime', EXECUTABLE_RUNTIME, '--handler', 'echo',
      '--role', 'arn:aws:iam::123456789012:role/gateway', '--zip-file', `fileb://${zips.echo}`,
      '--environment', 'Variables={GREETING=hi}', '--timeout', '5', '--memory-size', '128',
    );
    expect(created.stderr).toBe('');
    const sha = crypto.createHash('sha256').update(fs.readFileSync(zips.echo!)).digest('base64');
    expect(created.json).toMatchObject({
      FunctionName: 'api-echo',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:api-echo',
      Runtime: EXECUTABLE_RUNTIME,
      Handler: 'echo',
      CodeSha256: sha,
      CodeSize: fs.statSync(zips.echo!).size,
      Version: '$LATEST',
      State: 'Active',
      Environment: { Variables: { GREETING: 'hi' } },
    });
    expect(created.json.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect((await lambda('wait', 'function-active-v2', '--function-name', 'api-echo')).code).toBe(0);
  });

  it('invokes it with a payload file, and a second create is a conflict', async () => {
    const payload = path.join(dir, 'payload.json');
    fs.writeFileSync(payload, '{"hello":"gateway"}');
    const invoked = await invoke('api-echo', payload);
    expect(invoked.stderr).toBe('');
    expect(invoked.json).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(invoked.out).toBe('{"hello":"gateway"}');
    const again = await lambda(
      'create-function', '--function-name', 'api-echo', '--runtime', EXECUTABLE_RUNTIME, '--handler', 'echo',
      '--role', 'arn:aws:iam::123456789012:role/gateway', '--zip-file', `fileb://${zips.echo}`,
    );
    expect(again.code).toBe(254);
    expect(again.stderr).toContain('(ResourceConflictException)');
  });

  it('updates the code, publishes a version, moves a PRODUCTION alias, and invokes each', async () => {
    const payload = path.join(dir, 'empty.json');
    fs.writeFileSync(payload, '');
    // The same function now counts: its Handler is still "echo", so the counter ships as echo.
    const counterAsEcho = path.join(dir, 'counter-as-echo');
    fs.mkdirSync(counterAsEcho, { recursive: true });
    fs.copyFileSync(path.join(examplesDir, 'counter'), path.join(counterAsEcho, 'echo'));
    const zip = path.join(dir, 'counter-as-echo.zip');
    execFileSync('zip', ['-j', '-q', zip, path.join(counterAsEcho, 'echo')]);
    expect((await lambda('update-function-code', '--function-name', 'api-echo', '--zip-file', `fileb://${zip}`)).code).toBe(0);
    expect((await invoke('api-echo', payload)).out).toBe('1');

    const published = await lambda('publish-version', '--function-name', 'api-echo');
    expect(published.json).toMatchObject({ Version: '1', FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:api-echo:1' });
    const alias = await lambda('create-alias', '--function-name', 'api-echo', '--name', 'PRODUCTION', '--function-version', '1');
    expect(alias.json).toMatchObject({ Name: 'PRODUCTION', FunctionVersion: '1', AliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:api-echo:PRODUCTION' });

    // $LATEST goes back to echo; PRODUCTION keeps running version 1, the counter.
    expect((await lambda('update-function-code', '--function-name', 'api-echo', '--zip-file', `fileb://${zips.echo}`)).code).toBe(0);
    const hello = path.join(dir, 'hello.json');
    fs.writeFileSync(hello, '"hi"');
    expect((await invoke('api-echo', hello)).out).toBe('"hi"');
    const production = await invoke('api-echo', hello, 'PRODUCTION');
    expect(production.json).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
    expect(production.out).toMatch(/^\d+$/);

    // Version 2 is echo again; moving PRODUCTION to it changes what the alias runs.
    expect((await lambda('publish-version', '--function-name', 'api-echo')).json).toMatchObject({ Version: '2' });
    const moved = await lambda('update-alias', '--function-name', 'api-echo', '--name', 'PRODUCTION', '--function-version', '2');
    expect(moved.json).toMatchObject({ Name: 'PRODUCTION', FunctionVersion: '2' });
    const after = await invoke('api-echo', hello, 'PRODUCTION');
    expect(after.json).toMatchObject({ StatusCode: 200, ExecutedVersion: '2' });
    expect(after.out).toBe('"hi"');
    // And back, for the checks after the restart below.
    expect((await lambda('update-alias', '--function-name', 'api-echo', '--name', 'PRODUCTION', '--function-version', '1')).code).toBe(0);
  });

  it('lists functions, versions and aliases', async () => {
    const functions = await lambda('list-functions');
    expect((functions.json.Functions as Array<{ FunctionName: string }>).map((f) => f.FunctionName)).toEqual(['api-echo']);
    const versions = await lambda('list-versions-by-function', '--function-name', 'api-echo');
    expect((versions.json.Versions as Array<{ Version: string }>).map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    const aliases = await lambda('list-aliases', '--function-name', 'api-echo');
    expect((aliases.json.Aliases as Array<{ Name: string }>).map((a) => a.Name)).toEqual(['PRODUCTION']);
  });

  it('keeps everything across a restart', async () => {
    await runtime.stop();
    await start();
    const got = await lambda('get-function', '--function-name', 'api-echo', '--qualifier', 'PRODUCTION');
    expect(got.json).toMatchObject({ Configuration: { Version: '1' } });
    const hello = path.join(dir, 'hello.json');
    expect((await invoke('api-echo', hello, 'PRODUCTION')).out).toBe('1');
    expect((await invoke('api-echo', hello)).out).toBe('"hi"');
  });

  it('resolves the alias for gg_invoke from a group function too', async () => {
    // PRODUCTION is version 1, the counter: the invoker answers with its count.
    const viaSdk = await runtime.invoke('invoker', 'from the group');
    expect(viaSdk.functionError).toBeUndefined();
    expect(viaSdk.payload.toString()).toMatch(/^\d+$/);
  });

  it('refuses a hostile zip without writing outside the store', async () => {
    const evil = path.join(dir, 'evil.zip');
    execFileSync('python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(evil)}, 'w'); z.writestr('../escaped', 'x'); z.close()`]);
    const stateDir = path.join(dir, 'state');
    const refused = await lambda(
      'create-function', '--function-name', 'evil', '--runtime', EXECUTABLE_RUNTIME, '--handler', 'x',
      '--role', 'arn:aws:iam::123456789012:role/gateway', '--zip-file', `fileb://${evil}`,
    );
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(InvalidParameterValueException)');
    expect(fs.existsSync(path.join(stateDir, 'escaped'))).toBe(false);
    expect(fs.existsSync(path.join(stateDir, 'code', '..', 'escaped'))).toBe(false);
    expect((await lambda('get-function', '--function-name', 'evil')).stderr).toContain('(ResourceNotFoundException)');
  });

  it('refuses unsigned and wrongly signed requests with 403 in the Lambda error shape', async () => {
    const unsigned = await fetch(`${endpoint}/2015-03-31/functions`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toMatchObject({ message: expect.stringContaining('Missing Authentication Token') });
    const key = loadCredentials(runtime.group.stateDir)!.keys[0]!;
    const wrong = await aws(['lambda', 'list-functions', '--endpoint-url', endpoint], { ...key, secretAccessKey: `${key.secretAccessKey.slice(1)}x` });
    expect(wrong.code).toBe(254);
    expect(wrong.stderr).toContain('(InvalidSignatureException)');
    const stranger = await aws(['lambda', 'list-functions', '--endpoint-url', endpoint], { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: key.secretAccessKey });
    expect(stranger.stderr).toContain('(UnrecognizedClientException)');
    expect((fs.statSync(path.join(runtime.group.stateDir, 'credentials.json')).mode & 0o777).toString(8)).toBe('600');
  });

  it('deletes the alias, a version, then the function', async () => {
    expect((await lambda('delete-alias', '--function-name', 'api-echo', '--name', 'PRODUCTION')).code).toBe(0);
    expect((await lambda('delete-function', '--function-name', 'api-echo', '--qualifier', '1')).code).toBe(0);
    expect((await lambda('list-versions-by-function', '--function-name', 'api-echo')).json.Versions).toHaveLength(2);
    expect((await lambda('delete-function', '--function-name', 'api-echo')).code).toBe(0);
    const gone = await lambda('get-function', '--function-name', 'api-echo');
    expect(gone.code).toBe(254);
    expect(gone.stderr).toContain('(ResourceNotFoundException)');
    const hello = path.join(dir, 'hello.json');
    expect((await invoke('api-echo', hello)).stderr).toContain('(ResourceNotFoundException)');
  });
});
