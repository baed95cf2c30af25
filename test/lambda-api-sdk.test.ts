// The Lambda API with @aws-sdk/client-lambda (JS SDK v3), as an application
// would use it: create a C function and a Node.js one from zips, invoke, list,
// delete. Node.js functions are stored and listed; invoking one says they do
// not run yet (their runtime is another issue's work).
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

  it('stores a Node.js function from a zip with its handler file, and says it does not run yet', async () => {
    const handler = path.join(dir, 'index.js');
    fs.writeFileSync(handler, 'exports.handler = async (event) => ({ got: event });\n');
    const created = await client.send(
      new CreateFunctionCommand({ FunctionName: 'sdk-node', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zipOf({ 'index.js': handler }) } }),
    );
    expect(created).toMatchObject({ FunctionName: 'sdk-node', Runtime: 'nodejs20.x', Handler: 'index.handler', State: 'Active' });
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'sdk-node' }));
    expect(config.CodeSize).toBeGreaterThan(0);
    await expect(client.send(new InvokeCommand({ FunctionName: 'sdk-node', Payload: Buffer.from('{}') }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('has Runtime nodejs20.x: nanolambda runs C executables'),
    });
  });

  it('lists and deletes', async () => {
    const listed = await client.send(new ListFunctionsCommand({}));
    expect(listed.Functions!.map((f) => f.FunctionName).sort()).toEqual(['sdk-echo', 'sdk-node']);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'sdk-node' }));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'sdk-echo' }));
    await expect(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'sdk-echo' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
