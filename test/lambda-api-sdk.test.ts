// The Lambda API with @aws-sdk/client-lambda (JS SDK v3), as an application
// would use it: create a C function, a Node.js one and a Python one from
// zips, invoke them (sync and async), list, delete. A Java function is
// stored and listed; invoking it says nanolambda has no runtime for it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import { loadCredentials } from '../src/system/credentials';
import { ensureSdk, examplesDir, tempDir, writeGroup } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const ROLE = 'arn:aws:iam::123456789012:role/gateway';

describe('the Lambda API through @aws-sdk/client-lambda', () => {
  let dir: string;
  let runtime: Runtime;
  let client: LambdaClient;

  beforeAll(async () => {
    ensureSdk();
    dir = tempDir('lambda-sdk');
    runtime = await Runtime.start({ group: writeGroup(dir, []), http: { host: '127.0.0.1', port: 0 } });
    const key = loadCredentials(runtime.group.stateDir)!.keys[0]!;
    client = new LambdaClient({
      endpoint: `http://127.0.0.1:${runtime.httpAddress!.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
  }, 180_000);

  afterAll(async () => {
    client?.destroy();
    await runtime?.stop();
  });

  const zipOf = (files: Record<string, string>): Uint8Array => {
    const src = fs.mkdtempSync(path.join(dir, 'zip-'));
    for (const [name, from] of Object.entries(files)) fs.copyFileSync(from, path.join(src, name));
    const zip = path.join(src, 'package.zip');
    execFileSync('zip', ['-q', '-j', zip, ...Object.keys(files).map((f) => path.join(src, f))]);
    return fs.readFileSync(zip);
  };

  it('creates and invokes a C function with a JSON payload', async () => {
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: 'sdk-echo',
        Runtime: 'arn:aws:greengrass:::runtime/function/executable' as never,
        Handler: 'echo',
        Role: ROLE,
        Code: { ZipFile: zipOf({ echo: path.join(examplesDir, 'echo') }) },
        Publish: true,
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.Version).toBe('1');
    const invoked = await client.send(new InvokeCommand({ FunctionName: 'sdk-echo', Qualifier: '1', Payload: Buffer.from('{"n":42}') }));
    expect(invoked.StatusCode).toBe(200);
    expect(invoked.ExecutedVersion).toBe('1');
    expect(invoked.FunctionError).toBeUndefined();
    expect(Buffer.from(invoked.Payload!).toString()).toBe('{"n":42}');
  });

  /** END lines in a function's log: its finished invocations, async ones included. */
  const finished = (fn: string): number => {
    const file = runtime.logPathOf(fn);
    return fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').match(/^END RequestId: /gm) ?? []).length : 0;
  };

  it('creates and invokes a Node.js function from a zip, sync and async', async () => {
    const handler = path.join(dir, 'index.js');
    fs.writeFileSync(handler, 'exports.handler = async (event, context) => ({ got: event, by: context.functionName });\n');
    const created = await client.send(
      new CreateFunctionCommand({ FunctionName: 'sdk-node', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zipOf({ 'index.js': handler }) } }),
    );
    expect(created).toMatchObject({ FunctionName: 'sdk-node', Runtime: 'nodejs20.x', Handler: 'index.handler', State: 'Active' });
    const invoked = await client.send(new InvokeCommand({ FunctionName: 'sdk-node', Payload: Buffer.from('{"n":1}') }));
    expect(invoked.FunctionError, Buffer.from(invoked.Payload ?? []).toString()).toBeUndefined();
    expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ got: { n: 1 }, by: 'sdk-node' });
    const async = await client.send(new InvokeCommand({ FunctionName: 'sdk-node', InvocationType: 'Event', Payload: Buffer.from('{}') }));
    expect(async.StatusCode).toBe(202);
    await waitFor(() => finished('sdk-node') === 2, 10_000, 'the Event to run');
  });

  it('creates and invokes a Python function from a zip, sync and async', async () => {
    const handler = path.join(dir, 'app.py');
    fs.writeFileSync(handler, 'def handler(event, context):\n    return {"got": event, "by": context.function_name}\n');
    await client.send(
      new CreateFunctionCommand({ FunctionName: 'sdk-python', Runtime: 'python3.11', Handler: 'app.handler', Role: ROLE, Code: { ZipFile: zipOf({ 'app.py': handler }) } }),
    );
    const invoked = await client.send(new InvokeCommand({ FunctionName: 'sdk-python', Payload: Buffer.from('{"n":2}') }));
    expect(invoked.FunctionError, Buffer.from(invoked.Payload ?? []).toString()).toBeUndefined();
    expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ got: { n: 2 }, by: 'sdk-python' });
    expect((await client.send(new InvokeCommand({ FunctionName: 'sdk-python', InvocationType: 'Event', Payload: Buffer.from('{}') }))).StatusCode).toBe(202);
    await waitFor(() => finished('sdk-python') === 2, 10_000, 'the Event to run');
  });

  it('stores a Java function, and says it has no runtime for it', async () => {
    const jar = path.join(dir, 'Handler.class');
    fs.writeFileSync(jar, 'not really a class');
    await client.send(
      new CreateFunctionCommand({ FunctionName: 'sdk-java', Runtime: 'java21', Handler: 'example.Handler::handleRequest', Role: ROLE, Code: { ZipFile: zipOf({ 'Handler.class': jar }) } }),
    );
    await expect(client.send(new InvokeCommand({ FunctionName: 'sdk-java', Payload: Buffer.from('{}') }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('has Runtime java21: nanolambda runs C executables'),
    });
  });

  it('lists and deletes', async () => {
    const listed = await client.send(new ListFunctionsCommand({}));
    expect(listed.Functions!.map((f) => f.FunctionName).sort()).toEqual(['sdk-echo', 'sdk-java', 'sdk-node', 'sdk-python']);
    for (const name of ['sdk-node', 'sdk-python', 'sdk-java']) await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'sdk-echo' }));
    await expect(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'sdk-echo' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
