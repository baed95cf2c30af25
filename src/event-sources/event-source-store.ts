// What event sources remember across restarts, in <StateDir>/event-sources.db
// (SQLite, opened on first use through openStateDatabase):
//   mappings        the Lambda API's mappings (the group file's are not stored: the file has them)
//   schedule_state  per schedule, the time every earlier fire is accounted for up to
//                   (so a restart fires at most once for what it missed, see schedule-runner.ts)
//   delivered       per watched directory, the version (size, mtime) of each file
//                   whose event was accepted (so a restart does not deliver it again)
// Every write is its own transaction (synchronous FULL): what a directory
// recorded as delivered survives power loss.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../errors';
import { applySchema, openStateDatabase } from '../system/state-database';

export const EVENT_SOURCES_DB_FILE = 'event-sources.db';
/** Bumped when the tables change; an older nanolambda refuses a newer file. */
const SCHEMA_VERSION = 1;

export interface StoredMapping {
  uuid: string;
  functionName: string;
  functionArn: string;
  eventSourceArn: string;
  enabled: boolean;
  lastModifiedMs: number;
}

interface MappingRow {
  uuid: string;
  function_name: string;
  function_arn: string;
  event_source_arn: string;
  enabled: number;
  last_modified_ms: number;
}

export class EventSourceStore {
  readonly file: string;
  private opened: Database.Database | undefined;
  private closed = false;

  constructor(private readonly stateDir: string) {
    this.file = path.join(stateDir, EVENT_SOURCES_DB_FILE);
  }

  /** Whether an earlier run stored anything (so start need not open SQLite otherwise). */
  get exists(): boolean {
    return this.opened !== undefined || fs.existsSync(this.file);
  }

  private get db(): Database.Database {
    if (this.closed) throw new NanolambdaError('RUNTIME_STOPPED', `the event source store ${this.file} is closed: the runtime is stopping`);
    if (this.opened === undefined) {
      const db = openStateDatabase(this.stateDir, EVENT_SOURCES_DB_FILE, 'event source store');
      try {
        migrate(db, this.file);
      } catch (error) {
        db.close();
        throw error;
      }
      this.opened = db;
    }
    return this.opened;
  }

  listMappings(): StoredMapping[] {
    const rows = this.db.prepare('SELECT * FROM mappings ORDER BY uuid').all() as MappingRow[];
    return rows.map((r) => ({
      uuid: r.uuid,
      functionName: r.function_name,
      functionArn: r.function_arn,
      eventSourceArn: r.event_source_arn,
      enabled: r.enabled === 1,
      lastModifiedMs: r.last_modified_ms,
    }));
  }

  putMapping(m: StoredMapping): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO mappings (uuid, function_name, function_arn, event_source_arn, enabled, last_modified_ms) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(m.uuid, m.functionName, m.functionArn, m.eventSourceArn, m.enabled ? 1 : 0, m.lastModifiedMs);
  }

  /** Remove a mapping and everything it remembered, in one transaction. */
  deleteMapping(uuid: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM mappings WHERE uuid = ?').run(uuid);
      this.forgetState(uuid);
    })();
  }

  /** Forget a mapping's schedule state and delivered files (the mapping was removed). */
  forgetState(uuid: string): void {
    if (!this.exists) return;
    this.db.prepare('DELETE FROM schedule_state WHERE mapping = ?').run(uuid);
    this.db.prepare('DELETE FROM delivered WHERE mapping = ?').run(uuid);
  }

  scheduleAnchor(uuid: string): { expression: string; anchorMs: number } | undefined {
    if (!this.exists) return undefined;
    const row = this.db.prepare('SELECT expression, anchor_ms FROM schedule_state WHERE mapping = ?').get(uuid) as
      | { expression: string; anchor_ms: number }
      | undefined;
    return row && { expression: row.expression, anchorMs: row.anchor_ms };
  }

  setScheduleAnchor(uuid: string, expression: string, anchorMs: number): void {
    this.db.prepare('INSERT OR REPLACE INTO schedule_state (mapping, expression, anchor_ms) VALUES (?, ?, ?)').run(uuid, expression, anchorMs);
  }

  forgetSchedule(uuid: string): void {
    if (this.exists) this.db.prepare('DELETE FROM schedule_state WHERE mapping = ?').run(uuid);
  }

  /**
   * The files of `directory` the mapping delivered: key -> version
   * ("<size>:<mtime ns>"). Rows of other directories (the mapping's
   * directory changed) are dropped.
   */
  deliveredFiles(uuid: string, directory: string): Map<string, string> {
    this.db.prepare('DELETE FROM delivered WHERE mapping = ? AND directory <> ?').run(uuid, directory);
    const rows = this.db.prepare('SELECT key, version FROM delivered WHERE mapping = ? AND directory = ?').all(uuid, directory) as Array<{
      key: string;
      version: string;
    }>;
    return new Map(rows.map((r) => [r.key, r.version]));
  }

  recordDelivered(uuid: string, directory: string, key: string, version: string): void {
    this.db.prepare('INSERT OR REPLACE INTO delivered (mapping, directory, key, version) VALUES (?, ?, ?, ?)').run(uuid, directory, key, version);
  }

  /** Forget files that are gone, so the table does not grow with every file ever dropped. */
  forgetDelivered(uuid: string, directory: string, keys: readonly string[]): void {
    const remove = this.db.prepare('DELETE FROM delivered WHERE mapping = ? AND directory = ? AND key = ?');
    this.db.transaction(() => {
      for (const key of keys) remove.run(uuid, directory, key);
    })();
  }

  close(): void {
    this.closed = true;
    this.opened?.close();
    this.opened = undefined;
  }
}

function migrate(db: Database.Database, file: string): void {
  applySchema(db, file, SCHEMA_VERSION, `
    CREATE TABLE IF NOT EXISTS mappings (
      uuid TEXT PRIMARY KEY,
      function_name TEXT NOT NULL,
      function_arn TEXT NOT NULL,
      event_source_arn TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      last_modified_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS schedule_state (
      mapping TEXT PRIMARY KEY,
      expression TEXT NOT NULL,
      anchor_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS delivered (
      mapping TEXT NOT NULL,
      directory TEXT NOT NULL,
      key TEXT NOT NULL,
      version TEXT NOT NULL,
      PRIMARY KEY (mapping, directory, key)
    );
  `);
}
