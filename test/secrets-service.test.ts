// The local secrets service against real files, real environment variables
// and a real SQLite store: values from file and env (text and binary),
// encryption at rest, the key file's checks, version ids across deployments,
// staging labels, access checks, 4xx/5xx answers, removal on redeploy and
// reopening after close.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NanolambdaError } from '../src/errors';
import { parseSecretRequestJson } from '../src/secrets/secret-request';
import { SecretService } from '../src/secrets/secret-service';
import type { SecretSpec } from '../src/secrets/secret-spec';
import { SECRETS_DB_FILE } from '../src/secrets/secret-store';
import { MAX_SECRET_BYTES } from '../src/secrets/secret-values';
import { tempDir } from './helpers/sdk';

const ACCOUNT = '123456789012';
const secretArn = (name: string, suffix = 'Ab12Cd'): string => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-${suffix}`;
const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}:1`;

let dir: string;
let stateDir: string;
let keyFile: string;
let service: SecretService | undefined;
/** Environment variables set by a test, removed after it. */
const envSet: string[] = [];

beforeEach(() => {
  dir = tempDir('secrets-service');
  stateDir = path.join(dir, 'state');
  keyFile = path.join(dir, 'keys', 'secret.key');
});

afterEach(() => {
  service?.close();
  service = undefined;
  for (const name of envSet.splice(0)) delete process.env[name];
});

function open(): SecretService {
  service?.close();
  service = new SecretService(stateDir, keyFile);
  return service;
}

function setEnv(name: string, value: string): void {
  process.env[name] = value;
  envSet.push(name);
}

/** A secret whose value is in file <dir>/<id>.value (written here when `value` is given). */
function fileSecret(id: string, value?: string | Buffer, extra: Partial<SecretSpec> = {}): SecretSpec {
  const file = path.join(dir, `${id}.value`);
  if (value !== undefined) fs.writeFileSync(file, value);
  return { resourceId: id, arn: secretArn(id), name: id, stagingLabels: ['AWSCURRENT'], source: { file }, binary: false, ...extra };
}

function envSecret(id: string, variable: string, extra: Partial<SecretSpec> = {}): SecretSpec {
  return { resourceId: id, arn: secretArn(id), name: id, stagingLabels: ['AWSCURRENT'], source: { env: variable }, binary: false, ...extra };
}

const caller = (name: string, secrets: string[]) => ({ arn: fnArn(name), secrets });

/** The parsed success body; fails the test on an error answer. */
function value(s: SecretService, fn: { arn: string; secrets: string[] }, secretId: string, more: { versionId?: string; versionStage?: string } = {}): Record<string, any> {
  const reply = s.getSecretValue(fn, { secretId, ...more });
  expect(reply.ok, reply.body).toBe(true);
  return JSON.parse(reply.body);
}

/** The parsed error body. */
function failure(s: SecretService, fn: { arn: string; secrets: readonly string[] }, request: any): { Status: number; Message: string } {
  const reply = s.getSecretValue(fn, request);
  expect(reply.ok, reply.body).toBe(false);
  return JSON.parse(reply.body);
}

function storedIds(): string[] {
  const db = new Database(path.join(stateDir, SECRETS_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT resource_id FROM secrets ORDER BY resource_id').pluck().all() as string[];
  } finally {
    db.close();
  }
}

function deployError(s: SecretService, specs: SecretSpec[]): NanolambdaError {
  try {
    s.deploy(specs);
  } catch (error) {
    expect(NanolambdaError.is(error)).toBe(true);
    return error as NanolambdaError;
  }
  throw new Error('expected deploy to fail');
}

const isRoot = process.getuid?.() === 0;

describe('values from files and environment variables', () => {
  it('serves a file as SecretString, byte for byte, by name and by full ARN', () => {
    const s = open();
    s.deploy([fileSecret('db', 'pa55:wörd\n', { stagingLabels: ['AWSCURRENT', 'AWSPREVIOUS'] })]);
    const fn = caller('reader', ['db']);
    const byName = value(s, fn, 'db');
    expect(byName).toEqual({
      ARN: secretArn('db'),
      Name: 'db',
      VersionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      SecretString: 'pa55:wörd\n',
      VersionStages: ['AWSCURRENT', 'AWSPREVIOUS'],
      CreatedDate: expect.any(Number),
    });
    expect(Object.keys(byName)).toEqual(['ARN', 'Name', 'VersionId', 'SecretString', 'VersionStages', 'CreatedDate']);
    expect(value(s, fn, secretArn('db'))).toEqual(byName);
  });

  it('serves an environment variable as SecretString', () => {
    setEnv('NANOLAMBDA_TEST_TOKEN', 'tok-123 ✓');
    const s = open();
    s.deploy([envSecret('token', 'NANOLAMBDA_TEST_TOKEN')]);
    expect(value(s, caller('f', ['token']), 'token').SecretString).toBe('tok-123 ✓');
  });

  it('Binary: a file is served as its bytes in base64, a variable holds base64', () => {
    const bytes = Buffer.from([0, 255, 254, 10, 13, 0x80, 0xc3]);
    setEnv('NANOLAMBDA_TEST_CERT', bytes.toString('base64'));
    const s = open();
    s.deploy([fileSecret('blob', bytes, { binary: true }), envSecret('cert', 'NANOLAMBDA_TEST_CERT', { binary: true })]);
    const fn = caller('f', ['blob', 'cert']);
    const blob = value(s, fn, 'blob');
    expect(blob.SecretBinary).toBe(bytes.toString('base64'));
    expect(blob).not.toHaveProperty('SecretString');
    expect(Object.keys(blob)).toEqual(['ARN', 'Name', 'VersionId', 'SecretBinary', 'VersionStages', 'CreatedDate']);
    expect(value(s, fn, 'cert').SecretBinary).toBe(bytes.toString('base64'));
  });

  it('an empty value is a value', () => {
    const s = open();
    s.deploy([fileSecret('empty', '')]);
    expect(value(s, caller('f', ['empty']), 'empty').SecretString).toBe('');
  });

  // [what, spec made in dir, message pattern]
  const refusals: Array<[string, () => SecretSpec, RegExp]> = [
    ['a missing file', () => fileSecret('db'), /^secret "db" \(arn:aws:secretsmanager:.*:secret:db-Ab12Cd\) from file .*db.value: the file does not exist: create it, or fix FromFile$/],
    ['a directory', () => ({ ...fileSecret('db'), source: { file: dir } }), /secret "db" .* from file .*: it is not a regular file/],
    ['an unset variable', () => envSecret('token', 'NANOLAMBDA_TEST_UNSET'), /^secret "token" \(.*\) from environment variable NANOLAMBDA_TEST_UNSET: the variable is not set in nanolambda's environment: set it before deploying$/],
    ['text that is not UTF-8', () => fileSecret('db', Buffer.from([0x61, 0xff, 0x62])), /the value is not UTF-8 text, which a SecretString must be: set "Binary": true to serve it as SecretBinary/],
    ['a file over the limit', () => fileSecret('db', Buffer.alloc(MAX_SECRET_BYTES + 1, 0x61)), /the file holds more than the 65536 bytes Secrets Manager allows/],
    ['a variable over the limit', () => {
      setEnv('NANOLAMBDA_TEST_BIG', 'x'.repeat(MAX_SECRET_BYTES + 1));
      return envSecret('big', 'NANOLAMBDA_TEST_BIG');
    }, /the value is 65537 bytes, more than the 65536 Secrets Manager allows/],
    ['binary from a variable that is not base64', () => {
      setEnv('NANOLAMBDA_TEST_B64', 'not base64!');
      return envSecret('b', 'NANOLAMBDA_TEST_B64', { binary: true });
    }, /with "Binary": true the variable must hold the value in base64/],
  ];
  it.each(refusals)('refuses %s with CONFIG_INVALID naming the secret and its source', (_what, make, pattern) => {
    const error = deployError(open(), [make()]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(pattern);
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const error = deployError(open(), [{ ...fileSecret('db'), source: { file: fifo } }]);
    expect(error.message).toMatch(/from file .*fifo: it is not a regular file/);
  });

  describe.skipIf(isRoot)('an unreadable file (needs a non-root user)', () => {
    it('is refused as permission denied', () => {
      const spec = fileSecret('db', 'x');
      fs.chmodSync((spec.source as { file: string }).file, 0o000);
      expect(deployError(open(), [spec]).message).toMatch(/the file cannot be read: permission denied/);
    });
  });
  if (isRoot) console.warn('secrets-service: running as root, so the unreadable-file test is skipped (root reads any file)');

  it('a failed deployment changes nothing: the previous values and versions stay', () => {
    const s = open();
    s.deploy([fileSecret('db', 'one'), fileSecret('api', 'two')]);
    const fn = caller('f', ['db', 'api']);
    const before = value(s, fn, 'api');
    fs.writeFileSync(path.join(dir, 'api.value'), 'changed');
    const error = deployError(s, [fileSecret('api'), envSecret('token', 'NANOLAMBDA_TEST_UNSET')]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(value(s, fn, 'api')).toEqual(before);
    expect(value(s, fn, 'db').SecretString).toBe('one');
    expect(storedIds()).toEqual(['api', 'db']);
  });

  it('refuses two specs for one secret name', () => {
    const error = deployError(open(), [fileSecret('a', 'x'), { ...fileSecret('b', 'y'), name: 'a' }]);
    expect(error.code).toBe('INVALID_PARAMETER');
    expect(error.message).toMatch(/two secrets to deploy have the name "a"/);
  });
});

describe('encryption at rest', () => {
  it('neither the database nor its WAL holds the plaintext, the key file is 32 bytes 0600 in a 0700 directory', () => {
    const plaintext = `the-plaintext-${randomBytes(8).toString('hex')}`;
    setEnv('NANOLAMBDA_TEST_PLAIN', plaintext);
    const s = open();
    s.deploy([fileSecret('db', plaintext), envSecret('env', 'NANOLAMBDA_TEST_PLAIN'), fileSecret('bin', plaintext, { binary: true })]);
    expect(value(s, caller('f', ['db']), 'db').SecretString).toBe(plaintext);

    const holdsPlaintext = (bytes: Buffer): boolean =>
      bytes.includes(Buffer.from(plaintext)) || bytes.includes(Buffer.from(Buffer.from(plaintext).toString('base64')));
    // Read while the service is open: the WAL holds the pages written so far.
    const files = [SECRETS_DB_FILE, `${SECRETS_DB_FILE}-wal`, `${SECRETS_DB_FILE}-shm`].map((name) => path.join(stateDir, name));
    const contents = files.filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file));
    expect(contents.length).toBeGreaterThanOrEqual(2);
    for (const bytes of contents) expect(holdsPlaintext(bytes)).toBe(false);
    // The (public) ARN is there: the search looks at the right bytes.
    expect(Buffer.concat(contents).includes(Buffer.from(secretArn('db')))).toBe(true);
    // Closing checkpoints the WAL into the database file: still no plaintext.
    s.close();
    const checkpointed = fs.readFileSync(files[0]!);
    expect(checkpointed.includes(Buffer.from(secretArn('db')))).toBe(true);
    expect(holdsPlaintext(checkpointed)).toBe(false);

    const key = fs.statSync(keyFile);
    expect(key.size).toBe(32);
    expect(key.mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(stateDir, SECRETS_DB_FILE)).mode & 0o777).toBe(0o600);
  });

  it('each deployment makes a fresh data key: the stored bytes change even when the values do not', () => {
    const s = open();
    const specs = [fileSecret('db', 'same')];
    s.deploy(specs);
    const read = () => {
      const db = new Database(path.join(stateDir, SECRETS_DB_FILE), { readonly: true, fileMustExist: true });
      try {
        return {
          dataKey: db.prepare("SELECT value FROM meta WHERE key = 'data_key'").pluck().get() as Buffer,
          value: db.prepare('SELECT sealed_value FROM secrets').pluck().get() as Buffer,
        };
      } finally {
        db.close();
      }
    };
    const first = read();
    s.deploy(specs);
    const second = read();
    expect(second.dataKey.equals(first.dataKey)).toBe(false);
    expect(second.value.equals(first.value)).toBe(false);
  });

  it('a key file others could read is refused, and nothing is stored', () => {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.writeFileSync(keyFile, randomBytes(32), { mode: 0o644 });
    fs.chmodSync(keyFile, 0o644);
    const error = deployError(open(), [fileSecret('db', 'x')]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`the secret key file ${keyFile} cannot be used: its mode 0644 lets other users at it: chmod 600 ${keyFile}`);
    expect(fs.existsSync(path.join(stateDir, SECRETS_DB_FILE))).toBe(false);
  });

  it('a key file of the wrong size is refused', () => {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.writeFileSync(keyFile, 'not a key\n', { mode: 0o600 });
    const error = deployError(open(), [fileSecret('db', 'x')]);
    expect(error.message).toMatch(/cannot be used: it holds 10 bytes, and a nanolambda secret key is 32 random bytes/);
  });

  describe.skipIf(!isRoot)('a key file of another user (needs root to chown)', () => {
    it('is refused: that user could read or replace it', () => {
      fs.mkdirSync(path.dirname(keyFile), { recursive: true });
      fs.writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
      fs.chownSync(keyFile, 65534, 65534);
      expect(deployError(open(), [fileSecret('db', 'x')]).message).toBe(
        `the secret key file ${keyFile} cannot be used: it belongs to uid 65534, not to the user nanolambda runs as (uid 0), who could read or replace it: chown 0 ${keyFile}`,
      );
    });
  });
  if (!isRoot) console.warn('secrets-service: not root, so the key-file-owner test is skipped (it needs chown)');

  it('a dangling symbolic link at the key path is refused, never followed to create a key', () => {
    const target = path.join(dir, 'elsewhere', 'planted.key');
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.symlinkSync(target, keyFile);
    expect(deployError(open(), [fileSecret('db', 'x')]).message).toMatch(/cannot be used: the path exists but leads nowhere \(a dangling symbolic link\?\)/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a key file that is a directory is refused', () => {
    fs.mkdirSync(keyFile, { recursive: true });
    expect(deployError(open(), [fileSecret('db', 'x')]).message).toMatch(/secret key file .* cannot be used: it is not a regular file/);
  });

  it('a key file inside the state directory is refused when there are secrets to store, and of no concern without', () => {
    const inside = new SecretService(stateDir, path.join(stateDir, 'secret.key'));
    expect(() => inside.deploy([])).not.toThrow();
    expect(() => inside.deploy([fileSecret('db', 'v')])).toThrow(
      /the secret key file .*state\/secret.key is inside the state directory .*state, which holds the secrets it encrypts/,
    );
    expect(fs.existsSync(path.join(stateDir, 'secret.key'))).toBe(false);
    inside.close();
  });

  it('with another key the store cannot be decrypted: a clear 500, and the next deployment re-encrypts with new versions', () => {
    let s = open();
    s.deploy([fileSecret('db', 'v')]);
    const fn = caller('f', ['db']);
    const before = value(s, fn, 'db');
    s.close();
    fs.writeFileSync(keyFile, randomBytes(32)); // keeps its 0600 mode

    s = open();
    const error = failure(s, fn, { secretId: 'db' });
    expect(error.Status).toBe(500);
    expect(error.Message).toMatch(/the secrets store .*secrets.db was not written with the key in .*secret.key \(was the key file replaced\?\), so it cannot be decrypted: deploy again/);
    s.deploy([fileSecret('db')]);
    const after = value(s, fn, 'db');
    expect(after.SecretString).toBe('v');
    expect(after.VersionId).not.toBe(before.VersionId);
  });

  it('a missing key file is a clear 500', () => {
    let s = open();
    s.deploy([fileSecret('db', 'v')]);
    s.close();
    fs.rmSync(keyFile);
    s = open();
    expect(failure(s, caller('f', ['db']), { secretId: 'db' })).toEqual({
      Status: 500,
      Message: `the secret key file ${keyFile} is missing, so the deployed secrets cannot be decrypted: deploy again to store them under a new key`,
    });
  });

  it("a value moved into another secret's row fails its integrity check instead of being served", () => {
    let s = open();
    s.deploy([fileSecret('db', 'db-value'), fileSecret('api', 'api-value')]);
    s.close();
    const db = new Database(path.join(stateDir, SECRETS_DB_FILE));
    const apiValue = db.prepare("SELECT sealed_value FROM secrets WHERE resource_id = 'api'").pluck().get();
    db.prepare("UPDATE secrets SET sealed_value = ? WHERE resource_id = 'db'").run(apiValue);
    db.close();
    s = open();
    const error = failure(s, caller('f', ['db']), { secretId: 'db' });
    expect(error.Status).toBe(500);
    expect(error.Message).toMatch(/the stored value of secret "db" fails its integrity check/);
    expect(value(s, caller('f', ['api']), 'api').SecretString).toBe('api-value');
  });
});

describe('version ids across deployments', () => {
  it('stays while the value is unchanged, changes with the value (never back to an old one), and with Binary', () => {
    const s = open();
    const fn = caller('f', ['db']);
    s.deploy([fileSecret('db', 'one')]);
    const v1 = value(s, fn, 'db');
    s.deploy([fileSecret('db', 'one', { stagingLabels: ['AWSCURRENT', 'blue'] })]);
    const same = value(s, fn, 'db');
    expect([same.VersionId, same.CreatedDate]).toEqual([v1.VersionId, v1.CreatedDate]);
    expect(same.VersionStages).toEqual(['AWSCURRENT', 'blue']);

    s.deploy([fileSecret('db', 'two')]);
    const v2 = value(s, fn, 'db');
    expect(v2.SecretString).toBe('two');
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(v2.CreatedDate).toBeGreaterThanOrEqual(v1.CreatedDate);

    s.deploy([fileSecret('db', 'one')]);
    const v3 = value(s, fn, 'db');
    expect([v1.VersionId, v2.VersionId]).not.toContain(v3.VersionId);

    s.deploy([fileSecret('db', 'one', { binary: true })]);
    const v4 = value(s, fn, 'db');
    expect(v4.SecretBinary).toBe(Buffer.from('one').toString('base64'));
    expect(v4.VersionId).not.toBe(v3.VersionId);
  });
});

describe('staging labels and version ids in requests', () => {
  const spec = () => fileSecret('db', 'v', { stagingLabels: ['AWSCURRENT', 'AWSPREVIOUS'] });
  const fn = caller('f', ['db']);

  it('AWSCURRENT and the extra labels are served; empty strings mean not given', () => {
    const s = open();
    s.deploy([spec()]);
    const current = value(s, fn, 'db');
    expect(value(s, fn, 'db', { versionStage: 'AWSCURRENT' })).toEqual(current);
    expect(value(s, fn, 'db', { versionStage: 'AWSPREVIOUS' })).toEqual(current);
    expect(value(s, fn, 'db', { versionId: current.VersionId, versionStage: 'AWSPREVIOUS' })).toEqual(current);
    expect(value(s, fn, 'db', { versionId: '', versionStage: '' })).toEqual(current);
  });

  it('another label or another version id is a 404 saying what is deployed', () => {
    const s = open();
    s.deploy([spec()]);
    const current = value(s, fn, 'db');
    expect(failure(s, fn, { secretId: 'db', versionStage: 'AWSPENDING' })).toEqual({
      Status: 404,
      Message: `secret "db" has no version labelled "AWSPENDING" here (deployed labels: AWSCURRENT, AWSPREVIOUS): add it to the resource's AdditionalStagingLabelsToDownload`,
    });
    expect(failure(s, fn, { secretId: 'db', versionId: 'EXAMPLE1-90ab-cdef-fedc-ba987SECRET1' })).toEqual({
      Status: 404,
      Message: `secret "db" has no version "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1" here: only its current version, ${current.VersionId}, is deployed`,
    });
  });
});

describe('access checks and errors', () => {
  it('a function not affiliated with the secret gets 401 naming the function and the secret, before any version check', () => {
    const s = open();
    s.deploy([fileSecret('db', 'v'), fileSecret('api', 'w')]);
    const other = caller('other', ['api']);
    const expected = {
      Status: 401,
      Message: `function ${fnArn('other')} is not affiliated with secret "db" (${secretArn('db')}): give it the resource access policy {"ResourceId": "db", "Permission": "ro"}`,
    };
    expect(failure(s, other, { secretId: 'db' })).toEqual(expected);
    expect(failure(s, other, { secretId: secretArn('db'), versionStage: 'nope' })).toEqual(expected);
    expect(value(s, other, 'api').SecretString).toBe('w');
  });

  it('an unknown secret is a 404; a partial ARN gets a hint', () => {
    const s = open();
    const fn = caller('f', ['db']);
    expect(failure(s, fn, { secretId: 'db' }).Status).toBe(404); // nothing deployed yet
    expect(fs.existsSync(path.join(stateDir, SECRETS_DB_FILE))).toBe(false); // a read creates no store
    s.deploy([fileSecret('db', 'v')]);
    expect(failure(s, fn, { secretId: 'nope' })).toEqual({
      Status: 404,
      Message: 'no secret "nope" is deployed: SecretId must be the name or the full ARN of a SecretsManagerSecretResourceData resource of the group',
    });
    expect(failure(s, fn, { secretId: secretArn('db', 'ZZZZZZ') }).Status).toBe(404);
    expect(failure(s, fn, { secretId: secretArn('db').slice(0, -7) }).Message).toMatch(
      /; this looks like the ARN of secret "db" without the 6-character suffix Secrets Manager adds: give the full ARN or the name$/,
    );
  });

  // [what, request, message pattern]
  const malformed: Array<[string, unknown, RegExp]> = [
    ['no SecretId', {}, /SecretId is required: the name or the full ARN of a secret/],
    ['an empty SecretId', { secretId: '' }, /SecretId is required/],
    ['a SecretId not a string', { secretId: 7 }, /SecretId is required/],
    ['a SecretId too long', { secretId: 'x'.repeat(2049) }, /SecretId is 2049 characters, more than 2048/],
    ['a VersionStage not a string', { secretId: 'db', versionStage: 1 }, /VersionStage must be a string/],
    ['a VersionId too long', { secretId: 'db', versionId: 'v'.repeat(257) }, /VersionId is 257 characters, more than 256/],
    ['not an object', null, /the request is not an object/],
  ];
  it.each(malformed)('a malformed request (%s) is a 400', (_what, request, pattern) => {
    const s = open();
    s.deploy([fileSecret('db', 'v')]);
    const error = failure(s, caller('f', ['db']), request);
    expect(error.Status).toBe(400);
    expect(error.Message).toMatch(pattern);
  });

  it('the SDKs\' JSON request is parsed, and malformed JSON is named', () => {
    expect(parseSecretRequestJson('{"SecretId":"db","VersionStage":"AWSCURRENT"}')).toEqual({ request: { secretId: 'db', versionStage: 'AWSCURRENT' } });
    expect(parseSecretRequestJson(Buffer.from('{"SecretId":"db","VersionId":"x"}'))).toEqual({ request: { secretId: 'db', versionId: 'x' } });
    expect(parseSecretRequestJson('{"SecretId":')).toEqual({ problem: expect.stringMatching(/^the request is not JSON/) });
    expect(parseSecretRequestJson('["db"]')).toEqual({ problem: expect.stringMatching(/^the request is not a JSON object/) });
    expect(parseSecretRequestJson('{"SecretId":"db","Stage":"x"}')).toEqual({ problem: 'unknown field "Stage": expected SecretId, VersionId, VersionStage' });
    expect(parseSecretRequestJson('{"VersionStage":"AWSCURRENT"}')).toEqual({ problem: expect.stringMatching(/^SecretId is required/) });
    expect(parseSecretRequestJson(' '.repeat(9000))).toEqual({ problem: 'the request is 9000 characters, more than 8192' });
  });
});

describe('redeploying and reopening', () => {
  it('secrets removed from the configuration are deleted from the store', () => {
    const s = open();
    s.deploy([fileSecret('a', '1'), fileSecret('b', '2'), fileSecret('c', '3')]);
    expect(storedIds()).toEqual(['a', 'b', 'c']);
    s.deploy([fileSecret('b')]);
    expect(storedIds()).toEqual(['b']);
    expect(failure(s, caller('f', ['a', 'b']), { secretId: 'a' }).Status).toBe(404);
    expect(value(s, caller('f', ['b']), 'b').SecretString).toBe('2');
    s.deploy([]);
    expect(storedIds()).toEqual([]);
    expect(failure(s, caller('f', ['b']), { secretId: 'b' }).Status).toBe(404);
  });

  it('a deployment without secrets creates neither a store nor a key', () => {
    open().deploy([]);
    expect(fs.existsSync(path.join(stateDir, SECRETS_DB_FILE))).toBe(false);
    expect(fs.existsSync(keyFile)).toBe(false);
  });

  it('after close, a new service serves what was deployed, same version; the closed one refuses', () => {
    const first = open();
    first.deploy([fileSecret('db', 'kept', { stagingLabels: ['AWSCURRENT', 'AWSPREVIOUS'] })]);
    const fn = caller('f', ['db']);
    const before = value(first, fn, 'db');
    first.close();
    expect(failure(first, fn, { secretId: 'db' })).toEqual({ Status: 503, Message: 'the secrets service is stopped' });
    const error = deployError(first, [fileSecret('db')]);
    expect(error.code).toBe('RUNTIME_STOPPED');

    service = new SecretService(stateDir, keyFile);
    expect(value(service, fn, 'db')).toEqual(before);
    service.deploy([fileSecret('db')]);
    expect(value(service, fn, 'db').VersionId).toBe(before.VersionId);
  });
});
