// What the store refuses before anything is written, with the exception
// names, statuses and messages the AWS CLI and SDKs show: names in every
// form, roles, handlers, runtimes, ranges, environment variables.
import { describe, expect, it } from 'vitest';
import { FunctionStore } from '../src/lambda/store/function-store';
import { parseFunctionName } from '../src/lambda/store/function-name';
import { invalidParameter } from '../src/lambda/store/lambda-api-error';
import { hostArchitecture } from '../src/system/architecture';
import { caught, code, createInput, expectLambdaError, openStore } from './helpers/lambda-store';
import { tempDir } from './helpers/sdk';

const ZIP = code('zip');

/** A valid CreateFunction input for function `fn`, with `more` added or overriding. */
function input(more: Record<string, unknown> = {}): Record<string, unknown> {
  return createInput('fn', more);
}

describe('parseFunctionName', () => {
  it('reads every FunctionName form', () => {
    expect(parseFunctionName('my-fn')).toEqual({ name: 'my-fn' });
    expect(parseFunctionName('my-fn:PROD')).toEqual({ name: 'my-fn', qualifier: 'PROD' });
    expect(parseFunctionName('my-fn:$LATEST')).toEqual({ name: 'my-fn', qualifier: '$LATEST' });
    expect(parseFunctionName('123456789012:function:my-fn')).toEqual({ name: 'my-fn', accountId: '123456789012' });
    expect(parseFunctionName('123456789012:function:my-fn:7')).toEqual({ name: 'my-fn', qualifier: '7', accountId: '123456789012' });
    expect(parseFunctionName('arn:aws:lambda:eu-west-1:123456789012:function:my-fn:live')).toEqual({
      name: 'my-fn',
      qualifier: 'live',
      region: 'eu-west-1',
      accountId: '123456789012',
    });
    expect(parseFunctionName('function:my-fn')).toEqual({ name: 'my-fn' });
  });

  it('refuses what matches no form with a ValidationException', () => {
    for (const bad of ['', 'a:b:c:d', 'my fn', 'arn:aws:s3:::bucket', 'fn:bad$qualifier']) {
      expect(caught(() => parseFunctionName(bad)).exceptionName).toBe('ValidationException');
    }
    expect(caught(() => parseFunctionName(undefined)).message).toBe(
      "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('CreateFunction input', () => {
  it('refuses a bare name over 64 characters with InvalidParameterValueException, an ARN over 140 with ValidationException', () => {
    const store = openStore();
    const long = 'a'.repeat(65);
    expectLambdaError(
      () => store.createFunction(input({ FunctionName: long }), ZIP),
      'InvalidParameterValueException',
      400,
      `1 validation error detected: Value '${long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    const longArn = `arn:aws:lambda:us-east-1:123456789012:function:${'b'.repeat(100)}`;
    expectLambdaError(() => store.createFunction(input({ FunctionName: longArn }), ZIP), 'ValidationException', 400, /less than or equal to 140/);
    const longNameInArn = `arn:aws:lambda:us-east-1:123456789012:function:${'c'.repeat(70)}`;
    expectLambdaError(() => store.createFunction(input({ FunctionName: longNameInArn }), ZIP), 'ValidationException', 400, /less than or equal to 64$/);
    expectLambdaError(() => store.createFunction(input({ FunctionName: 'dotted.name' }), ZIP), 'InvalidParameterValueException', 400, /regular expression/);
    expectLambdaError(() => store.createFunction(input({ FunctionName: 'fn:1' }), ZIP), 'InvalidParameterValueException', 400, /unqualified/);
  });

  it('refuses a role that is not an IAM role ARN', () => {
    const store = openStore();
    expectLambdaError(
      () => store.createFunction(input({ Role: 'r1' }), ZIP),
      'ValidationException',
      400,
      "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
    );
    expectLambdaError(() => store.createFunction(input({ Role: undefined }), ZIP), 'ValidationException', 400, /Value null at 'role'/);
  });

  it('lists every constraint violation in one ValidationException', () => {
    const store = openStore();
    expectLambdaError(
      () => store.createFunction(input({ Timeout: 0, MemorySize: 20000, Description: 'd'.repeat(257), Handler: 'has space' }), ZIP),
      'ValidationException',
      400,
      /^4 validation errors detected: Value 'has space' at 'handler' .*; Value 'd+' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256; Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '20000' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240$/,
    );
  });

  it('accepts the ends of the Timeout and MemorySize ranges and refuses just past them', () => {
    const store = openStore();
    const config = store.createFunction(input({ FunctionName: 'edges', Timeout: 900, MemorySize: 10240 }), ZIP);
    expect([config.Timeout, config.MemorySize]).toEqual([900, 10240]);
    expect(store.updateFunctionConfiguration('edges', { Timeout: 1, MemorySize: 128 })).toMatchObject({ Timeout: 1, MemorySize: 128 });
    expectLambdaError(() => store.updateFunctionConfiguration('edges', { Timeout: 901 }), 'ValidationException', 400, /less than or equal to 900$/);
    expectLambdaError(() => store.updateFunctionConfiguration('edges', { MemorySize: 127 }), 'ValidationException', 400, /greater than or equal to 128$/);
    expectLambdaError(() => store.updateFunctionConfiguration('edges', { Timeout: 2.5 }), 'ValidationException', 400, /must be an integer/);
    expect(store.getFunctionConfiguration('edges')).toMatchObject({ Timeout: 1, MemorySize: 128 });
  });

  it('requires Runtime and Handler, and refuses unknown runtimes listing the known ones', () => {
    const store = openStore();
    expectLambdaError(
      () => store.createFunction(input({ Runtime: undefined }), ZIP),
      'InvalidParameterValueException',
      400,
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
    expectLambdaError(() => store.createFunction(input({ Handler: undefined }), ZIP), 'InvalidParameterValueException', 400);
    const error = caught(() => store.createFunction(input({ Runtime: 'PYTHON3.9' }), ZIP));
    expect([error.exceptionName, error.statusCode]).toEqual(['InvalidParameterValueException', 400]);
    expect(error.message).toMatch(/^Value PYTHON3.9 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs8.10, /);
    expect(error.message).toContain('python3.12');
    expect(error.message).toContain('arn:aws:greengrass:::runtime/function/executable');
    for (const runtime of ['python3.7', 'java8', 'provided', 'provided.al2023', 'ruby3.3', 'dotnet8', 'nodejs12.x']) {
      expect(store.createFunction(input({ FunctionName: `rt-${runtime.replace(/\./g, '-')}`, Runtime: runtime }), ZIP).Runtime).toBe(runtime);
    }
  });

  it('refuses reserved environment keys, bad keys and more than 4 KB of variables', () => {
    const store = openStore();
    expectLambdaError(
      () => store.createFunction(input({ Environment: { Variables: { AWS_REGION: 'eu-west-1' } } }), ZIP),
      'InvalidParameterValueException',
      400,
      'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION',
    );
    expectLambdaError(
      () => store.createFunction(input({ Environment: { Variables: { MY_FUNCTION_ARN: 'x', NANOLAMBDA_X: 'y' } } }), ZIP),
      'InvalidParameterValueException',
      400,
      /Reserved keys used in this request: MY_FUNCTION_ARN, NANOLAMBDA_X$/,
    );
    const badKey = caught(() => store.createFunction(input({ Environment: { Variables: { '1BAD': 'secret-value' } } }), ZIP));
    expect([badKey.exceptionName, badKey.statusCode]).toEqual(['ValidationException', 400]);
    expect(badKey.message).toContain("at 'environment.variables'");
    expect(badKey.message).not.toContain('secret-value');
    // The model's key pattern wants two characters at least.
    expectLambdaError(() => store.createFunction(input({ Environment: { Variables: { A: '1' } } }), ZIP), 'ValidationException', 400);
    expectLambdaError(
      () => store.createFunction(input({ Environment: { Variables: { BIG: 'x'.repeat(4096) } } }), ZIP),
      'InvalidParameterValueException',
      400,
      /^Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit\. String measured: \{"BIG":"x+"\}$/,
    );
    // Just under the limit is fine: {"BIG":"..."} is 10 bytes of JSON around the value.
    expect(store.createFunction(input({ Environment: { Variables: { BIG: 'x'.repeat(4086) } } }), ZIP).Environment).toBeDefined();
    expect(store.listFunctions().Functions).toHaveLength(1);
  });

  it('refuses image packages and malformed Architectures', () => {
    const store = openStore();
    expectLambdaError(() => store.createFunction(input({ PackageType: 'Image' }), ZIP), 'InvalidParameterValueException', 400, /PackageType Image/);
    expectLambdaError(
      () => store.createFunction(input({ Architectures: ['x86_64', 'arm64'] }), ZIP),
      'ValidationException',
      400,
      "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1",
    );
    expectLambdaError(() => store.createFunction(input({ Architectures: ['sparc'] }), ZIP), 'ValidationException', 400, /enum value set: \[x86_64, arm64\]/);
    expectLambdaError(() => store.createFunction(input({ Architectures: 'arm64' }), ZIP), 'ValidationException', 400, /Member must be a list/);
    expect(store.listFunctions().Functions).toEqual([]);
  });

  it('keeps an architecture per function, the store\'s only the default', () => {
    const store = openStore();
    const other = store.architecture === 'arm64' ? 'x86_64' : 'arm64';
    expect(store.createFunction(input(), ZIP).Architectures).toEqual([store.architecture]);
    expect(store.createFunction(createInput('foreign', { Architectures: [other] }), ZIP).Architectures).toEqual([other]);
    expect(store.getFunctionConfiguration('foreign').Architectures).toEqual([other]);
    expect(store.getFunctionConfiguration('fn').Architectures).toEqual([store.architecture]);
    // Published versions keep theirs; changing it is a change worth a new version.
    expect(store.publishVersion('foreign').Version).toBe('1');
    expect(store.updateFunctionConfiguration('foreign', { Architectures: [store.architecture] }).Architectures).toEqual([store.architecture]);
    expect(store.getFunctionConfiguration('foreign', '1').Architectures).toEqual([other]);
    expect(store.publishVersion('foreign').Version).toBe('2');
    expect(store.listVersionsByFunction('foreign').Versions.map((v) => v.Architectures[0])).toEqual([store.architecture, other, store.architecture]);
    // Other settings leave it as it was.
    expect(store.updateFunctionConfiguration('foreign', { Timeout: 9 }).Architectures).toEqual([store.architecture]);
  });

  it('asks its owner before a function\'s architecture or code changes, and stores nothing it refuses', () => {
    const asked: unknown[] = [];
    const store = openStore(tempDir('lambda-input'), {
      admit: (candidate) => {
        asked.push(candidate);
        if (candidate.architecture === 'arm64') throw invalidParameter(`no arm64 for ${candidate.functionName}`);
      },
      architecture: 'x86_64',
    });
    expectLambdaError(() => store.createFunction(input({ Architectures: ['arm64'] }), ZIP), 'InvalidParameterValueException', 400, 'no arm64 for fn');
    expect(store.listFunctions().Functions).toEqual([]);
    store.createFunction(input(), ZIP);
    const other = code('other zip');
    store.updateFunctionCode('fn', other);
    store.updateFunctionConfiguration('fn', { Timeout: 5, Environment: { Variables: { AB: '1' } } }); // nothing admit judges: not asked
    store.updateFunctionConfiguration('fn', { Runtime: 'python3.11' }); // the runtime decides whether emulation may run it: asked
    store.updateFunctionConfiguration('fn', { Environment: { Variables: { QEMU_LD_PREFIX: '/arm' } } }); // qemu's root: asked
    expectLambdaError(() => store.updateFunctionConfiguration('fn', { Architectures: ['arm64'] }), 'InvalidParameterValueException', 400);
    expect(store.getFunctionConfiguration('fn').Architectures).toEqual(['x86_64']);
    const node = { runtime: 'nodejs20.x', handler: 'index.handler', environment: {} };
    const python = { runtime: 'python3.11', handler: 'index.handler', environment: { AB: '1' } };
    expect(asked).toEqual([
      { functionName: 'fn', architecture: 'arm64', codeSha256: ZIP.sha256, ...node },
      { functionName: 'fn', architecture: 'x86_64', codeSha256: ZIP.sha256, ...node },
      { functionName: 'fn', architecture: 'x86_64', codeSha256: other.sha256, ...node },
      { functionName: 'fn', architecture: 'x86_64', codeSha256: other.sha256, ...python },
      { functionName: 'fn', architecture: 'x86_64', codeSha256: other.sha256, runtime: 'python3.11', handler: 'index.handler', environment: { QEMU_LD_PREFIX: '/arm' } },
      { functionName: 'fn', architecture: 'arm64', codeSha256: other.sha256, runtime: 'python3.11', handler: 'index.handler', environment: { QEMU_LD_PREFIX: '/arm' } },
    ]);
  });

  it('takes a new architecture with new code (UpdateFunctionCode\'s Architectures), admitting the two together', () => {
    const ARM_ZIP = code('arm64 zip');
    const asked: unknown[] = [];
    const store = openStore(tempDir('lambda-input'), {
      admit: (candidate) => {
        asked.push(candidate);
        if (candidate.architecture === 'arm64' && candidate.codeSha256 !== ARM_ZIP.sha256) throw invalidParameter('x86_64 code, arm64 function');
      },
      architecture: 'x86_64',
    });
    store.createFunction(input(), ZIP);
    expectLambdaError(() => store.updateFunctionCode('fn', ZIP, { architectures: ['arm64'] }), 'InvalidParameterValueException', 400, 'x86_64 code, arm64 function');
    expect(store.getFunctionConfiguration('fn')).toMatchObject({ Architectures: ['x86_64'], CodeSha256: ZIP.sha256 });
    expectLambdaError(() => store.updateFunctionCode('fn', ARM_ZIP, { architectures: ['aarch64'] }), 'ValidationException', 400, /enum value set: \[x86_64, arm64\]/);
    expectLambdaError(() => store.updateFunctionCode('fn', ARM_ZIP, { architectures: 'arm64' }), 'ValidationException', 400, /Member must be a list/);
    expect(store.updateFunctionCode('fn', ARM_ZIP, { architectures: ['arm64'] })).toMatchObject({ Architectures: ['arm64'], CodeSha256: ARM_ZIP.sha256 });
    // Without Architectures the code keeps the function's.
    expect(store.updateFunctionCode('fn', ARM_ZIP).Architectures).toEqual(['arm64']);
    const node = { runtime: 'nodejs20.x', handler: 'index.handler', environment: {} };
    expect(asked).toEqual([
      { functionName: 'fn', architecture: 'x86_64', codeSha256: ZIP.sha256, ...node },
      { functionName: 'fn', architecture: 'arm64', codeSha256: ZIP.sha256, ...node },
      { functionName: 'fn', architecture: 'arm64', codeSha256: ARM_ZIP.sha256, ...node },
      { functionName: 'fn', architecture: 'arm64', codeSha256: ARM_ZIP.sha256, ...node },
    ]);
  });

  it('defaults to this machine\'s architecture, by the name hostArchitecture() gives it, and takes no other of its own', () => {
    expect(openStore().architecture).toBe(hostArchitecture());
    expect(() => openStore(tempDir('lambda-input'), { architecture: 'sparc' })).toThrow(/Invalid architecture 'sparc' for the function store: use x86_64 or arm64/);
  });

  it('stores nothing when any check fails', () => {
    const store = openStore();
    expect(() => store.createFunction(input({ Timeout: 0 }), ZIP)).toThrow();
    expect(store.listFunctions().Functions).toEqual([]);
    expect(store.codeReferences().size).toBe(0);
  });

  it('reports ARNs in the region and account it was opened with', () => {
    const store = openStore(tempDir('lambda-input'), { region: 'eu-central-1', accountId: '000000000000', architecture: 'arm64' });
    const config = store.createFunction(input(), ZIP);
    expect(config.FunctionArn).toBe('arn:aws:lambda:eu-central-1:000000000000:function:fn');
    expect(config.Architectures).toEqual(['arm64']);
    expect(store.getFunction('arn:aws:lambda:eu-central-1:000000000000:function:fn').Configuration.FunctionName).toBe('fn');
  });
});

describe('FunctionStore options', () => {
  it('refuses a region or account that could not appear in an ARN', () => {
    const dir = tempDir('lambda-input');
    expect(() => new FunctionStore(dir, { accountId: '1234' })).toThrow(/Invalid account id '1234'.*12 digits/);
    expect(() => new FunctionStore(dir, { region: 'Mars' })).toThrow(/Invalid region 'Mars'/);
  });
});

describe('LambdaApiError', () => {
  it('carries the envelope fields for the HTTP layer', () => {
    const store = openStore();
    const error = caught(() => store.getFunction('missing'));
    expect(error.toApiError()).toEqual({
      status: 404,
      type: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('FUNCTION_NOT_FOUND');
  });
});
