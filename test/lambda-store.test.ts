// The function store behind Lambda's management API: functions are created,
// read, listed page by page, updated and deleted with Lambda's shapes and
// errors, against a real SQLite file, and everything survives a reopen.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FunctionStore, LAMBDA_DB_FILE } from '../src/lambda/store/function-store';
import { hostArchitecture } from '../src/system/architecture';
import { ARN, code, createInput, expectLambdaError, openStore, ROLE, UUID_RE } from './helpers/lambda-store';
import { tempDir } from './helpers/sdk';

const LAST_MODIFIED_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

describe('CreateFunction', () => {
  it('returns the $LATEST configuration with every field Lambda returns', () => {
    const store = openStore();
    const zip = code('zip one');
    const config = store.createFunction(
      createInput('hello', { Description: 'says hello', Timeout: 10, MemorySize: 256, Environment: { Variables: { GREETING: 'hi' } } }),
      zip,
    );
    expect(config).toEqual({
      FunctionName: 'hello',
      FunctionArn: `${ARN}hello`,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: 'index.handler',
      CodeSize: zip.size,
      Description: 'says hello',
      Timeout: 10,
      MemorySize: 256,
      LastModified: expect.stringMatching(LAST_MODIFIED_RE),
      CodeSha256: zip.sha256,
      Version: '$LATEST',
      Environment: { Variables: { GREETING: 'hi' } },
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: expect.stringMatching(UUID_RE),
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: [hostArchitecture()],
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/hello' },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    });
  });

  it('fills in Lambda defaults and leaves Environment out when there is none', () => {
    const store = openStore();
    const config = store.createFunction(createInput('defaults'), code('z'));
    expect(config).toMatchObject({ Description: '', Timeout: 3, MemorySize: 128 });
    expect(config).not.toHaveProperty('Environment');
    expect(config).not.toHaveProperty('RuntimeVersionConfig');
  });

  it('stamps LastModified in Lambda format, as the current UTC time', () => {
    const store = openStore();
    const before = Date.now();
    const { LastModified } = store.createFunction(createInput('clock'), code('z'));
    expect(LastModified).toMatch(LAST_MODIFIED_RE);
    const stamped = Date.parse(LastModified.replace('+0000', 'Z'));
    expect(stamped).toBeGreaterThanOrEqual(before - 1);
    expect(stamped).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('with Publish also creates version 1 and returns its configuration', () => {
    const store = openStore();
    const config = store.createFunction(createInput('published', { Publish: true }), code('z'));
    expect(config).toMatchObject({ Version: '1', FunctionArn: `${ARN}published:1`, State: 'Active' });
    expect(store.getFunctionConfiguration('published').Version).toBe('$LATEST');
    expect(store.listVersionsByFunction('published').Versions.map((v) => v.Version)).toEqual(['$LATEST', '1']);
  });

  it('accepts the Greengrass executable runtime', () => {
    const store = openStore();
    const config = store.createFunction(
      createInput('native', { Runtime: 'arn:aws:greengrass:::runtime/function/executable', Handler: 'echo' }),
      code('elf'),
    );
    expect(config.Runtime).toBe('arn:aws:greengrass:::runtime/function/executable');
  });

  it('accepts the ARN forms of FunctionName and stores the bare name', () => {
    const store = openStore();
    expect(store.createFunction(createInput(`${ARN}full`), code('z')).FunctionArn).toBe(`${ARN}full`);
    expect(store.createFunction(createInput('123456789012:function:partial'), code('z')).FunctionName).toBe('partial');
  });

  it('refuses a second function of the same name: 409 ResourceConflictException', () => {
    const store = openStore();
    store.createFunction(createInput('twice'), code('z'));
    expectLambdaError(() => store.createFunction(createInput('twice'), code('y')), 'ResourceConflictException', 409, 'Function already exist: twice');
  });
});

describe('GetFunction and GetFunctionConfiguration', () => {
  it('GetFunction wraps the configuration with a Code section for the caller to fill', () => {
    const store = openStore();
    store.createFunction(createInput('get-me'), code('z'));
    const result = store.getFunction('get-me');
    expect(result.Code).toEqual({ RepositoryType: 'S3', Location: '' });
    expect(result.Configuration).toEqual(store.getFunctionConfiguration('get-me'));
  });

  it('finds a function by every name form, qualified exactly when the request is', () => {
    const store = openStore();
    store.createFunction(createInput('forms'), code('z'));
    for (const name of ['forms', '123456789012:function:forms', 'us-east-1:123456789012:function:forms', `${ARN}forms`]) {
      expect(store.getFunctionConfiguration(name).FunctionArn).toBe(`${ARN}forms`);
    }
    expect(store.getFunctionConfiguration('forms:$LATEST').FunctionArn).toBe(`${ARN}forms:$LATEST`);
    expect(store.getFunctionConfiguration(`${ARN}forms:$LATEST`).Version).toBe('$LATEST');
    expect(store.getFunctionConfiguration('forms', '$LATEST').FunctionArn).toBe(`${ARN}forms:$LATEST`);
  });

  it('refuses a name qualifier that contradicts the Qualifier parameter', () => {
    const store = openStore();
    store.createFunction(createInput('both'), code('z'));
    expect(store.getFunctionConfiguration('both:$LATEST', '$LATEST').Version).toBe('$LATEST');
    expectLambdaError(
      () => store.getFunctionConfiguration('both:1', '$LATEST'),
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  });

  it('answers 404 ResourceNotFoundException with the ARN Lambda prints', () => {
    const store = openStore();
    expectLambdaError(() => store.getFunction('nothing'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}nothing`);
    expectLambdaError(() => store.getFunctionConfiguration('nothing', '3'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}nothing:3`);
    store.createFunction(createInput('exists'), code('z'));
    expectLambdaError(() => store.getFunction('exists:7'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}exists:7`);
    expectLambdaError(() => store.getFunction('exists', 'NOALIAS'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}exists:NOALIAS`);
  });

  it('does not find functions of another region or account', () => {
    const store = openStore();
    store.createFunction(createInput('here'), code('z'));
    expectLambdaError(
      () => store.getFunction('arn:aws:lambda:eu-west-1:123456789012:function:here'),
      'ResourceNotFoundException',
      404,
      "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    );
    expectLambdaError(
      () => store.getFunction('999999999999:function:here'),
      'ResourceNotFoundException',
      404,
      'Function not found: arn:aws:lambda:us-east-1:999999999999:function:here',
    );
  });

  it('refuses malformed names with a ValidationException quoting the model pattern', () => {
    const store = openStore();
    expectLambdaError(
      () => store.getFunction('invalid:function:name:x'),
      'ValidationException',
      400,
      /^1 validation error detected: Value 'invalid:function:name:x' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
    );
    expectLambdaError(() => store.getFunction('a'.repeat(257)), 'ValidationException', 400, /Member must have length less than or equal to 256$/);
    expectLambdaError(() => store.getFunction('fn', 'bad qualifier'), 'ValidationException', 400, /at 'qualifier'/);
  });
});

describe('ListFunctions', () => {
  it('pages 120 functions by 50 with markers, sorted by name, without the State fields', () => {
    const store = openStore();
    const names = Array.from({ length: 120 }, (_, i) => `fn-${String(i).padStart(3, '0')}`);
    for (const name of [...names].reverse()) store.createFunction(createInput(name), code(name));

    const seen: string[] = [];
    const sizes: number[] = [];
    let marker: string | undefined;
    do {
      const page = store.listFunctions(marker);
      sizes.push(page.Functions.length);
      seen.push(...page.Functions.map((f) => f.FunctionName));
      for (const f of page.Functions) {
        expect(f).not.toHaveProperty('State');
        expect(f).not.toHaveProperty('LastUpdateStatus');
        expect(f.FunctionArn).toBe(`${ARN}${f.FunctionName}`);
        expect(f.Version).toBe('$LATEST');
      }
      marker = page.NextMarker;
    } while (marker !== undefined);
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(names);
  });

  it('honours MaxItems (7 a page) and never returns more than 50', () => {
    const store = openStore();
    for (let i = 0; i < 60; i++) store.createFunction(createInput(`m${String(i).padStart(2, '0')}`), code(`m${i}`));
    const first = store.listFunctions(undefined, 7);
    expect(first.Functions.map((f) => f.FunctionName)).toEqual(['m00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06']);
    const second = store.listFunctions(first.NextMarker, '7');
    expect(second.Functions[0]!.FunctionName).toBe('m07');
    expect(store.listFunctions(undefined, 10000).Functions).toHaveLength(50);
    const all: string[] = [];
    let marker: string | undefined;
    do {
      const page = store.listFunctions(marker, 7);
      expect(page.Functions.length).toBeLessThanOrEqual(7);
      all.push(...page.Functions.map((f) => f.FunctionName));
      marker = page.NextMarker;
    } while (marker);
    expect(all).toHaveLength(60);
  });

  it('omits NextMarker on the last page and for an empty store', () => {
    const store = openStore();
    expect(store.listFunctions()).toEqual({ Functions: [] });
    store.createFunction(createInput('only'), code('z'));
    expect(store.listFunctions()).not.toHaveProperty('NextMarker');
  });

  it('continues after a marker whose function was deleted meanwhile', () => {
    const store = openStore();
    for (const name of ['a', 'b', 'c', 'd']) store.createFunction(createInput(name), code(name));
    const first = store.listFunctions(undefined, 2);
    store.deleteFunction('b');
    expect(store.listFunctions(first.NextMarker, 2).Functions.map((f) => f.FunctionName)).toEqual(['c', 'd']);
  });

  it('refuses MaxItems outside 1-10000 and markers it did not hand out', () => {
    const store = openStore();
    expectLambdaError(
      () => store.listFunctions(undefined, 0),
      'ValidationException',
      400,
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expectLambdaError(() => store.listFunctions(undefined, 10001), 'ValidationException', 400, /less than or equal to 10000$/);
    expectLambdaError(() => store.listFunctions('not a marker!'), 'InvalidParameterValueException', 400, /Invalid Marker/);
  });
});

describe('UpdateFunctionCode and UpdateFunctionConfiguration', () => {
  it('replaces the code and gives a new RevisionId', () => {
    const store = openStore();
    const created = store.createFunction(createInput('upd'), code('v1'));
    const v2 = code('version two');
    const updated = store.updateFunctionCode('upd', v2);
    expect(updated).toMatchObject({ CodeSha256: v2.sha256, CodeSize: v2.size, Version: '$LATEST', LastUpdateStatus: 'Successful' });
    expect(updated.RevisionId).not.toBe(created.RevisionId);
    expect(store.getFunctionConfiguration('upd').CodeSha256).toBe(v2.sha256);
  });

  it('with Publish returns the new version', () => {
    const store = openStore();
    store.createFunction(createInput('upd-pub'), code('v1'));
    const published = store.updateFunctionCode('upd-pub', code('v2'), { publish: true });
    expect(published).toMatchObject({ Version: '1', FunctionArn: `${ARN}upd-pub:1`, CodeSha256: code('v2').sha256 });
  });

  it('changes only the fields given; Environment replaces the whole map', () => {
    const store = openStore();
    store.createFunction(createInput('cfg', { Timeout: 5, Environment: { Variables: { AA: '1', BB: '2' } } }), code('z'));
    const updated = store.updateFunctionConfiguration('cfg', { MemorySize: 512, Environment: { Variables: { CC: '3' } } });
    expect(updated).toMatchObject({ Timeout: 5, MemorySize: 512, Handler: 'index.handler', Environment: { Variables: { CC: '3' } } });
    const cleared = store.updateFunctionConfiguration('cfg', { Environment: { Variables: {} } });
    expect(cleared).not.toHaveProperty('Environment');
    expect(store.updateFunctionConfiguration('cfg', { Description: 'new' })).toMatchObject({ Description: 'new', Timeout: 5, MemorySize: 512 });
  });

  it('checks RevisionId: the current one passes, a stale one is 412 PreconditionFailedException', () => {
    const store = openStore();
    const created = store.createFunction(createInput('rev'), code('z'));
    const updated = store.updateFunctionConfiguration('rev', { Timeout: 9, RevisionId: created.RevisionId });
    const message =
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';
    expectLambdaError(
      () => store.updateFunctionConfiguration('rev', { Timeout: 10, RevisionId: created.RevisionId }),
      'PreconditionFailedException',
      412,
      message,
    );
    expectLambdaError(() => store.updateFunctionCode('rev', code('x'), { revisionId: created.RevisionId }), 'PreconditionFailedException', 412, message);
    expect(store.getFunctionConfiguration('rev').Timeout).toBe(9);
    expect(store.updateFunctionCode('rev', code('x'), { revisionId: updated.RevisionId }).CodeSha256).toBe(code('x').sha256);
  });

  it('answers 404 for a function that does not exist, and refuses a version as the target', () => {
    const store = openStore();
    expectLambdaError(() => store.updateFunctionCode('ghost', code('z')), 'ResourceNotFoundException', 404, `Function not found: ${ARN}ghost`);
    expectLambdaError(() => store.updateFunctionConfiguration('ghost', { Timeout: 4 }), 'ResourceNotFoundException', 404);
    store.createFunction(createInput('target', { Publish: true }), code('z'));
    expectLambdaError(() => store.updateFunctionConfiguration('target:1', { Timeout: 4 }), 'InvalidParameterValueException', 400, /acts on the function itself/);
    expect(store.updateFunctionConfiguration('target:$LATEST', { Timeout: 4 }).Timeout).toBe(4);
  });
});

describe('DeleteFunction', () => {
  it('deletes the function with all its versions and aliases', () => {
    const store = openStore();
    store.createFunction(createInput('doomed', { Publish: true }), code('z'));
    store.createAlias('doomed', { Name: 'LIVE', FunctionVersion: '1' });
    store.deleteFunction('doomed');
    expectLambdaError(() => store.getFunction('doomed'), 'ResourceNotFoundException', 404);
    expectLambdaError(() => store.getFunction('doomed:1'), 'ResourceNotFoundException', 404);
    // A new function of the same name starts from scratch.
    store.createFunction(createInput('doomed'), code('y'));
    expect(store.listAliases('doomed').Aliases).toEqual([]);
    expect(store.publishVersion('doomed').Version).toBe('1');
  });

  it('refuses $LATEST and aliases as the qualifier, and answers 404 for a missing function', () => {
    const store = openStore();
    store.createFunction(createInput('keep'), code('z'));
    expectLambdaError(
      () => store.deleteFunction('keep', '$LATEST'),
      'InvalidParameterValueException',
      400,
      '$LATEST version cannot be deleted without deleting the function.',
    );
    expectLambdaError(() => store.deleteFunction('keep:LIVE'), 'InvalidParameterValueException', 400, 'Deletion of aliases is not currently supported.');
    expectLambdaError(() => store.deleteFunction('gone'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}gone`);
    expect(store.getFunction('keep').Configuration.FunctionName).toBe('keep');
  });

  it('deleting a version that does not exist is no error', () => {
    const store = openStore();
    store.createFunction(createInput('absent'), code('z'));
    expect(() => store.deleteFunction('absent', '99')).not.toThrow();
  });
});

describe('persistence', () => {
  it('keeps functions, versions, aliases and the version counter across a close and reopen', () => {
    const dir = tempDir('lambda-store');
    const first = new FunctionStore(dir);
    first.createFunction(createInput('durable', { Environment: { Variables: { KEY: 'value' } } }), code('v1'));
    const v1 = first.publishVersion('durable');
    first.updateFunctionCode('durable', code('v2'));
    const v2 = first.publishVersion('durable');
    first.deleteFunction('durable', '2');
    first.createAlias('durable', { Name: 'PROD', FunctionVersion: '1', Description: 'production' });
    const latest = first.getFunctionConfiguration('durable');
    first.close();

    const second = openStore(dir);
    expect(second.getFunctionConfiguration('durable')).toEqual(latest);
    expect(second.getFunctionConfiguration('durable:1')).toEqual(v1);
    expect(v2.Version).toBe('2');
    expect(second.getAlias('durable', 'PROD')).toMatchObject({ FunctionVersion: '1', Description: 'production' });
    expect(second.resolve('durable:PROD')).toMatchObject({ version: '1', codeSha256: code('v1').sha256 });
    second.updateFunctionCode('durable', code('v3'));
    expect(second.publishVersion('durable').Version).toBe('3');
    expect(second.codeReferences()).toEqual(new Set([code('v1').sha256, code('v3').sha256]));
  });

  it('creates lambda.db readable by its owner only, in the state directory', () => {
    const dir = path.join(tempDir('lambda-store'), 'state');
    openStore(dir);
    const mode = fs.statSync(path.join(dir, LAMBDA_DB_FILE)).mode & 0o777;
    expect(mode & 0o077).toBe(0);
  });

  it('refuses calls after close() with RUNTIME_STOPPED', () => {
    const store = new FunctionStore(tempDir('lambda-store'));
    store.close();
    expect(() => store.listFunctions()).toThrow(expect.objectContaining({ code: 'RUNTIME_STOPPED' }));
    expect(() => store.getFunction('x')).toThrow(/closed/);
  });
});
