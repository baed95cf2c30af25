// The deployed secrets on disk: <stateDir>/secrets.db (SQLite, opened as
// every state database is: 0600, WAL, synchronous FULL). It holds only what
// the service already encrypted: values sealed with the deployment's data
// key, and that data key sealed with the master key. Names, ARNs, labels and
// version ids are stored in clear: they are not secret (the group file has
// them) and lookups need them.
//
// A deployment replaces the whole content in one transaction, so a reader
// sees the previous deployment or the new one, never a mix of data keys.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../errors';
import { applySchema, openStateDatabase } from '../system/state-database';

export const SECRETS_DB_FILE = 'secrets.db';
/** Bumped when the table layout changes; an older nanolambda refuses a newer file. */
const SCHEMA_VERSION = 1;

export interface StoredSecret {
  resourceId: string;
  arn: string;
  name: string;
  stagingLabels: string[];
  binary: boolean;
  versionId: string;
  /** Date.now() when this version (this value) was first stored. */
  createdMs: number;
  /** The value, sealed with the data key (sealed-box.ts). */
  sealedValue: Buffer;
}

interface SecretRow {
  resource_id: string;
  arn: string;
  name: string;
  staging_labels: string;
  is_binary: number;
  version_id: string;
  created_ms: number;
  sealed_value: Buffer;
}

/** Whether a store exists in the state directory (a deployment had secrets). */
export function secretStoreExists(stateDir: string): boolean {
  return fs.existsSync(path.join(stateDir, SECRETS_DB_FILE));
}

export class SecretStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly selectDataKey: Database.Statement;
  private readonly selectAll: Database.Statement;
  private readonly selectById: Database.Statement;
  private readonly replace: (sealedDataKey: Buffer | undefined, secrets: readonly StoredSecret[]) => void;

  /** Open (or create) <stateDir>/secrets.db. Throws STORAGE_FAILED naming the file when it cannot. */
  constructor(stateDir: string) {
    this.file = path.join(stateDir, SECRETS_DB_FILE);
    this.db = openStateDatabase(stateDir, SECRETS_DB_FILE, 'secrets store');
    try {
      migrate(this.db, this.file);
    } catch (error) {
      this.db.close();
      throw new NanolambdaError('STORAGE_FAILED', `cannot use the secrets store ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    this.selectDataKey = this.db.prepare("SELECT value FROM meta WHERE key = 'data_key'").pluck();
    this.selectAll = this.db.prepare('SELECT * FROM secrets ORDER BY resource_id');
    this.selectById = this.db.prepare('SELECT * FROM secrets WHERE arn = ? OR name = ?');
    const deleteSecrets = this.db.prepare('DELETE FROM secrets');
    const deleteDataKey = this.db.prepare("DELETE FROM meta WHERE key = 'data_key'");
    const insertDataKey = this.db.prepare("INSERT INTO meta (key, value) VALUES ('data_key', ?)");
    const insertSecret = this.db.prepare(
      'INSERT INTO secrets (resource_id, arn, name, staging_labels, is_binary, version_id, created_ms, sealed_value) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.replace = this.db.transaction((sealedDataKey: Buffer | undefined, secrets: readonly StoredSecret[]) => {
      deleteSecrets.run();
      deleteDataKey.run();
      if (sealedDataKey !== undefined) insertDataKey.run(sealedDataKey);
      for (const s of secrets) {
        insertSecret.run(s.resourceId, s.arn, s.name, JSON.stringify(s.stagingLabels), s.binary ? 1 : 0, s.versionId, s.createdMs, s.sealedValue);
      }
    });
  }

  /** The deployment's data key, sealed with the master key; undefined when nothing is deployed. */
  sealedDataKey(): Buffer | undefined {
    return (this.selectDataKey.get() as Buffer | undefined) ?? undefined;
  }

  all(): StoredSecret[] {
    return (this.selectAll.all() as SecretRow[]).map(toSecret);
  }

  /** The secret whose full ARN or name is `secretId` (both are unique in a group, and no name holds the ":" every ARN has). */
  find(secretId: string): StoredSecret | undefined {
    const row = this.selectById.get(secretId, secretId) as SecretRow | undefined;
    return row === undefined ? undefined : toSecret(row);
  }

  /** Replace everything stored, in one transaction. Throws STORAGE_FAILED when the disk refuses it (nothing changes then). */
  replaceAll(sealedDataKey: Buffer | undefined, secrets: readonly StoredSecret[]): void {
    try {
      this.replace(sealedDataKey, secrets);
    } catch (error) {
      throw new NanolambdaError('STORAGE_FAILED', `cannot write the secrets store ${this.file}: ${(error as Error).message}`, { cause: error });
    }
  }

  close(): void {
    this.db.close();
  }
}

function migrate(db: Database.Database, file: string): void {
  applySchema(db, file, SCHEMA_VERSION, `
    CREATE TABLE IF NOT EXISTS meta (
      key   TEXT PRIMARY KEY,
      value BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS secrets (
      resource_id    TEXT    PRIMARY KEY,
      arn            TEXT    NOT NULL UNIQUE,
      name           TEXT    NOT NULL UNIQUE,
      staging_labels TEXT    NOT NULL,
      is_binary      INTEGER NOT NULL,
      version_id     TEXT    NOT NULL,
      created_ms     INTEGER NOT NULL,
      sealed_value   BLOB    NOT NULL
    );
  `);
}

function toSecret(row: SecretRow): StoredSecret {
  return {
    resourceId: row.resource_id,
    arn: row.arn,
    name: row.name,
    stagingLabels: parseLabels(row.staging_labels),
    binary: row.is_binary === 1,
    versionId: row.version_id,
    createdMs: row.created_ms,
    sealedValue: row.sealed_value,
  };
}

/** Written by this file as a JSON array of strings; anything else means the file was altered. */
function parseLabels(text: string): string[] {
  let labels: unknown;
  try {
    labels = JSON.parse(text);
  } catch {
    labels = undefined;
  }
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
    throw new NanolambdaError('STORAGE_FAILED', 'the secrets store holds malformed staging labels: deploy again to rewrite it');
  }
  return labels as string[];
}
