// Function names in every form Lambda accepts, and which group entry runs.
import { describe, expect, it } from 'vitest';
import { NanolambdaError } from '../src/errors';
import { formatFunctionArn, parseFunctionArn, parseFunctionName } from '../src/registry/arn';
import { FunctionRegistry } from '../src/registry/registry';
import { ACCOUNT, arn, spec } from './config-fixtures';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (NanolambdaError.is(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('parseFunctionName', () => {
  it.each([
    ['my-fn', { partition: undefined, region: undefined, accountId: undefined, name: 'my-fn', qualifier: undefined }],
    ['my_fn.v2:live', { partition: undefined, region: undefined, accountId: undefined, name: 'my_fn.v2', qualifier: 'live' }],
    ['my-fn:$LATEST', { partition: undefined, region: undefined, accountId: undefined, name: 'my-fn', qualifier: '$LATEST' }],
    ['function:my-fn', { partition: undefined, region: undefined, accountId: undefined, name: 'my-fn', qualifier: undefined }],
    [`${ACCOUNT}:function:my-fn`, { partition: undefined, region: undefined, accountId: ACCOUNT, name: 'my-fn', qualifier: undefined }],
    [`${ACCOUNT}:function:my-fn:7`, { partition: undefined, region: undefined, accountId: ACCOUNT, name: 'my-fn', qualifier: '7' }],
    [`eu-west-1:${ACCOUNT}:function:my-fn:7`, { partition: undefined, region: 'eu-west-1', accountId: ACCOUNT, name: 'my-fn', qualifier: '7' }],
    [arn('my-fn'), { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT, name: 'my-fn', qualifier: undefined }],
    [arn('my-fn', 'prod'), { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT, name: 'my-fn', qualifier: 'prod' }],
    [`arn:aws-us-gov:lambda:us-gov-west-1:${ACCOUNT}:function:f:1`, { partition: 'aws-us-gov', region: 'us-gov-west-1', accountId: ACCOUNT, name: 'f', qualifier: '1' }],
    ['arn:aws:lambda:::function:GGRouter', { partition: 'aws', region: '', accountId: '', name: 'GGRouter', qualifier: undefined }],
    ['arn:aws:lambda:::function:GGSecretManager:1', { partition: 'aws', region: '', accountId: '', name: 'GGSecretManager', qualifier: '1' }],
    ['function', { partition: undefined, region: undefined, accountId: undefined, name: 'function', qualifier: undefined }],
    ['my:function', { partition: undefined, region: undefined, accountId: undefined, name: 'my', qualifier: 'function' }],
  ])('%s', (input, expected) => {
    expect(parseFunctionName(input)).toEqual(expected);
  });

  it.each([
    ['', /Invalid function name: it is empty/],
    ['a b', /Invalid function name 'a b': the name 'a b' must be 1-64 of/],
    ['x'.repeat(65), /must be 1-64/],
    ['f:$LATEST.PUBLISHED', /the qualifier '\$LATEST.PUBLISHED' must be \$LATEST, a version number or an alias/],
    ['f:1:2', /expected <name> or <name>:<qualifier>/],
    ['12345:function:f', /account id '12345' must be 12 digits/],
    ['a:b:c:function:f', /expected name, name:qualifier/],
    ['arn:aws:lambda:us-east-1:123456789012:f', /expected arn:aws:lambda:<region>/],
    ['arn:aws:s3:us-east-1:123456789012:function:f', /expected arn:aws:lambda:<region>/],
    ['arn:aws:lambda:us-east-1::function:f', /account id '' must be 12 digits/],
    ['arn:aws:lambda::123456789012:function:f', /'' is not a region/],
    ['arn:gcp:lambda:us-east-1:123456789012:function:f', /'gcp' is not a partition/],
    ['arn:aws:lambda:us-east-1:123456789012:function:', /the name '' must be/],
    [`arn:aws:lambda:us-east-1:123456789012:function:f:${'q'.repeat(129)}`, /must be \$LATEST, a version number or an alias/],
    ['x'.repeat(257), /longer than 256 characters \(257\)/],
  ])('refuses %j', (input, reason) => {
    const msg = codeOf(() => parseFunctionName(input));
    expect(msg).toMatch(/^INVALID_PARAMETER: /);
    expect(msg).toMatch(reason);
  });

  it('parseFunctionArn refuses short forms; formatFunctionArn round-trips', () => {
    expect(codeOf(() => parseFunctionArn('f:1'))).toMatch(/Invalid function name 'f:1': expected a full ARN/);
    const full = `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:f:live`;
    expect(formatFunctionArn(parseFunctionArn(full))).toBe(full);
    expect(formatFunctionArn({ region: '', accountId: '', name: 'GGRouter' })).toBe('arn:aws:lambda:::function:GGRouter');
  });
});

describe('FunctionRegistry.resolve', () => {
  // echo: version 1, alias live (-> 1 through Aliases), $LATEST; solo: only :3;
  // multi: :1 and :2, no $LATEST; other-region twin of solo in eu-west-1.
  const echo1 = spec(arn('echo', '1'));
  const echoLatest = spec(arn('echo', '$LATEST'));
  const echoBeta = spec(arn('echo', 'beta'), '$LATEST'); // alias entry with no mapping
  const solo = spec(arn('solo', '3'));
  const multi1 = spec(arn('multi', '1'));
  const multi2 = spec(arn('multi', '2'));
  const euSolo = spec(arn('eusolo', '1', 'eu-west-1'));
  const registry = new FunctionRegistry({
    functions: [echo1, echoLatest, echoBeta, solo, multi1, multi2, euSolo],
    aliases: new Map([
      [arn('echo', 'live'), '1'],
      [arn('multi', 'stable'), '2'],
    ]),
  });

  it.each([
    // [input, qualifier arg, entry, executedVersion, invokedArn]
    ['echo', undefined, echoLatest, '$LATEST', arn('echo')],
    ['echo:1', undefined, echo1, '1', arn('echo', '1')],
    ['echo', '1', echo1, '1', arn('echo', '1')],
    ['echo:1', '1', echo1, '1', arn('echo', '1')],
    ['echo:live', undefined, echo1, '1', arn('echo', 'live')],
    ['echo', 'live', echo1, '1', arn('echo', 'live')],
    ['echo:$LATEST', undefined, echoLatest, '$LATEST', arn('echo', '$LATEST')],
    ['echo:beta', undefined, echoBeta, '$LATEST', arn('echo', 'beta')],
    [`${ACCOUNT}:function:echo:live`, undefined, echo1, '1', arn('echo', 'live')],
    [`function:echo:1`, undefined, echo1, '1', arn('echo', '1')],
    [`us-east-1:${ACCOUNT}:function:echo:1`, undefined, echo1, '1', arn('echo', '1')],
    [arn('echo', '1'), undefined, echo1, '1', arn('echo', '1')],
    [arn('echo', 'live'), undefined, echo1, '1', arn('echo', 'live')],
    [arn('echo'), undefined, echoLatest, '$LATEST', arn('echo')],
    ['solo', undefined, solo, '3', arn('solo')], // the only entry
    [arn('solo'), '3', solo, '3', arn('solo', '3')],
    ['multi:2', undefined, multi2, '2', arn('multi', '2')],
    ['multi:stable', undefined, multi2, '2', arn('multi', 'stable')],
    ['eusolo', undefined, euSolo, '1', arn('eusolo', undefined, 'eu-west-1')],
  ])('%s (qualifier %s)', (input, q, entry, executedVersion, invokedArn) => {
    const r = registry.resolve(input, q);
    expect(r.fn).toBe(entry);
    expect(r.executedVersion).toBe(executedVersion);
    expect(r.invokedArn).toBe(invokedArn);
  });

  it('a version number reaches the entry running it when no entry has that qualifier', () => {
    const live = spec(arn('svc', 'live'), '5');
    const r = new FunctionRegistry({ functions: [live], aliases: new Map([[arn('svc', 'live'), '5']]) });
    expect(r.resolve('svc:5').fn).toBe(live);
    expect(r.resolve('svc:5').executedVersion).toBe('5');
    expect(r.resolve('svc').fn).toBe(live);
    expect(r.resolve('svc').executedVersion).toBe('5');
  });

  it.each([
    ['ghost', undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('ghost')}`],
    ['ghost:1', undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('ghost', '1')}`],
    ['echo:2', undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('echo', '2')}`],
    ['echo:nope', undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('echo', 'nope')}`],
    ['solo:$LATEST', undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('solo', '$LATEST')}`],
    [arn('echo', '1', 'eu-west-1'), undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('echo', '1', 'eu-west-1')}`],
    [`999999999999:function:echo`, undefined, `FUNCTION_NOT_FOUND: Function not found: ${arn('echo', undefined, 'us-east-1', '999999999999')}`],
    ['arn:aws:lambda:::function:GGRouter', undefined, 'FUNCTION_NOT_FOUND: Function not found: arn:aws:lambda:::function:GGRouter'],
    ['echo:1', '2', "INVALID_PARAMETER: Qualifier '2' conflicts with the qualifier '1' in the function name 'echo:1'"],
    [arn('echo', 'live'), '1', `INVALID_PARAMETER: Qualifier '1' conflicts with the qualifier 'live' in the function name '${arn('echo', 'live')}'`],
    ['echo', 'a b', "INVALID_PARAMETER: Invalid qualifier 'a b': expected $LATEST, a version number or an alias name (1-128 of [a-zA-Z0-9-_])"],
    ['multi', undefined, "INVALID_PARAMETER: Function 'multi' has several entries in the group; give a qualifier: 1, 2"],
    ['bad name!', undefined, "INVALID_PARAMETER: Invalid function name 'bad name!': the name 'bad name!' must be 1-64 of [a-zA-Z0-9-_.]"],
  ])('%s (qualifier %s) -> %s', (input, q, message) => {
    expect(codeOf(() => registry.resolve(input, q))).toBe(message);
  });

  it('caches by the exact input: repeated resolutions return the same frozen object', () => {
    const a = registry.resolve('echo:live');
    expect(registry.resolve('echo:live')).toBe(a);
    expect(registry.resolve('echo', 'live')).not.toBe(a); // a different input string
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('a name containing NUL cannot hit the cache entry of a qualified call', () => {
    registry.resolve('echo', 'live');
    expect(codeOf(() => registry.resolve('live\u0000echo'))).toMatch(/^INVALID_PARAMETER: Invalid function name/);
  });

  it('tryResolve answers undefined instead of throwing', () => {
    expect(registry.tryResolve('ghost')).toBeUndefined();
    expect(registry.tryResolve('multi')).toBeUndefined();
    expect(registry.tryResolve('echo:1')?.fn).toBe(echo1);
  });

  it('an empty registry still spells a Lambda-style not-found ARN', () => {
    const empty = new FunctionRegistry({ functions: [], aliases: new Map() });
    expect(codeOf(() => empty.resolve('f'))).toBe('FUNCTION_NOT_FOUND: Function not found: arn:aws:lambda:::function:f');
  });
});
