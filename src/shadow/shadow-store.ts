// The durable store of thing shadows: <stateDir>/shadows.db, one row per
// thing holding its document (state and metadata, as JSON) and its version.
//
// Opened on the first request, not at start: better-sqlite3 costs RSS, and
// most groups never use the shadow service.
//
// A deleted shadow keeps its row with no document, so its version survives:
// a shadow created again continues the numbering (AWS IoT does so within 48
// hours of the delete; here always, so a device that ignores versions lower
// than the last it saw never ignores a re-created shadow).
import path from 'node:path';
import type Database from 'better-sqlite3';
import { applySchema, openStateDatabase } from '../system/state-database';
import { isJsonObject, parseJsonTree } from './json-tree';
import type { ShadowDocument } from './shadow-document';

export const SHADOWS_DB_FILE = 'shadows.db';

/** Bumped when the table layout changes; an older nanolambda refuses a newer file. */
const SCHEMA_VERSION = 1;

export interface StoredShadow {
  /** The last accepted update's version (0 for a thing never written). */
  version: number;
  /** undefined: the shadow was deleted (the version is kept), or its row is damaged. */
  document: ShadowDocument | undefined;
  /**
   * Why the stored document could not be read (the file was edited or
   * corrupted): get and update refuse with it; delete still works, which is
   * how a user starts such a shadow again.
   */
  damage?: string;
}

interface ShadowRow {
  version: number;
  document: string | null;
}

interface Statements {
  select: Database.Statement;
  upsert: Database.Statement;
}

export class ShadowStore {
  readonly file: string;
  private db: Database.Database | undefined;
  private statements: Statements | undefined;
  private closed = false;

  constructor(private readonly stateDir: string) {
    this.file = path.join(stateDir, SHADOWS_DB_FILE);
  }

  /** The thing's row, or undefined for a thing never written. Throws when the disk fails. */
  read(thingName: string): StoredShadow | undefined {
    const row = this.open().select.get(thingName) as ShadowRow | undefined;
    return row ? this.toShadow(thingName, row) : undefined;
  }

  /**
   * Read the thing's row, let `decide` compute its next value, and store it,
   * all in one write transaction, so no other writer of the file can slip in
   * between the version check and the write. Whatever `decide` throws leaves
   * the row as it was and is thrown on.
   */
  change<T>(thingName: string, decide: (current: StoredShadow | undefined) => { next: StoredShadow; result: T }): T {
    const { select, upsert } = this.open();
    const db = this.db!;
    const run = db.transaction(() => {
      const row = select.get(thingName) as ShadowRow | undefined;
      const { next, result } = decide(row ? this.toShadow(thingName, row) : undefined);
      upsert.run(thingName, next.version, next.document ? JSON.stringify(next.document) : null, Date.now());
      return result;
    });
    // IMMEDIATE takes the write lock before the read.
    return run.immediate();
  }

  close(): void {
    this.closed = true;
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }

  private open(): Statements {
    if (this.closed) throw new Error(`the shadow store ${this.file} is closed`);
    if (this.statements) return this.statements;
    // Throws STORAGE_FAILED naming the directory; the next request tries again.
    const db = openStateDatabase(this.stateDir, SHADOWS_DB_FILE, 'shadow store');
    try {
      migrate(db, this.file);
      this.statements = {
        select: db.prepare('SELECT version, document FROM shadows WHERE thing_name = ?'),
        upsert: db.prepare(
          'INSERT INTO shadows (thing_name, version, document, updated_at) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT (thing_name) DO UPDATE SET ' +
            'version = excluded.version, document = excluded.document, updated_at = excluded.updated_at',
        ),
      };
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    return this.statements;
  }

  private toShadow(thingName: string, row: ShadowRow): StoredShadow {
    if (row.document === null) return { version: row.version, document: undefined };
    let parsed;
    try {
      parsed = parseJsonTree(row.document);
    } catch {
      parsed = undefined;
    }
    if (!isJsonObject(parsed) || !isJsonObject(parsed.state) || !isJsonObject(parsed.metadata)) {
      return {
        version: row.version,
        document: undefined,
        damage: `the stored shadow of thing '${thingName}' in ${this.file} is damaged; delete the shadow to start it again`,
      };
    }
    return { version: row.version, document: { state: parsed.state, metadata: parsed.metadata } };
  }
}

function migrate(db: Database.Database, file: string): void {
  applySchema(db, file, SCHEMA_VERSION, `
    CREATE TABLE IF NOT EXISTS shadows (
      thing_name TEXT    PRIMARY KEY,
      version    INTEGER NOT NULL,
      document   TEXT,
      updated_at INTEGER NOT NULL
    );
  `);
}
