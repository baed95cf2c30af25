// Secrets in the group file: SecretsManagerSecretResourceData resources and
// the functions' "ro" policies on them (through parseGroup), and the
// Nanolambda.Secrets / SecretKeyFile settings paired with the resources
// (parseSecretsSection, parseSecretKeyFile, checkSecrets). Every refusal
// names the file, the JSON path and the reason.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Fields } from '../src/config/fields';
import { parseGroup } from '../src/config/load-group';
import { parseResources } from '../src/config/resources';
import { checkSecrets, parseSecretKeyFile, parseSecretsSection, type SecretSetting } from '../src/secrets/secrets-config';
import { parseSecretArn } from '../src/secrets/secret-arn';
import { ConfigError } from '../src/errors';
import { arn, writeScript } from './config-fixtures';
import { tempDir } from './helpers/sdk';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DB_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:greengrass-db-Xy12Ab';
const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api/token-a1B2c3';
const A = arn('a', '1');
const B = arn('b', '1');
const RES = 'ResourceDefinitionVersion.Resources';
const DB = `${RES}[0].ResourceDataContainer.SecretsManagerSecretResourceData`;
const POL0 = 'FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment.ResourceAccessPolicies';

let dir: string;

beforeAll(() => {
  dir = tempDir('secrets-config');
  writeScript(dir, 'code/a');
  writeScript(dir, 'code/b');
});

/** Secrets db (with a label) and token, a volume; function a reads both secrets, b none. */
function valid(): Json {
  return {
    ResourceDefinitionVersion: {
      Resources: [
        {
          Id: 'db',
          Name: 'Db',
          ResourceDataContainer: { SecretsManagerSecretResourceData: { ARN: DB_ARN, AdditionalStagingLabelsToDownload: ['AWSPREVIOUS'] } },
        },
        { Id: 'token', Name: 'Token', ResourceDataContainer: { SecretsManagerSecretResourceData: { ARN: TOKEN_ARN } } },
        { Id: 'data', Name: 'Data', ResourceDataContainer: { LocalVolumeResourceData: { SourcePath: dir, DestinationPath: '/data' } } },
      ],
    },
    FunctionDefinitionVersion: {
      Functions: [
        {
          Id: 'a',
          FunctionArn: A,
          FunctionConfiguration: {
            Executable: 'a',
            Environment: { ResourceAccessPolicies: [{ ResourceId: 'token' }, { ResourceId: 'db', Permission: 'ro' }] },
          },
        },
        { Id: 'b', FunctionArn: B, FunctionConfiguration: { Executable: 'b' } },
      ],
    },
    Nanolambda: { Code: { [A]: 'code/a', [B]: 'code/b' }, Secrets: { db: { FromEnv: 'DB' }, token: { FromEnv: 'TOKEN' } } },
  };
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function expectError(run: () => unknown, field: string, reason: RegExp): void {
  const err = errorOf(run);
  expect(err.field).toBe(field);
  expect(err.message.startsWith(`group.json: ${field}: `)).toBe(true);
  expect(err.message).toMatch(reason);
}

const groupError = (mutate: (g: Json) => void, field: string, reason: RegExp): void => {
  const g = valid();
  mutate(g);
  expectError(() => parseGroup(g, 'group.json', dir), field, reason);
};
const secretData = (g: Json, i = 0): Json => g.ResourceDefinitionVersion.Resources[i].ResourceDataContainer.SecretsManagerSecretResourceData;

describe('secret ARNs', () => {
  it('split into partition, region, account and name (the name may itself end like a suffix)', () => {
    expect(parseSecretArn(DB_ARN)).toEqual({ partition: 'aws', region: 'us-east-1', accountId: '123456789012', name: 'greengrass-db' });
    expect(parseSecretArn('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a/b+c=d.e@f_g-h-abcdef-QWERTY')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: '123456789012',
      name: 'a/b+c=d.e@f_g-h-abcdef',
    });
  });

  it.each([
    ['no suffix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db'],
    ['a 5-character suffix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-abcde'],
    ['a suffix with a symbol', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-abc_ef'],
    ['another service', 'arn:aws:ssm:us-east-1:123456789012:secret:db-abcdef'],
    ['no region', 'arn:aws:secretsmanager::123456789012:secret:db-abcdef'],
    ['a short account', 'arn:aws:secretsmanager:us-east-1:12345678901:secret:db-abcdef'],
    ['a name with a space', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:my db-abcdef'],
    ['a name too long', `arn:aws:secretsmanager:us-east-1:123456789012:secret:${'n'.repeat(513)}-abcdef`],
    ['a name only', 'greengrass-db'],
  ])('refuses %s', (_what, text) => expect(parseSecretArn(text)).toBeUndefined());
});

describe('secret resources and the functions affiliated with them', () => {
  it("gives each function the sorted Ids of the secrets its policies name, whatever the isolation mode", () => {
    const g = valid();
    g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment.Execution = { IsolationMode: 'NoContainer' };
    const [a, b] = parseGroup(g, 'group.json', dir).functions;
    expect(a!.secrets).toEqual(['db', 'token']);
    expect(b!.secrets).toEqual([]);
    expect([a!.volumes, a!.supplementaryGids]).toEqual([[], []]);
  });

  it('keeps the ARN, the name and AWSCURRENT first, then the extra labels without repeats', () => {
    const g = valid();
    secretData(g).AdditionalStagingLabelsToDownload = ['AWSPREVIOUS', 'AWSCURRENT', 'blue'];
    const resources = parseResources(g.ResourceDefinitionVersion, 'ResourceDefinitionVersion', new Fields('group.json'), false);
    expect(resources.get('db')).toEqual({ kind: 'secret', id: 'db', arn: DB_ARN, name: 'greengrass-db', stagingLabels: ['AWSCURRENT', 'AWSPREVIOUS', 'blue'] });
    expect(resources.get('token')).toEqual({ kind: 'secret', id: 'token', arn: TOKEN_ARN, name: 'api/token', stagingLabels: ['AWSCURRENT'] });
  });

  // [what, mutation, field, reason]
  const errors: Array<[string, (g: Json) => void, string, RegExp]> = [
    ['data not an object', (g) => (g.ResourceDefinitionVersion.Resources[0].ResourceDataContainer.SecretsManagerSecretResourceData = DB_ARN), DB, /expected an object, found the string/],
    ['ARN missing', (g) => delete secretData(g).ARN, `${DB}.ARN`, /expected a string, found nothing/],
    ['ARN without its suffix', (g) => (secretData(g).ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:greengrass-db'), `${DB}.ARN`, /expected a secret ARN arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>-<6 characters> .*found the string "arn:aws:secretsmanager:us-east-1:123456789012:secret:greengrass-db"/],
    ['ARN of a Lambda function', (g) => (secretData(g).ARN = A), `${DB}.ARN`, /expected a secret ARN/],
    ['unknown key', (g) => (secretData(g).StagingLabels = []), `${DB}.StagingLabels`, /unknown field; expected one of ARN, AdditionalStagingLabelsToDownload/],
    ['labels not an array', (g) => (secretData(g).AdditionalStagingLabelsToDownload = 'AWSPREVIOUS'), `${DB}.AdditionalStagingLabelsToDownload`, /expected an array, found the string "AWSPREVIOUS"/],
    ['a label not a string', (g) => (secretData(g).AdditionalStagingLabelsToDownload = ['a', 7]), `${DB}.AdditionalStagingLabelsToDownload[1]`, /expected a string, found the number 7/],
    ['an empty label', (g) => (secretData(g).AdditionalStagingLabelsToDownload = ['']), `${DB}.AdditionalStagingLabelsToDownload[0]`, /expected a staging label of 1-256 characters, no control characters/],
    ['a label too long', (g) => (secretData(g).AdditionalStagingLabelsToDownload = ['x'.repeat(257)]), `${DB}.AdditionalStagingLabelsToDownload[0]`, /expected a staging label of 1-256 characters/],
    ['a label with a newline', (g) => (secretData(g).AdditionalStagingLabelsToDownload = ['a\nb']), `${DB}.AdditionalStagingLabelsToDownload[0]`, /no control characters/],
    ['a label twice', (g) => (secretData(g).AdditionalStagingLabelsToDownload = ['blue', 'green', 'blue']), `${DB}.AdditionalStagingLabelsToDownload[2]`, /duplicate label the string "blue": .*AdditionalStagingLabelsToDownload\[0\] has it too/],
    ['more than 20 labels', (g) => (secretData(g).AdditionalStagingLabelsToDownload = Array.from({ length: 21 }, (_, i) => `l${i}`)), `${DB}.AdditionalStagingLabelsToDownload`, /expected at most 20 staging labels \(Secrets Manager's limit per version\), found 21/],
    ['two resources for one secret', (g) => (secretData(g, 1).ARN = DB_ARN), `${RES}[1].ResourceDataContainer.SecretsManagerSecretResourceData.ARN`, /ResourceDefinitionVersion.Resources\[0\] names the same secret: one resource per secret/],
    ['two secrets with one name', (g) => (secretData(g, 1).ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:greengrass-db-ZZZZZZ'), `${RES}[1].ResourceDataContainer.SecretsManagerSecretResourceData.ARN`, /Resources\[0\] names another secret called "greengrass-db": functions ask for secrets by name, so names must differ within a group/],
    ['rw on a secret', (g) => (g.FunctionDefinitionVersion.Functions[0].FunctionConfiguration.Environment.ResourceAccessPolicies[1].Permission = 'rw'), `${POL0}[1].Permission`, /a secret can only be read: set "ro" \(or leave Permission out\)/],
  ];
  it.each(errors)('refuses %s', (_what, mutate, field, reason) => groupError(mutate, field, reason));
});

describe('Nanolambda.Secrets and Nanolambda.SecretKeyFile', () => {
  const f = new Fields('group.json');
  const P = 'Nanolambda.Secrets';

  it('resolves FromFile against the config directory, keeps FromEnv, and reads Binary (default false)', () => {
    const settings = parseSecretsSection(
      { db: { FromFile: 'secrets/db.txt' }, token: { FromEnv: 'API_TOKEN', Binary: true }, abs: { FromFile: '/etc/x' } },
      P,
      f,
      dir,
    );
    expect(settings).toEqual(
      new Map<string, SecretSetting>([
        ['db', { source: { file: path.join(dir, 'secrets/db.txt') }, binary: false }],
        ['token', { source: { env: 'API_TOKEN' }, binary: true }],
        ['abs', { source: { file: '/etc/x' }, binary: false }],
      ]),
    );
    expect(parseSecretsSection(undefined, P, f, dir)).toEqual(new Map());
  });

  it('SecretKeyFile: default <config dir>/keys/secret.key, else resolved against the config directory', () => {
    expect(parseSecretKeyFile(undefined, 'Nanolambda.SecretKeyFile', f, dir)).toBe(path.join(dir, 'keys/secret.key'));
    expect(parseSecretKeyFile('../k/main.key', 'Nanolambda.SecretKeyFile', f, dir)).toBe(path.resolve(dir, '../k/main.key'));
  });

  const sectionErrors: Array<[string, unknown, string, RegExp]> = [
    ['not an object', [], P, /expected an object, found an array/],
    ['an entry not an object', { db: 'db.txt' }, `${P}.db`, /expected an object, found the string "db.txt"/],
    ['neither source', { db: { Binary: true } }, `${P}.db`, /expected exactly one of FromFile \(a file holding the value\) and FromEnv \(an environment variable holding it\), found neither/],
    ['both sources', { db: { FromFile: 'a', FromEnv: 'B' } }, `${P}.db`, /found both/],
    ['FromFile empty', { db: { FromFile: '' } }, `${P}.db.FromFile`, /expected a file path, found the string ""/],
    ['FromFile with a NUL', { db: { FromFile: 'a\0b' } }, `${P}.db.FromFile`, /expected a file path/],
    ['FromFile not a string', { db: { FromFile: 3 } }, `${P}.db.FromFile`, /expected a string, found the number 3/],
    ['FromEnv not a variable name', { db: { FromEnv: 'API-TOKEN' } }, `${P}.db.FromEnv`, /expected an environment variable name of \[A-Za-z0-9_\] not starting with a digit, found the string "API-TOKEN"/],
    ['Binary not a boolean', { db: { FromEnv: 'X', Binary: 'yes' } }, `${P}.db.Binary`, /expected true or false, found the string "yes"/],
    ['an unknown key', { db: { FromEnv: 'X', Value: 'hunter2' } }, `${P}.db.Value`, /unknown field; expected one of FromFile, FromEnv, Binary/],
    ['a key that is not an identifier', { 'my:db': { FromFile: 3 } }, `${P}["my:db"].FromFile`, /expected a string/],
  ];
  it.each(sectionErrors)('refuses %s', (_what, value, field, reason) => expectError(() => parseSecretsSection(value, P, f, dir), field, reason));

  it('refuses a SecretKeyFile that is not a path', () => {
    expectError(() => parseSecretKeyFile(42, 'Nanolambda.SecretKeyFile', f, dir), 'Nanolambda.SecretKeyFile', /expected a string, found the number 42/);
  });
});

describe('checkSecrets pairs settings with secret resources', () => {
  const f = new Fields('group.json');
  const resources = () => parseResources(valid().ResourceDefinitionVersion, 'ResourceDefinitionVersion', f, false);
  const both = (): Map<string, SecretSetting> =>
    new Map<string, SecretSetting>([
      ['token', { source: { env: 'API_TOKEN' }, binary: true }],
      ['db', { source: { file: '/etc/db.txt' }, binary: false }],
    ]);
  const storage = () => ({ keyFile: path.join(dir, 'keys/secret.key'), stateDir: path.join(dir, 'state') });

  it('returns one SecretSpec per secret resource, in resource order', () => {
    expect(checkSecrets(both(), resources(), storage(), f)).toEqual([
      { resourceId: 'db', arn: DB_ARN, name: 'greengrass-db', stagingLabels: ['AWSCURRENT', 'AWSPREVIOUS'], source: { file: '/etc/db.txt' }, binary: false },
      { resourceId: 'token', arn: TOKEN_ARN, name: 'api/token', stagingLabels: ['AWSCURRENT'], source: { env: 'API_TOKEN' }, binary: true },
    ]);
  });

  it('a group without secrets needs no setting, and its key file may be anywhere', () => {
    expect(checkSecrets(new Map(), undefined, { keyFile: path.join(dir, 'state/k'), stateDir: path.join(dir, 'state') }, f)).toEqual([]);
  });

  it('refuses a key naming no resource', () => {
    const settings = both().set('dbb', { source: { env: 'X' }, binary: false });
    expectError(() => checkSecrets(settings, resources(), storage(), f), 'Nanolambda.Secrets.dbb', /no resource in ResourceDefinitionVersion has the Id "dbb"/);
    expectError(
      () => checkSecrets(new Map([['db', { source: { env: 'X' }, binary: false }]]), undefined, storage(), f),
      'Nanolambda.Secrets.db',
      /no resource "db": the group has no ResourceDefinitionVersion/,
    );
  });

  it('refuses a key naming a resource that is not a secret', () => {
    const settings = both().set('data', { source: { env: 'X' }, binary: false });
    expectError(() => checkSecrets(settings, resources(), storage(), f), 'Nanolambda.Secrets.data', /resource "data" is a local volume, not a SecretsManagerSecretResourceData: only secrets take a value here/);
  });

  it('refuses a secret resource with no value source, saying how to give one', () => {
    const settings = both();
    settings.delete('token');
    expectError(
      () => checkSecrets(settings, resources(), storage(), f),
      'Nanolambda.Secrets',
      new RegExp(
        `secret resource "token" \\(${TOKEN_ARN.replace(/[+/.]/g, '\\$&')}\\) has no value: nanolambda does not call Secrets Manager, ` +
          'so add "token": \\{"FromFile": "<file holding the value>"\\} or \\{"FromEnv": "<ENVIRONMENT_VARIABLE>"\\} to Nanolambda.Secrets',
      ),
    );
  });

  it('refuses a key file inside the state directory, also through a symbolic link', () => {
    const stateDir = path.join(dir, 'state');
    expectError(
      () => checkSecrets(both(), resources(), { keyFile: path.join(stateDir, 'keys/secret.key'), stateDir }, f),
      'Nanolambda.SecretKeyFile',
      /the secret key file .*state\/keys\/secret.key is inside the state directory .*state, which holds the secrets it encrypts: keep the key apart from the store/,
    );
    fs.mkdirSync(stateDir, { recursive: true });
    fs.symlinkSync(stateDir, path.join(dir, 'state-link'));
    expectError(
      () => checkSecrets(both(), resources(), { keyFile: path.join(dir, 'state-link/secret.key'), stateDir }, f),
      'Nanolambda.SecretKeyFile',
      /is inside the state directory/,
    );
    expectError(() => checkSecrets(both(), resources(), { keyFile: stateDir, stateDir }, f), 'Nanolambda.SecretKeyFile', /is inside the state directory/);
    // A sibling whose name merely starts like the state directory is apart.
    expect(checkSecrets(both(), resources(), { keyFile: path.join(dir, 'state-keys/secret.key'), stateDir }, f)).toHaveLength(2);
  });
});
