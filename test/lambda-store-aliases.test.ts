// Aliases: created, read, moved (with RevisionId locking), listed, deleted,
// with weighted routing to a second version; resolved wherever a function is
// named; and the versions they point at protected from deletion.
import { describe, expect, it } from 'vitest';
import type { FunctionStore } from '../src/lambda/store/function-store';
import { ARN, code, createInput, expectLambdaError, openStore, UUID_RE } from './helpers/lambda-store';

/** A store with function `fn` published as versions 1, 2 and 3 (code 'v1'..'v3'), $LATEST holding 'v4'. */
function storeWithVersions(): FunctionStore {
  const store = openStore();
  store.createFunction(createInput('fn', { Runtime: 'nodejs22.x' }), code('v1'));
  store.publishVersion('fn');
  for (const v of ['v2', 'v3']) {
    store.updateFunctionCode('fn', code(v));
    store.publishVersion('fn');
  }
  store.updateFunctionCode('fn', code('v4'));
  return store;
}

describe('CreateAlias and GetAlias', () => {
  it('creates an alias and returns its AliasConfiguration', () => {
    const store = storeWithVersions();
    const alias = store.createAlias('fn', { Name: 'PRODUCTION', FunctionVersion: '1', Description: 'live traffic' });
    expect(alias).toEqual({
      AliasArn: `${ARN}fn:PRODUCTION`,
      Name: 'PRODUCTION',
      FunctionVersion: '1',
      Description: 'live traffic',
      RevisionId: expect.stringMatching(UUID_RE),
    });
    expect(store.getAlias('fn', 'PRODUCTION')).toEqual(alias);
    expect(store.getAlias(`${ARN}fn`, 'PRODUCTION')).toEqual(alias);
  });

  it('allows $LATEST as the target, as Lambda does', () => {
    const store = storeWithVersions();
    expect(store.createAlias('fn', { Name: 'dev', FunctionVersion: '$LATEST' }).FunctionVersion).toBe('$LATEST');
    expect(store.resolve('fn:dev')).toMatchObject({ version: '$LATEST', codeSha256: code('v4').sha256 });
  });

  it('stores a routing configuration with one additional version', () => {
    const store = storeWithVersions();
    const alias = store.createAlias('fn', {
      Name: 'canary',
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } },
    });
    expect(alias.RoutingConfig).toEqual({ AdditionalVersionWeights: { '3': 0.1 } });
    expect(store.getAlias('fn', 'canary').RoutingConfig).toEqual({ AdditionalVersionWeights: { '3': 0.1 } });
  });

  it('refuses a second alias of the same name: 409 ResourceConflictException', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'live', FunctionVersion: '1' });
    expectLambdaError(
      () => store.createAlias('fn', { Name: 'live', FunctionVersion: '2' }),
      'ResourceConflictException',
      409,
      `Alias already exists: ${ARN}fn:live`,
    );
  });

  it('refuses names that are all digits or break the pattern: ValidationException', () => {
    const store = storeWithVersions();
    expectLambdaError(
      () => store.createAlias('fn', { Name: '2024', FunctionVersion: '1' }),
      'ValidationException',
      400,
      "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
    );
    expectLambdaError(() => store.createAlias('fn', { Name: 'a.b', FunctionVersion: '1' }), 'ValidationException', 400);
    expectLambdaError(() => store.createAlias('fn', { Name: 'x'.repeat(129), FunctionVersion: '1' }), 'ValidationException', 400, /128/);
    expectLambdaError(
      () => store.createAlias('fn', { Name: 'ok', FunctionVersion: 'latest' }),
      'ValidationException',
      400,
      /at 'functionVersion'/,
    );
    expectLambdaError(() => store.createAlias('fn', { Name: 'ok' }), 'ValidationException', 400, /Value null at 'functionVersion'/);
  });

  it('answers 404 for a missing version, function or alias, in Lambda\'s words', () => {
    const store = storeWithVersions();
    expectLambdaError(() => store.createAlias('fn', { Name: 'x', FunctionVersion: '10' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN}fn:10`);
    expectLambdaError(() => store.createAlias('nofn', { Name: 'x', FunctionVersion: '1' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN}nofn:1`);
    expectLambdaError(() => store.getAlias('fn', 'missing'), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${ARN}fn:missing`);
    expectLambdaError(() => store.getAlias('nofn', 'missing'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}nofn`);
    expectLambdaError(() => store.updateAlias('fn', 'missing', { FunctionVersion: '1' }), 'ResourceNotFoundException', 404, `Alias not found: ${ARN}fn:missing`);
  });

  it('checks routing configurations as Lambda does', () => {
    const store = storeWithVersions();
    const make = (FunctionVersion: string, weights: Record<string, unknown>) => () =>
      store.createAlias('fn', { Name: 'r', FunctionVersion, RoutingConfig: { AdditionalVersionWeights: weights } });
    expectLambdaError(make('1', { '2': 0.1, '3': 0.1 }), 'InvalidParameterValueException', 400, 'Number of items in AdditionalVersionWeights cannot be greater than 1');
    expectLambdaError(
      make('1', { '2': 2 }),
      'ValidationException',
      400,
      "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
    );
    expectLambdaError(make('1', { '2': -1 }), 'ValidationException', 400, /Value '\{2=-1.0\}'/);
    expectLambdaError(make('1', { '1': 0.5 }), 'InvalidParameterValueException', 400, 'Invalid function version 1. Function version 1 is already included in routing configuration.');
    expectLambdaError(make('$LATEST', { '2': 0.5 }), 'InvalidParameterValueException', 400, '$LATEST is not supported for an alias pointing to more than 1 version');
    expectLambdaError(make('1', { $LATEST: 0.5 }), 'ValidationException', 400, /Map keys must satisfy constraint/);
    expectLambdaError(make('1', { '9': 0.5 }), 'ResourceNotFoundException', 404, `Function not found: ${ARN}fn:9`);
    expect(store.listAliases('fn').Aliases).toEqual([]);
    expect(make('1', {})()).not.toHaveProperty('RoutingConfig');
  });
});

describe('UpdateAlias', () => {
  it('moves an alias to another version, changing only what is given, with a new RevisionId', () => {
    const store = storeWithVersions();
    const created = store.createAlias('fn', { Name: 'PRODUCTION', FunctionVersion: '1', Description: 'prod' });
    const moved = store.updateAlias('fn', 'PRODUCTION', { FunctionVersion: '2' });
    expect(moved).toMatchObject({ FunctionVersion: '2', Description: 'prod' });
    expect(moved.RevisionId).not.toBe(created.RevisionId);
    expect(store.resolve('fn', 'PRODUCTION').version).toBe('2');
    const described = store.updateAlias('fn', 'PRODUCTION', { Description: 'new words' });
    expect(described).toMatchObject({ FunctionVersion: '2', Description: 'new words' });
  });

  it('checks RevisionId: a stale one is 412 PreconditionFailedException', () => {
    const store = storeWithVersions();
    const created = store.createAlias('fn', { Name: 'locked', FunctionVersion: '1' });
    const moved = store.updateAlias('fn', 'locked', { FunctionVersion: '2', RevisionId: created.RevisionId });
    expectLambdaError(
      () => store.updateAlias('fn', 'locked', { FunctionVersion: '3', RevisionId: created.RevisionId }),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    expect(store.getAlias('fn', 'locked').FunctionVersion).toBe('2');
    expect(store.updateAlias('fn', 'locked', { FunctionVersion: '3', RevisionId: moved.RevisionId }).FunctionVersion).toBe('3');
  });

  it('sets, keeps and clears the routing configuration', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'canary', FunctionVersion: '1' });
    const routed = store.updateAlias('fn', 'canary', { RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } });
    expect(routed.RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.25 } });
    expect(store.updateAlias('fn', 'canary', { Description: 'kept' }).RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.25 } });
    // Moving onto the additional version itself would route to one version twice.
    expectLambdaError(() => store.updateAlias('fn', 'canary', { FunctionVersion: '2' }), 'InvalidParameterValueException', 400, /already included/);
    const cleared = store.updateAlias('fn', 'canary', { FunctionVersion: '2', RoutingConfig: {} });
    expect(cleared).not.toHaveProperty('RoutingConfig');
  });

  it('answers 404 for a target version that does not exist', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'a', FunctionVersion: '1' });
    expectLambdaError(() => store.updateAlias('fn', 'a', { FunctionVersion: '42' }), 'ResourceNotFoundException', 404, `Function not found: ${ARN}fn:42`);
  });
});

describe('DeleteAlias and ListAliases', () => {
  it('lists aliases by name, filtered by version, paged by MaxItems', () => {
    const store = storeWithVersions();
    for (const [name, version] of [['c', '1'], ['a', '2'], ['b', '1'], ['d', '3']] as const) {
      store.createAlias('fn', { Name: name, FunctionVersion: version });
    }
    expect(store.listAliases('fn').Aliases.map((a) => a.Name)).toEqual(['a', 'b', 'c', 'd']);
    expect(store.listAliases('fn', { functionVersion: '1' }).Aliases.map((a) => a.Name)).toEqual(['b', 'c']);
    const first = store.listAliases('fn', { maxItems: 3 });
    expect(first.Aliases.map((a) => a.Name)).toEqual(['a', 'b', 'c']);
    const second = store.listAliases('fn', { maxItems: 3, marker: first.NextMarker! });
    expect(second).toEqual({ Aliases: [expect.objectContaining({ Name: 'd', AliasArn: `${ARN}fn:d` })] });
  });

  it('deletes an alias; deleting one that does not exist is no error', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'temp', FunctionVersion: '1' });
    store.deleteAlias('fn', 'temp');
    expectLambdaError(() => store.getAlias('fn', 'temp'), 'ResourceNotFoundException', 404);
    expect(() => store.deleteAlias('fn', 'temp')).not.toThrow();
    expectLambdaError(() => store.deleteAlias('nofn', 'temp'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}nofn`);
  });
});

describe('resolution and the versions aliases protect', () => {
  it('resolves an alias to its version everywhere a function is named', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'PRODUCTION', FunctionVersion: '2' });
    for (const [name, qualifier] of [
      ['fn:PRODUCTION', undefined],
      ['fn', 'PRODUCTION'],
      [`${ARN}fn:PRODUCTION`, undefined],
      ['123456789012:function:fn:PRODUCTION', 'PRODUCTION'],
    ] as const) {
      const resolved = store.resolve(name, qualifier);
      expect(resolved).toMatchObject({ name: 'fn', version: '2', alias: 'PRODUCTION', codeSha256: code('v2').sha256 });
      expect(resolved.config).toMatchObject({ Version: '2', FunctionArn: `${ARN}fn:PRODUCTION` });
    }
    expect(store.getFunctionConfiguration('fn:PRODUCTION')).toMatchObject({ Version: '2', FunctionArn: `${ARN}fn:PRODUCTION` });
    expect(store.resolve('fn')).toMatchObject({ version: '$LATEST', codeSha256: code('v4').sha256 });
    expect(store.resolve('fn')).not.toHaveProperty('alias');
    expect(store.resolve('fn', '3')).toMatchObject({ version: '3', codeSha256: code('v3').sha256 });
  });

  it('gives the caller the additional version of a weighted alias', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '3': 0.2 } } });
    const resolved = store.resolve('fn:canary');
    expect(resolved.version).toBe('1');
    expect(resolved.additionalVersion).toMatchObject({ version: '3', weight: 0.2, codeSha256: code('v3').sha256 });
    expect(resolved.additionalVersion!.config.Version).toBe('3');
  });

  it('answers 404 when the alias or version does not exist', () => {
    const store = storeWithVersions();
    expectLambdaError(() => store.resolve('fn:nope'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}fn:nope`);
    expectLambdaError(() => store.resolve('fn', '0'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}fn:0`);
    expectLambdaError(() => store.resolve('other'), 'ResourceNotFoundException', 404, `Function not found: ${ARN}other`);
  });

  it('refuses to delete a version an alias points at, or routes to, until the alias moves', () => {
    const store = storeWithVersions();
    store.createAlias('fn', { Name: 'live', FunctionVersion: '1' });
    store.createAlias('fn', { Name: 'canary', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } });
    expectLambdaError(
      () => store.deleteFunction('fn', '1'),
      'ResourceConflictException',
      409,
      'Unable to delete version because the following aliases reference it: [canary, live]',
    );
    expect(store.getFunctionConfiguration('fn:1').Version).toBe('1');
    store.updateAlias('fn', 'live', { FunctionVersion: '3' });
    store.updateAlias('fn', 'canary', { RoutingConfig: {} });
    store.deleteFunction('fn', '1');
    expectLambdaError(() => store.getFunction('fn:1'), 'ResourceNotFoundException', 404);
  });
});
