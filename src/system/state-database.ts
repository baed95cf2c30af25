// A SQLite database in the state directory, opened the one way both stores
// (events.db, lambda.db) need: the directory 0700 and the file 0600 (they
// hold users' payloads and environment variables; SQLite gives its -wal and
// -shm files the database's mode), WAL with synchronous FULL (a committed
// write survives power loss), a 5 s busy timeout.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../errors';

/** Open (or create) <stateDir>/<fileName>; `what` names it in the STORAGE_FAILED error. */
export function openStateDatabase(stateDir: string, fileName: string, what: string): Database.Database {
  const file = path.join(stateDir, fileName);
  try {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    // Loaded on first use: the module costs ~4 MB of RSS.
    const open = require('better-sqlite3') as typeof Database;
    const db = new open(file, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    return db;
  } catch (error) {
    throw new NanolambdaError(
      'STORAGE_FAILED',
      `cannot open the ${what} ${file} in the state directory ${stateDir}: ${(error as Error).message}; ` +
        'make it writable by nanolambda or set Nanolambda.StateDir to another directory',
      { cause: error },
    );
  }
}

/**
 * Create a store's tables (`ddl`, idempotent: CREATE ... IF NOT EXISTS) and
 * mark the file with `schemaVersion`. A file a newer nanolambda wrote is
 * refused: its layout may mean something this version would get wrong.
 */
export function applySchema(db: Database.Database, file: string, schemaVersion: number, ddl: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > schemaVersion) {
    throw new Error(`${file} was written by a newer nanolambda (schema ${version}, this one knows ${schemaVersion}): upgrade nanolambda or move the file away`);
  }
  db.exec(ddl);
  db.pragma(`user_version = ${schemaVersion}`);
}
