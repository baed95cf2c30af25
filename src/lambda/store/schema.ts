// The tables of <stateDir>/lambda.db.
//
// functions  one row per function: its name and the next version number to
//            publish. The counter only grows, so a number is never reused
//            after its version is deleted (Lambda's rule); it goes away with
//            the function.
// versions   $LATEST (version 0) and every published version, with its code
//            hash and settings. Rows of published versions are written once
//            and never updated: that is what makes them immutable. Schema 2
//            added `architecture` (NULL in older rows: the store's default).
// aliases    name -> version, with an optional second version and its weight.
import type Database from 'better-sqlite3';
import { applySchema } from '../../system/state-database';

/** Bumped when the layout changes; an older nanolambda refuses a newer file. */
export const SCHEMA_VERSION = 2;

export function migrate(db: Database.Database, file: string): void {
  // Schema 1's versions table lacks the architecture column: add it, in the
  // same transaction as the version bump, so a crash leaves either layout whole.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 1) db.exec('ALTER TABLE versions ADD COLUMN architecture TEXT');
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
      architecture  TEXT,
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
  })();
}
