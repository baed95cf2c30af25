// The tables of <stateDir>/lambda.db.
//
// functions  one row per function: its name and the next version number to
//            publish. The counter only grows, so a number is never reused
//            after its version is deleted (Lambda's rule); it goes away with
//            the function.
// versions   $LATEST (version 0) and every published version, with its code
//            hash and settings. Rows of published versions are written once
//            and never updated: that is what makes them immutable. Schema 2
//            added `architecture`; migrating a schema 1 file fills it with
//            the store's default, the architecture those functions ran as.
// aliases    name -> version, with an optional second version and its weight.
import type Database from 'better-sqlite3';
import { applySchema } from '../../system/state-database';
import type { VersionRow } from './configuration';
import { schemaOneFingerprintWith } from './rows';

/** Bumped when the layout changes; an older nanolambda refuses a newer file. */
export const SCHEMA_VERSION = 2;

/** The columns schema 1's versions table has: every one of schema 2's but architecture. */
const SCHEMA_ONE_COLUMNS = [
  'function_name', 'version', 'runtime', 'role', 'handler', 'description', 'timeout', 'memory_size',
  'environment', 'code_sha256', 'code_size', 'last_modified', 'revision_id', 'fingerprint',
];

/**
 * Create the tables, or bring an older file's up to this layout, in one
 * transaction: a crash leaves either layout whole. `defaultArchitecture` is
 * what rows of a schema 1 file get (the store's default: what those
 * functions ran as).
 */
export function migrate(db: Database.Database, file: string, defaultArchitecture: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    // SQLite cannot add a NOT NULL column without a default: the table is rebuilt instead.
    if (version === 1) db.exec('ALTER TABLE versions RENAME TO versions_schema_1');
    applySchema(db, file, SCHEMA_VERSION, `
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
      architecture  TEXT    NOT NULL,
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
  `);
    if (version === 1) copySchemaOneVersions(db, defaultArchitecture);
  })();
}

/**
 * Schema 1's versions into schema 2's table, with `architecture` and their
 * fingerprints with it, as rows written now would have them: so a publish of
 * an unchanged $LATEST still finds the version it would duplicate.
 */
function copySchemaOneVersions(db: Database.Database, architecture: string): void {
  const insert = db.prepare(
    `INSERT INTO versions (${SCHEMA_ONE_COLUMNS.join(', ')}, architecture) ` +
      `VALUES (${SCHEMA_ONE_COLUMNS.map((column) => `@${column}`).join(', ')}, @architecture)`,
  );
  for (const row of db.prepare(`SELECT ${SCHEMA_ONE_COLUMNS.join(', ')} FROM versions_schema_1`).all() as VersionRow[]) {
    insert.run({ ...row, architecture, fingerprint: schemaOneFingerprintWith(row.fingerprint, architecture) });
  }
  db.exec('DROP TABLE versions_schema_1');
}
