// Published versions: numbered monotonically (never reused after a delete),
// immutable, not duplicated when nothing changed, guarded by CodeSha256 and
// RevisionId, listed $LATEST first, and their code kept referenced.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LAMBDA_DB_FILE, type FunctionStore } from '../src/lambda/store/function-store';
import { ARN, caught, code, createInput, openStore, ROLE } from './helpers/lambda-store';
import { tempDir } from './helpers/sdk';

function create(store: FunctionStore, name: string, content = 'v1', more: Record<string, unknown> = {}): void {
  store.createFunction(createInput(name, { Runtime: 'python3.12', Handler: 'app.handler', ...more }), code(content));
}

describe('PublishVersion', () => {
  it('returns the version configuration with a qualified ARN and a fresh RevisionId', () => {
    const store = openStore();
    create(store, 'pub');
    const latest = store.getFunctionConfiguration('pub');
    const v1 = store.publishVersion('pub', { description: 'first release' });
    expect(v1).toMatchObject({
      FunctionName: 'pub',
      FunctionArn: `${ARN}pub:1`,
      Version: '1',
      Description: 'first release',
      CodeSha256: latest.CodeSha256,
      Runtime: 'python3.12',
      State: 'Active',
      LastUpdateStatus: 'Successful',
    });
    expect(v1.RevisionId).not.toBe(latest.RevisionId);
    // Publishing gives $LATEST a new RevisionId too, as on Lambda.
    expect(store.getFunctionConfiguration('pub').RevisionId).not.toBe(latest.RevisionId);
    expect(store.getFunctionConfiguration('pub').Description).toBe('');
  });

  it('returns the newest version instead of a new one when nothing changed', () => {
    const store = openStore();
    create(store, 'same');
    const v1 = store.publishVersion('same');
    expect(store.publishVersion('same')).toEqual(v1);
    expect(store.publishVersion('same', { description: 'other words' })).toEqual(v1);
    // A change in code or settings makes a new version; the same content again does not.
    store.updateFunctionConfiguration('same', { Timeout: 30 });
    const v2 = store.publishVersion('same');
    expect(v2.Version).toBe('2');
    store.updateFunctionCode('same', code('v1'));
    expect(store.publishVersion('same')).toEqual(v2);
    store.updateFunctionConfiguration('same', { Environment: { Variables: { BB: '2', AA: '1' } } });
    const v3 = store.publishVersion('same');
    store.updateFunctionConfiguration('same', { Environment: { Variables: { AA: '1', BB: '2' } } });
    expect(store.publishVersion('same')).toEqual(v3);
  });

  it('numbers versions monotonically: a deleted number is never reused', () => {
    const store = openStore();
    create(store, 'mono');
    expect(store.publishVersion('mono').Version).toBe('1');
    store.updateFunctionCode('mono', code('v2'));
    expect(store.publishVersion('mono').Version).toBe('2');
    store.deleteFunction('mono', '2');
    store.updateFunctionCode('mono', code('v3'));
    expect(store.publishVersion('mono').Version).toBe('3');
    store.deleteFunction('mono:3');
    store.deleteFunction('mono', '1');
    // Even with no version left and unchanged code, the next number is 4.
    expect(store.publishVersion('mono').Version).toBe('4');
    expect(store.listVersionsByFunction('mono').Versions.map((v) => v.Version)).toEqual(['$LATEST', '4']);
  });

  it('keeps published versions immutable while $LATEST changes', () => {
    const store = openStore();
    create(store, 'frozen', 'v1', { Timeout: 7, Environment: { Variables: { MODE: 'one' } } });
    const v1 = store.publishVersion('frozen');
    store.updateFunctionCode('frozen', code('v2'));
    store.updateFunctionConfiguration('frozen', { Timeout: 60, Handler: 'other.handler', Environment: { Variables: { MODE: 'two' } } });
    expect(store.getFunctionConfiguration('frozen', '1')).toEqual(v1);
    expect(store.resolve('frozen:1')).toMatchObject({ version: '1', codeSha256: code('v1').sha256 });
    expect(store.resolve('frozen')).toMatchObject({ version: '$LATEST', codeSha256: code('v2').sha256 });
  });

  it('refuses a CodeSha256 that is not $LATEST\'s with InvalidParameterValueException', () => {
    const store = openStore();
    create(store, 'sha');
    const latest = store.getFunctionConfiguration('sha');
    const error = caught(() => store.publishVersion('sha', { codeSha256: 'somenonexistentsha256' }));
    expect([error.exceptionName, error.statusCode]).toEqual(['InvalidParameterValueException', 400]);
    expect(error.message).toBe(
      `CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST (${latest.CodeSha256}). ` +
        'Please try again with the CodeSHA256 in $LATEST.',
    );
    expect(store.publishVersion('sha', { codeSha256: latest.CodeSha256 }).Version).toBe('1');
  });

  it('refuses a stale RevisionId with 412 PreconditionFailedException', () => {
    const store = openStore();
    create(store, 'revpub');
    const stale = store.getFunctionConfiguration('revpub').RevisionId;
    store.updateFunctionConfiguration('revpub', { Timeout: 8 });
    const error = caught(() => store.publishVersion('revpub', { revisionId: stale }));
    expect([error.exceptionName, error.statusCode]).toEqual(['PreconditionFailedException', 412]);
    const current = store.getFunctionConfiguration('revpub').RevisionId;
    expect(store.publishVersion('revpub', { revisionId: current }).Version).toBe('1');
  });

  it('answers 404 for a function that does not exist', () => {
    const store = openStore();
    const error = caught(() => store.publishVersion('nope'));
    expect([error.exceptionName, error.statusCode, error.message]).toEqual([
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}nope`,
    ]);
  });
});

describe('ListVersionsByFunction', () => {
  it('lists $LATEST first, then 1..N, with qualified ARNs and without the State fields', () => {
    const store = openStore();
    create(store, 'lv');
    for (let i = 2; i <= 4; i++) {
      store.publishVersion('lv');
      store.updateFunctionCode('lv', code(`v${i}`));
    }
    const { Versions, NextMarker } = store.listVersionsByFunction('lv');
    expect(NextMarker).toBeUndefined();
    expect(Versions.map((v) => [v.Version, v.FunctionArn])).toEqual([
      ['$LATEST', `${ARN}lv:$LATEST`],
      ['1', `${ARN}lv:1`],
      ['2', `${ARN}lv:2`],
      ['3', `${ARN}lv:3`],
    ]);
    for (const v of Versions) expect(v).not.toHaveProperty('State');
  });

  it('pages 50 at a time and by MaxItems', () => {
    const store = openStore();
    create(store, 'many');
    for (let i = 1; i <= 60; i++) {
      store.updateFunctionCode('many', code(`many ${i}`));
      store.publishVersion('many');
    }
    const first = store.listVersionsByFunction('many');
    expect(first.Versions).toHaveLength(50);
    const second = store.listVersionsByFunction('many', first.NextMarker);
    expect(second.Versions.map((v) => v.Version)).toEqual(Array.from({ length: 11 }, (_, i) => String(50 + i)));
    expect(second.NextMarker).toBeUndefined();

    const small = store.listVersionsByFunction('many', undefined, 7);
    expect(small.Versions.map((v) => v.Version)).toEqual(['$LATEST', '1', '2', '3', '4', '5', '6']);
    expect(store.listVersionsByFunction('many', small.NextMarker, 7).Versions[0]!.Version).toBe('7');
  });

  it('answers 404 for a function that does not exist', () => {
    const store = openStore();
    expect(caught(() => store.listVersionsByFunction('none')).exceptionName).toBe('ResourceNotFoundException');
  });
});

describe('codeReferences', () => {
  it('holds every CodeSha256 a version still uses, and drops those no version uses', () => {
    const store = openStore();
    create(store, 'refs', 'a');
    store.publishVersion('refs');
    store.updateFunctionCode('refs', code('b'));
    expect(store.codeReferences()).toEqual(new Set([code('a').sha256, code('b').sha256]));
    store.deleteFunction('refs', '1');
    expect(store.codeReferences()).toEqual(new Set([code('b').sha256]));
    store.deleteFunction('refs');
    expect(store.codeReferences()).toEqual(new Set());
  });
});

/**
 * The schema 1 DDL of commit 158c23c (src/lambda/store/schema.ts), as it
 * wrote lambda.db before functions had an architecture: a fixture, never to
 * change with the current schema.
 */
const SCHEMA_1_DDL = `
    CREATE TABLE IF NOT EXISTS functions (
      name          TEXT    PRIMARY KEY,
      next_version  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS versions (
      function_name TEXT    NOT NULL,
      version       INTEGER NOT NULL,
      runtime       TEXT    NOT NULL,
      role          TEXT    NOT NULL,
      handler       TEXT    NOT NULL,
      description   TEXT    NOT NULL,
      timeout       INTEGER NOT NULL,
      memory_size   INTEGER NOT NULL,
      environment   TEXT    NOT NULL,
      code_sha256   TEXT    NOT NULL,
      code_size     INTEGER NOT NULL,
      last_modified TEXT    NOT NULL,
      revision_id   TEXT    NOT NULL,
      fingerprint   TEXT    NOT NULL,
      PRIMARY KEY (function_name, version)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS aliases (
      function_name      TEXT NOT NULL,
      name               TEXT NOT NULL,
      function_version   TEXT NOT NULL,
      description        TEXT NOT NULL,
      additional_version TEXT,
      additional_weight  REAL,
      revision_id        TEXT NOT NULL,
      PRIMARY KEY (function_name, name)
    ) WITHOUT ROWID;
  `;

/** A version row as 158c23c's rows.ts wrote it, fingerprint included (its formula: no architecture). */
function schemaOneRow(version: number, description: string, fingerprintDescription: string): Record<string, unknown> {
  const zip = code('v1');
  const environment = { BETA: '2', ALPHA: '1' };
  const variables = Object.keys(environment).sort().map((key) => [key, environment[key as keyof typeof environment]]);
  return {
    function_name: 'old',
    version,
    runtime: 'python3.12',
    role: ROLE,
    handler: 'app.handler',
    description,
    timeout: 3,
    memory_size: 128,
    environment: JSON.stringify(environment),
    code_sha256: zip.sha256,
    code_size: zip.size,
    last_modified: '2024-05-01T10:00:00.000+0000',
    revision_id: `00000000-0000-4000-8000-00000000000${version}`,
    fingerprint: JSON.stringify([zip.sha256, 'python3.12', ROLE, 'app.handler', fingerprintDescription, 3, 128, variables]),
  };
}

describe('a store written before functions had an architecture (schema 1)', () => {
  it('fills in the store\'s default and fingerprints as new rows have them, so an unchanged rewrite publishes no duplicate', () => {
    const dir = tempDir('lambda-schema1');
    const db = new Database(path.join(dir, LAMBDA_DB_FILE));
    db.exec(SCHEMA_1_DDL);
    db.pragma('user_version = 1');
    db.prepare('INSERT INTO functions (name, next_version) VALUES (?, ?)').run('old', 2);
    const insert = db.prepare(
      'INSERT INTO versions VALUES (@function_name, @version, @runtime, @role, @handler, @description, @timeout, ' +
        '@memory_size, @environment, @code_sha256, @code_size, @last_modified, @revision_id, @fingerprint)',
    );
    insert.run(schemaOneRow(0, '', ''));
    // Version 1 was published with a description of its own: its fingerprint is the $LATEST it came from.
    insert.run(schemaOneRow(1, 'first release', ''));
    db.prepare("INSERT INTO aliases VALUES ('old', 'live', '1', '', NULL, NULL, '00000000-0000-4000-8000-00000000000a')").run();
    db.close();

    // arm64, not this machine's architecture: the store's default is what the rows get.
    const store = openStore(dir, { architecture: 'arm64' });
    expect(store.getFunctionConfiguration('old')).toMatchObject({ Architectures: ['arm64'], Description: '', Environment: { Variables: { ALPHA: '1', BETA: '2' } } });
    expect(store.getFunctionConfiguration('old', 'live')).toMatchObject({ Version: '1', Architectures: ['arm64'], Description: 'first release' });
    // Rewrites of $LATEST that change nothing, then publishing twice: version 1 each time.
    store.updateFunctionCode('old', code('v1'));
    expect(store.publishVersion('old').Version).toBe('1');
    store.updateFunctionConfiguration('old', { Timeout: 3, Environment: { Variables: { ALPHA: '1', BETA: '2' } } });
    expect(store.publishVersion('old').Version).toBe('1');
    expect(store.listVersionsByFunction('old').Versions.map((v) => [v.Version, v.Architectures[0]])).toEqual([
      ['$LATEST', 'arm64'],
      ['1', 'arm64'],
    ]);
    // A real change still publishes.
    store.updateFunctionConfiguration('old', { Timeout: 4 });
    expect(store.publishVersion('old').Version).toBe('2');
    store.close();

    const reopened = new Database(path.join(dir, LAMBDA_DB_FILE), { readonly: true });
    expect(reopened.pragma('user_version', { simple: true })).toBe(2);
    expect(reopened.prepare('SELECT count(*) AS n FROM versions WHERE architecture IS NULL').get()).toEqual({ n: 0 });
    const column = (reopened.pragma('table_info(versions)') as { name: string; notnull: number }[]).find((c) => c.name === 'architecture');
    expect(column?.notnull).toBe(1);
    expect(reopened.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'versions%'").all()).toEqual([{ name: 'versions' }]);
    reopened.close();
  });
});
