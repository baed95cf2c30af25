// Every way a group file can be wrong: each error names the file, the JSON
// path of the field and what was expected versus found.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroupFile, parseGroup } from '../src/config/load-group';
import { ConfigError, NanolambdaError } from '../src/errors';
import { arn, tempDir, writeScript } from './config-fixtures';

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeScript(dir, 'code/a/run');
  writeScript(dir, 'code/b');
  writeScript(dir, 'code/plain', 0o644);
  fs.mkdirSync(path.join(dir, 'code/empty-dir'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const A = arn('a', '1');
const B = arn('b', 'live');
function valid(): Json {
  return {
    FunctionDefinitionVersion: {
      Functions: [
        { Id: 'a', FunctionArn: A, FunctionConfiguration: { Executable: 'run', Timeout: 5 } },
        { Id: 'b', FunctionArn: B, FunctionConfiguration: { Executable: 'b' } },
      ],
    },
    SubscriptionDefinitionVersion: {
      Subscriptions: [{ Id: 's1', Source: A, Subject: 'x/#', Target: B }],
    },
    Nanolambda: { Code: { [A]: 'code/a', [B]: 'code/b' } },
  };
}

const FN0 = 'FunctionDefinitionVersion.Functions[0]';
const CFG0 = `${FN0}.FunctionConfiguration`;
const SUB0 = 'SubscriptionDefinitionVersion.Subscriptions[0]';

function errorOf(mutate: (g: Json) => void): ConfigError {
  const g = valid();
  mutate(g);
  try {
    parseGroup(g, 'group.json', dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect(NanolambdaError.is(err)).toBe(true);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

// [what, mutation, field, reason pattern]
const cases: Array<[string, (g: Json) => void, string, RegExp]> = [
  ['root not an object', (g) => Object.keys(g).forEach((k) => delete g[k]) as unknown, 'Nanolambda', /missing: add a "Nanolambda" section/],
  ['no FunctionDefinitionVersion', (g) => delete g.FunctionDefinitionVersion, 'FunctionDefinitionVersion', /missing/],
  ['Functions not an array', (g) => (g.FunctionDefinitionVersion.Functions = {}), 'FunctionDefinitionVersion.Functions', /expected an array, found an object/],
  ['wrapped Definition not an object', (g) => (g.FunctionDefinitionVersion = { Arn: 'x', Definition: 'nope' }), 'FunctionDefinitionVersion.Definition', /expected an object, found the string "nope"/],
  ['unknown key in version', (g) => (g.FunctionDefinitionVersion.Function = []), 'FunctionDefinitionVersion.Function', /unknown field; expected one of DefaultConfig, Functions/],
  ['entry not an object', (g) => (g.FunctionDefinitionVersion.Functions[0] = 'a'), FN0, /expected an object, found the string "a"/],
  ['Id missing', (g) => delete g.FunctionDefinitionVersion.Functions[0].Id, `${FN0}.Id`, /expected a string, found nothing/],
  ['Id bad characters', (g) => (g.FunctionDefinitionVersion.Functions[0].Id = 'a b'), `${FN0}.Id`, /expected 1-128 characters of \[a-zA-Z0-9:_-\], found the string "a b"/],
  ['Id too long', (g) => (g.FunctionDefinitionVersion.Functions[0].Id = 'x'.repeat(129)), `${FN0}.Id`, /expected 1-128 characters/],
  ['Id duplicate', (g) => (g.FunctionDefinitionVersion.Functions[1].Id = 'a'), 'FunctionDefinitionVersion.Functions[1].Id', /duplicate Id the string "a": FunctionDefinitionVersion.Functions\[0\] has it too/],
  ['FunctionArn not an ARN', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionArn = 'a:1'), `${FN0}.FunctionArn`, /Invalid function name 'a:1': expected a full ARN/],
  ['FunctionArn bad account', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionArn = 'arn:aws:lambda:us-east-1:1234:function:a:1'), `${FN0}.FunctionArn`, /account id '1234' must be 12 digits/],
  ['FunctionArn bad region', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionArn = 'arn:aws:lambda:mars:123456789012:function:a:1'), `${FN0}.FunctionArn`, /'mars' is not a region/],
  ['FunctionArn wrong service', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionArn = 'arn:aws:iot:us-east-1:123456789012:function:a:1'), `${FN0}.FunctionArn`, /expected arn:aws:lambda:<region>/],
  ['FunctionArn unqualified', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionArn = arn('a')), `${FN0}.FunctionArn`, /expected a qualified ARN/],
  ['FunctionArn reserved', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionArn = 'arn:aws:lambda:::function:GGRouter:1'), `${FN0}.FunctionArn`, /reserved ARNs are for system functions/],
  ['FunctionArn duplicate', (g) => {
    g.FunctionDefinitionVersion.Functions[1].FunctionArn = A;
  }, 'FunctionDefinitionVersion.Functions[1].FunctionArn', /duplicate FunctionArn .*Functions\[0\] has it too/],
  ['FunctionConfiguration missing', (g) => delete g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration, CFG0, /expected an object, found nothing/],
  ['unknown configuration key', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Timout = 3), `${CFG0}.Timout`, /unknown field; expected one of Architectures, EncodingType, .*Timeout/],
  ['Architectures not a list', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Architectures = 'arm64'), `${CFG0}.Architectures`, /expected an array, found the string "arm64"/],
  ['Architectures two', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Architectures = ['x86_64', 'arm64']), `${CFG0}.Architectures`, /expected exactly one architecture, as in \["arm64"\], found 2/],
  ['Architectures unknown', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Architectures = ['amd64']), `${CFG0}.Architectures[0]`, /expected one of "x86_64", "arm64", found the string "amd64"/],
  ['Executable missing', (g) => delete g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Executable, `${CFG0}.Executable`, /expected a string, found nothing/],
  ['EncodingType bad', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.EncodingType = 'cbor'), `${CFG0}.EncodingType`, /expected one of "binary", "json", found the string "cbor"/],
  ['Timeout zero', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Timeout = 0), `${CFG0}.Timeout`, /expected an integer number of seconds from 1 to 900, found the number 0/],
  ['Timeout too long', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Timeout = 901), `${CFG0}.Timeout`, /from 1 to 900, found the number 901/],
  ['Timeout a string', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Timeout = '3'), `${CFG0}.Timeout`, /found the string "3"/],
  ['Timeout fractional', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Timeout = 1.5), `${CFG0}.Timeout`, /found the number 1.5/],
  ['MemorySize too small', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.MemorySize = 1024), `${CFG0}.MemorySize`, /expected an integer number of KB from 2048 to .*, found the number 1024/],
  ['Pinned not boolean', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Pinned = 'yes'), `${CFG0}.Pinned`, /expected true or false, found the string "yes"/],
  ['IsolationMode bad', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment = { Execution: { IsolationMode: 'Docker' } }), `${CFG0}.Environment.Execution.IsolationMode`, /expected one of "GreengrassContainer", "NoContainer", found the string "Docker"/],
  ['DefaultConfig IsolationMode bad', (g) => (g.FunctionDefinitionVersion.DefaultConfig = { Execution: { IsolationMode: 1 } }), 'FunctionDefinitionVersion.DefaultConfig.Execution.IsolationMode', /found the number 1/],
  ['RunAs Uid negative', (g) => (g.FunctionDefinitionVersion.DefaultConfig = { Execution: { RunAs: { Uid: -1 } } }), 'FunctionDefinitionVersion.DefaultConfig.Execution.RunAs.Uid', /from 0 to/],
  ['Variables not strings', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment = { Variables: { N: 3 } }), `${CFG0}.Environment.Variables.N`, /expected a string, found the number 3/],
  ['Variables reserved name', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment = { Variables: { MY_FUNCTION_ARN: 'x' } }), `${CFG0}.Environment.Variables.MY_FUNCTION_ARN`, /MY_FUNCTION_ARN is reserved: the runtime sets it/],
  ['Variables our prefix', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment = { Variables: { NLW_SHM_FD: '3' } }), `${CFG0}.Environment.Variables.NLW_SHM_FD`, /is reserved/],
  ['Variables bad name', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment = { Variables: { '1X': 'x' } }), `${CFG0}.Environment.Variables["1X"]`, /expected a variable name/],
  ['ExecArgs unterminated quote', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.ExecArgs = '--name "oops'), `${CFG0}.ExecArgs`, /unterminated double quote at character 8 in the string/],
  ['ExecArgs not a string', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.ExecArgs = ['-v']), `${CFG0}.ExecArgs`, /expected a string, found an array/],
  ['Nanolambda not an object', (g) => (g.Nanolambda = []), 'Nanolambda', /expected an object, found an array/],
  ['Nanolambda unknown key', (g) => (g.Nanolambda.Port = 1), 'Nanolambda.Port', /unknown field; expected one of Code, Aliases, Functions, Runtime, Http, LogDir, LogRotation, StateDir/],
  ['Code missing for a function', (g) => delete g.Nanolambda.Code[B], `Nanolambda.Code["${B}"]`, /missing: FunctionDefinitionVersion.Functions\[1\] \(.*\) needs the local path of its code/],
  ['Code for no function', (g) => (g.Nanolambda.Code[arn('zz', '1')] = 'code/b'), `Nanolambda.Code["${arn('zz', '1')}"]`, /no function in FunctionDefinitionVersion has this FunctionArn/],
  ['Code path missing on disk', (g) => (g.Nanolambda.Code[A] = 'code/nowhere'), `Nanolambda.Code["${A}"]`, /the code path .*code\/nowhere does not exist/],
  ['Executable missing in code dir', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Executable = 'other'), `Nanolambda.Code["${A}"]`, /the executable 'other' in .*code\/a .*code\/a\/other does not exist/],
  ['Executable is a directory', (g) => (g.Nanolambda.Code[A] = 'code'), `Nanolambda.Code["${A}"]`, /code\/run does not exist|is a directory/],
  ['code file not executable', (g) => (g.Nanolambda.Code[A] = 'code/plain'), `Nanolambda.Code["${A}"]`, /code\/plain is not executable \(mode 0644\): chmod \+x it/],
  ['MaxInstances out of range', (g) => (g.Nanolambda.Functions = { [A]: { MaxInstances: 0 } }), `Nanolambda.Functions["${A}"].MaxInstances`, /expected an integer from 1 to 1000, found the number 0/],
  ['MaxInstances on a pinned function', (g) => {
    g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Pinned = true;
    g.Nanolambda.Functions = { [A]: { MaxInstances: 4 } };
  }, `Nanolambda.Functions["${A}"].MaxInstances`, /a pinned function runs exactly one instance, found 4/],
  ['MinWarm on a pinned function', (g) => {
    g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Pinned = true;
    g.Nanolambda.Functions = { [A]: { MinWarm: 1 } };
  }, `Nanolambda.Functions["${A}"].MinWarm`, /MinWarm applies to on-demand functions only/],
  ['MinWarm over MaxInstances', (g) => (g.Nanolambda.Functions = { [A]: { MaxInstances: 2, MinWarm: 3 } }), `Nanolambda.Functions["${A}"].MinWarm`, /3 warm workers exceed MaxInstances \(2\)/],
  ['Functions key for no function', (g) => (g.Nanolambda.Functions = { [arn('zz', '1')]: {} }), `Nanolambda.Functions["${arn('zz', '1')}"]`, /no function in FunctionDefinitionVersion has this FunctionArn/],
  ['Functions unknown setting', (g) => (g.Nanolambda.Functions = { [A]: { MaxQueue: 3 } }), `Nanolambda.Functions["${A}"].MaxQueue`, /unknown field; expected one of MaxInstances, MinWarm/],
  ['MaxQueueSize zero', (g) => (g.Nanolambda.Functions = { [A]: { MaxQueueSize: 0 } }), `Nanolambda.Functions["${A}"].MaxQueueSize`, /expected an integer from 1 to 100000, found the number 0/],
  ['MaxIdleTime fraction', (g) => (g.Nanolambda.Functions = { [A]: { MaxIdleTimeInSeconds: 1.5 } }), `Nanolambda.Functions["${A}"].MaxIdleTimeInSeconds`, /expected an integer number of seconds from 1 to 86400, found the number 1.5/],
  ['Retries over the bound', (g) => (g.Nanolambda.Functions = { [A]: { MaximumRetryAttempts: 11 } }), `Nanolambda.Functions["${A}"].MaximumRetryAttempts`, /from 0 to 10, found the number 11/],
  ['Event age too long', (g) => (g.Nanolambda.Functions = { [A]: { MaximumEventAgeInSeconds: 30000 } }), `Nanolambda.Functions["${A}"].MaximumEventAgeInSeconds`, /from 1 to 21600/],
  ['Retry delay negative', (g) => (g.Nanolambda.Functions = { [A]: { RetryDelaySeconds: -1 } }), `Nanolambda.Functions["${A}"].RetryDelaySeconds`, /expected a number of seconds from 0 to 3600, found the number -1/],
  ['OnFailure both', (g) => (g.Nanolambda.Functions = { [A]: { OnFailure: { Topic: 't', File: 'f' } } }), `Nanolambda.Functions["${A}"].OnFailure`, /exactly one of/],
  ['OnFailure wildcard topic', (g) => (g.Nanolambda.Functions = { [A]: { OnFailure: { Topic: 'errors/#' } } }), `Nanolambda.Functions["${A}"].OnFailure.Topic`, /without wildcards, found the string "errors\/#"/],
  ['CpuWeight too big', (g) => (g.Nanolambda.Functions = { [A]: { CpuWeight: 20000 } }), `Nanolambda.Functions["${A}"].CpuWeight`, /expected an integer from 1 to 10000, found the number 20000/],
  ['MaxProcesses zero', (g) => (g.Nanolambda.Functions = { [A]: { MaxProcesses: 0 } }), `Nanolambda.Functions["${A}"].MaxProcesses`, /expected an integer from 1 to 65536, found the number 0/],
  ['SystemLogLevel unknown', (g) => (g.Nanolambda.Functions = { [A]: { SystemLogLevel: 'DEBUG' } }), `Nanolambda.Functions["${A}"].SystemLogLevel`, /expected one of "INFO", "WARN", found the string "DEBUG"/],
  ['Runtime unknown key', (g) => (g.Nanolambda.Runtime = { MaxWorkers: 3 }), 'Nanolambda.Runtime.MaxWorkers', /unknown field; expected one of MaxConcurrentWorkers, ShutdownGraceSeconds/],
  ['MaxConcurrentWorkers zero', (g) => (g.Nanolambda.Runtime = { MaxConcurrentWorkers: 0 }), 'Nanolambda.Runtime.MaxConcurrentWorkers', /from 1 to 10000/],
  ['LogRotation too small', (g) => (g.Nanolambda.LogRotation = { MaxBytes: 10 }), 'Nanolambda.LogRotation.MaxBytes', /an integer number of bytes from 1024 to/],
  ['Http true', (g) => (g.Nanolambda.Http = true), 'Nanolambda.Http', /expected an object \{"Host", "Port"\} or false, found true/],
  ['Http port out of range', (g) => (g.Nanolambda.Http = { Port: 70000 }), 'Nanolambda.Http.Port', /from 0 to 65535, found the number 70000/],
  ['Alias value not a version', (g) => (g.Nanolambda.Aliases = { [arn('b', 'live')]: 'latest' }), `Nanolambda.Aliases["${B}"]`, /expected a version number \(like "1"\) or "\$LATEST", found the string "latest"/],
  ['Alias key a version ARN', (g) => (g.Nanolambda.Aliases = { [arn('a', '2')]: '1' }), `Nanolambda.Aliases["${arn('a', '2')}"]`, /expected an alias ARN/],
  ['Alias of unknown function', (g) => (g.Nanolambda.Aliases = { [arn('zz', 'live')]: '1' }), `Nanolambda.Aliases["${arn('zz', 'live')}"]`, /no function zz/],
  ['Alias to a version with no entry', (g) => (g.Nanolambda.Aliases = { [arn('a', 'prod')]: '2' }), `Nanolambda.Aliases["${arn('a', 'prod')}"]`, /points to version 2, but the group has no entry for it \(entries of a: 1\)/],
  ['Subscriptions missing', (g) => (g.SubscriptionDefinitionVersion = {}), 'SubscriptionDefinitionVersion.Subscriptions', /expected an array, found nothing/],
  ['Subscription Id duplicate', (g) => g.SubscriptionDefinitionVersion.Subscriptions.push({ ...g.SubscriptionDefinitionVersion.Subscriptions[0] }), 'SubscriptionDefinitionVersion.Subscriptions[1].Id', /duplicate Id the string "s1"/],
  ['Subscription Source missing', (g) => delete g.SubscriptionDefinitionVersion.Subscriptions[0].Source, `${SUB0}.Source`, /expected a string, found nothing/],
  ['Subscription Target unknown function', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Target = arn('ghost', '1')), `${SUB0}.Target`, /expected a function of FunctionDefinitionVersion, .*Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost:1/],
  ['Subscription Target wrong qualifier', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Target = arn('a', '9')), `${SUB0}.Target`, /Function not found: .*function:a:9/],
  ['Subscription Source malformed function ARN', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Source = 'arn:aws:lambda:us-east-1:123:function:a:1'), `${SUB0}.Source`, /must be 12 digits/],
  ['Subscription Source gibberish', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Source = 'Cloud'), `${SUB0}.Source`, /expected a function ARN of this group, "cloud", "GGShadowService" or a thing ARN .*found the string "Cloud"/],
  ['Subscription connector', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Target = 'arn:aws:greengrass:us-east-1::/connectors/SNS/versions/1'), `${SUB0}.Target`, /connectors are not supported/],
  ['Subject # not last', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Subject = 'a/#/b'), `${SUB0}.Subject`, /expected an MQTT topic filter, found the string "a\/#\/b": '#' is allowed only as the last level/],
  ['Subject + inside a level', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Subject = 'a/b+'), `${SUB0}.Subject`, /'\+' must be a whole level \(found 'b\+'\)/],
  ['Subject too long', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Subject = 'é'.repeat(129)), `${SUB0}.Subject`, /258 bytes long; the limit is 256 bytes/],
  ['Subject empty', (g) => (g.SubscriptionDefinitionVersion.Subscriptions[0].Subject = ''), `${SUB0}.Subject`, /it is empty/],
];

describe('parseGroup refuses a malformed group with file, field and reason', () => {
  it.each(cases)('%s', (_what, mutate, field, reason) => {
    const err = errorOf(mutate);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.file).toBe('group.json');
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`group.json: ${field}: `)).toBe(true);
    expect(err.message).toMatch(reason);
  });

  it('the unmodified base group is valid', () => {
    expect(parseGroup(valid(), 'group.json', dir).functions).toHaveLength(2);
  });

  it('a non-object root names no field', () => {
    expect(() => parseGroup([], 'group.json', dir)).toThrow('group.json: expected an object, found an array');
  });
});

describe('loadGroupFile: the file itself', () => {
  it('missing file', () => {
    const file = path.join(dir, 'nope.json');
    expect(() => loadGroupFile(file)).toThrow(`${file}: file not found: give the path of a group definition JSON file`);
  });

  it('a directory', () => {
    expect(() => loadGroupFile(dir)).toThrow(`${dir}: is a directory, expected a group definition JSON file`);
  });

  it.skipIf(process.getuid?.() === 0)('unreadable', () => {
    const file = path.join(dir, 'secret.json');
    fs.writeFileSync(file, '{}');
    fs.chmodSync(file, 0);
    expect(() => loadGroupFile(file)).toThrow(/unreadable: permission denied/);
  });

  it.each([
    ['{\n  "a": 1,\n  "b": }\n', 3, 8, '"}"'],
    ['{\n  "a": 1,\n}', 3, 1, '"}"'],
    ['{"a": [1, 2', 1, 12, 'end of file'],
    ['{"a": tru}', 1, 10, '"}"'],
    ['{"a": "x\\q"}', 1, 10, '"q"'],
    ['{"a": 01}', 1, 8, '"1"'],
    ['{} x', 1, 4, '"x"'],
  ])('invalid JSON %j is located at line %i column %i', (text, line, column, found) => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, text);
    expect(() => loadGroupFile(file)).toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: invalid JSON at line ${line} column ${column}: unexpected ${found.replace(/[{}]/g, '\\$&')} \\(`),
    );
  });
});
