// The cloud queue on disk (Queue.Storage "FileSystem"): <stateDir>/cloud-queue.db,
// opened through openStateDatabase (WAL, synchronous FULL, 0600), so a
// message is on disk, fsynced, when publish() returns and a new bridge on the
// same state directory continues where the last one stopped.
//
// Only counts are kept in memory; payloads stay on disk until they are sent
// (the queue may hold up to 1 GiB).
import path from 'node:path';
import type Database from 'better-sqlite3';
import { NanolambdaError } from '../errors';
import { applySchema, openStateDatabase } from '../system/state-database';
import { messageBytes, type QueuedMessage, type QueueStorage } from './queue-storage';

export const CLOUD_QUEUE_FILE = 'cloud-queue.db';

/** Bumped when the table layout changes; an older nanolambda refuses a newer file. */
const SCHEMA_VERSION = 1;

type NewMessage = { topic: string; payload: Buffer };

interface CommitResult {
  removedCount: number;
  removedBytes: number;
  stored: QueuedMessage | undefined;
}

interface Row {
  id: number;
  topic: string;
  payload: Buffer;
  bytes: number;
}

export class SqliteQueueStorage implements QueueStorage {
  readonly file: string;
  private readonly db: Database.Database;
  private totalCount = 0;
  private totalBytes = 0;
  private readonly firstRow: Database.Statement;
  private readonly oldestRows: Database.Statement;
  private readonly newestRows: Database.Statement;
  private readonly insertRow: Database.Statement;
  private readonly rowBytes: Database.Statement;
  private readonly deleteRow: Database.Statement;
  private readonly commitTransaction: (removeIds: readonly number[], message: NewMessage | undefined) => CommitResult;

  /** Throws STORAGE_FAILED naming the file when it cannot be opened or was written by a newer nanolambda. */
  constructor(stateDir: string) {
    this.file = path.join(stateDir, CLOUD_QUEUE_FILE);
    this.db = openStateDatabase(stateDir, CLOUD_QUEUE_FILE, 'cloud message queue');
    try {
      migrate(this.db, this.file);
      const totals = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes FROM outbound').get() as { n: number; bytes: number };
      this.totalCount = totals.n;
      this.totalBytes = totals.bytes;
    } catch (error) {
      this.db.close();
      throw this.failure('cannot open', error);
    }
    this.firstRow = this.db.prepare('SELECT id, topic, payload, bytes FROM outbound ORDER BY id LIMIT 1');
    this.oldestRows = this.db.prepare('SELECT id, bytes FROM outbound ORDER BY id');
    this.newestRows = this.db.prepare('SELECT id, bytes FROM outbound ORDER BY id DESC');
    this.insertRow = this.db.prepare('INSERT INTO outbound (topic, payload, bytes) VALUES (?, ?, ?)');
    this.rowBytes = this.db.prepare('SELECT bytes FROM outbound WHERE id = ?').pluck();
    this.deleteRow = this.db.prepare('DELETE FROM outbound WHERE id = ?');
    this.commitTransaction = this.db.transaction((removeIds: readonly number[], message: NewMessage | undefined): CommitResult => {
      let removedCount = 0;
      let removedBytes = 0;
      for (const id of removeIds) {
        const bytes = this.rowBytes.get(id) as number | undefined;
        if (bytes === undefined) continue;
        this.deleteRow.run(id);
        removedCount++;
        removedBytes += bytes;
      }
      let stored: QueuedMessage | undefined;
      if (message) {
        const bytes = messageBytes(message.topic, message.payload);
        const id = Number(this.insertRow.run(message.topic, message.payload, bytes).lastInsertRowid);
        stored = { id, topic: message.topic, payload: message.payload, bytes };
      }
      return { removedCount, removedBytes, stored };
    });
  }

  get count(): number {
    return this.totalCount;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  first(): QueuedMessage | undefined {
    try {
      return (this.firstRow.get() as Row | undefined) ?? undefined;
    } catch (error) {
      throw this.failure('cannot read', error);
    }
  }

  oldest(enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }> {
    return this.walk(this.oldestRows, enough);
  }

  newest(enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }> {
    return this.walk(this.newestRows, enough);
  }

  commit(removeIds: readonly number[], message: NewMessage | undefined): QueuedMessage | undefined {
    let result: CommitResult;
    try {
      result = this.commitTransaction(removeIds, message);
    } catch (error) {
      throw this.failure(message ? `cannot store a message for ${JSON.stringify(message.topic)} in` : 'cannot remove sent messages from', error);
    }
    this.totalCount += (result.stored ? 1 : 0) - result.removedCount;
    this.totalBytes += (result.stored?.bytes ?? 0) - result.removedBytes;
    return result.stored;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Rows read one at a time, so a long queue is never loaded whole. */
  private walk(statement: Database.Statement, enough: (message: { id: number; bytes: number }) => boolean): Array<{ id: number; bytes: number }> {
    const taken: Array<{ id: number; bytes: number }> = [];
    try {
      // Leaving the loop early closes the iterator (the connection is free for writes again).
      for (const row of statement.iterate() as IterableIterator<{ id: number; bytes: number }>) {
        taken.push({ id: row.id, bytes: row.bytes });
        if (enough(row)) break;
      }
    } catch (error) {
      throw this.failure('cannot read', error);
    }
    return taken;
  }

  private failure(what: string, error: unknown): NanolambdaError {
    return new NanolambdaError(
      'STORAGE_FAILED',
      `${what} the cloud message queue ${this.file}: ${(error as Error).message}; ` +
        'check that the state directory is writable and its disk is not full',
      { cause: error },
    );
  }
}

function migrate(db: Database.Database, file: string): void {
  // AUTOINCREMENT: ids never go back, even when the queue empties, so the
  // id order is the queue order across restarts.
  applySchema(db, file, SCHEMA_VERSION, `
    CREATE TABLE IF NOT EXISTS outbound (
      id      INTEGER PRIMARY KEY AUTOINCREMENT,
      topic   TEXT    NOT NULL,
      payload BLOB    NOT NULL,
      bytes   INTEGER NOT NULL
    );
  `);
}
