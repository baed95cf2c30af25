// The durable event queue: a 202 means the row is committed, successes
// leave nothing behind, a stop keeps what did not finish, and bad or
// excess input is refused before anything is stored.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore, EVENTS_DB_FILE, MAX_QUEUED_EVENTS_PER_FUNCTION } from '../src/events/event-store';
import { Runtime } from '../src/runtime';
import { tempDir } from './helpers/sdk';
import { buildRecorder, postEvent, readRecords, recorderGroup } from './helpers/event-recorder';
import { sleep, waitFor } from './helpers/wait';

let runtime: Runtime | undefined;

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

/** Rows in the database, read through a separate read-only connection: only committed rows are visible. */
function storedRequestIds(stateDir: string): string[] {
  const db = new Database(path.join(stateDir, EVENTS_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT request_id FROM events ORDER BY id').pluck().all() as string[];
  } finally {
    db.close();
  }
}

function storedPayloads(stateDir: string): string[] {
  const db = new Database(path.join(stateDir, EVENTS_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT payload FROM events ORDER BY id').pluck().all() as Buffer[]).map((p) => p.toString());
  } finally {
    db.close();
  }
}

describe('accepting an event', () => {
  it('answers 202 over HTTP only once the row is committed, and a stop keeps unfinished events', async () => {
    const dir = tempDir('events-commit');
    const setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'slow', sleepMs: 10_000, maxInstances: 1, timeout: 30 }]);
    setup.group.shutdownGraceMs = 100;
    runtime = await Runtime.start({ group: setup.group, http: { host: '127.0.0.1', port: 0 } });
    const port = runtime.httpAddress!.port;

    const sent: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const payload = `{"event":${i}}`;
      const response = await postEvent(port, 'slow', Buffer.from(payload), runtime.group.stateDir);
      expect(response.status).toBe(202);
      sent.push(payload);
      ids.push(response.requestId);
      // The 202's x-amzn-RequestId is the stored event's (its failure record names it).
      expect(storedRequestIds(setup.group.stateDir)).toEqual(ids);
      // The first one may be running already; running rows stay until they succeed.
      expect(storedPayloads(setup.group.stateDir)).toEqual(sent);
    }
    await waitFor(() => runtime!.eventStatus()[0]!.inFlight === 1, 5000, 'the first event to start');
    expect(runtime.eventStatus()[0]).toMatchObject({ functionArn: setup.fn('slow').arn, queued: 4, inFlight: 1, inGroup: true });

    // The stop kills the running attempt after the grace period: not the event's fault, it stays.
    await runtime.stop();
    runtime = undefined;
    expect(storedPayloads(setup.group.stateDir)).toEqual(sent);

    const stateDir = setup.group.stateDir;
    expect(fs.statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(stateDir, EVENTS_DB_FILE)).mode & 0o777).toBe(0o600);
    const db = new Database(path.join(stateDir, EVENTS_DB_FILE), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses an Event payload over 1 MB before storing anything (TS API and HTTP)', async () => {
    const dir = tempDir('events-too-large');
    const setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'rec' }]);
    runtime = await Runtime.start({ group: setup.group, http: { host: '127.0.0.1', port: 0 } });

    await expect(runtime.invoke('rec', Buffer.alloc(1024 * 1024 + 1), { type: 'Event' })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('1048577 bytes'),
    });
    const response = await postEvent(runtime.httpAddress!.port, 'rec', Buffer.alloc(1024 * 1024 + 1), runtime.group.stateDir);
    expect(response.status).toBe(413);
    expect(response.errorType).toBe('RequestEntityTooLargeException');
    // Not even a store yet: it is created by the first accepted event.
    expect(fs.existsSync(path.join(setup.group.stateDir, EVENTS_DB_FILE))).toBe(false);
    // Exactly 1 MB is fine.
    expect((await runtime.invoke('rec', Buffer.alloc(1024 * 1024, 0x61), { type: 'Event' })).statusCode).toBe(202);
  });
});

describe('after an event ran', () => {
  it('deletes it on success, so a restart runs nothing again', async () => {
    const dir = tempDir('events-success');
    const setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'ok' }]);
    runtime = await Runtime.start({ group: setup.group, http: false });
    for (let i = 0; i < 20; i++) await runtime.invoke('ok', `good-${i}`, { type: 'Event' });

    await waitFor(() => readRecords(setup.recordFile('ok')).length === 20, 10_000, '20 events to run');
    await waitFor(() => runtime!.eventStatus()[0]!.queued + runtime!.eventStatus()[0]!.inFlight === 0, 5000, 'the store to empty');
    await runtime.stop();
    runtime = undefined;
    expect(storedPayloads(setup.group.stateDir)).toEqual([]);

    runtime = await Runtime.start({ group: setup.group, http: false });
    await sleep(500);
    const records = readRecords(setup.recordFile('ok'));
    expect(records).toHaveLength(20);
    expect(new Set(records.map((r) => r.payload)).size).toBe(20);
  });
});

describe('the store', () => {
  it('keeps an outcome the disk refused, does not hand the event out again, and writes it once it can', async () => {
    const warnings: Error[] = [];
    const store = new EventStore(tempDir('events-refused'), { onWriteError: (error) => warnings.push(error) });
    const db = (store as unknown as { db: Database.Database }).db;
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:ok:1';
    try {
      await store.accept(arn, Buffer.from('once'), null);
      const [event] = store.takeDue(arn, Date.now(), 1, new Set());
      expect(event!.payload.toString()).toBe('once');
      // The disk refuses writes (SQLite's query_only makes every write fail as a full disk would).
      db.pragma('query_only = 1');
      store.remove(event!);
      await sleep(50);
      expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/could not record 1 event outcomes .*trying again/)]);
      expect(db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(1);
      // Still stored, but done: not run again while the delete waits.
      expect(store.takeDue(arn, Date.now(), 10, new Set())).toEqual([]);
      expect(store.queued(arn)).toBe(0);
      db.pragma('query_only = 0');
      await waitFor(() => db.prepare('SELECT COUNT(*) FROM events').pluck().get() === 0, 5000, 'the retried delete');
      expect(store.queued(arn)).toBe(0);
    } finally {
      store.close();
    }
  });

  it(`throttles a function at its queue limit (${MAX_QUEUED_EVENTS_PER_FUNCTION.toLocaleString('en')} by default), naming both`, async () => {
    expect(MAX_QUEUED_EVENTS_PER_FUNCTION).toBe(100_000);
    const store = new EventStore(tempDir('events-limit'), { maxQueuedPerFunction: 3 });
    try {
      const arn = 'arn:aws:lambda:us-east-1:123456789012:function:busy:1';
      await Promise.all([1, 2, 3].map((i) => store.accept(arn, Buffer.from(`e${i}`), null)));
      const refused = store.accept(arn, Buffer.from('e4'), null);
      await expect(refused).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining(arn) });
      await expect(refused).rejects.toThrow(/the limit is 3/);
      // Other functions are not affected.
      await store.accept('arn:aws:lambda:us-east-1:123456789012:function:idle:1', Buffer.from('x'), null);
      expect(store.queued(arn)).toBe(3);
    } finally {
      store.close();
    }
  });

  it('throttles a function at its queued payload bytes too, and counts them again after a restart', async () => {
    const stateDir = tempDir('events-bytes');
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:big:1';
    let store = new EventStore(stateDir, { maxQueuedBytesPerFunction: 1000 });
    try {
      await store.accept(arn, Buffer.alloc(600), null);
      await expect(store.accept(arn, Buffer.alloc(500), null)).rejects.toThrow(/\(600 bytes\) queued, the limit is .* or 1000 bytes/);
      await store.accept(arn, Buffer.alloc(400), null);
    } finally {
      store.close();
    }
    store = new EventStore(stateDir, { maxQueuedBytesPerFunction: 1000 });
    try {
      await expect(store.accept(arn, Buffer.alloc(1), null)).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      expect(store.queued(arn)).toBe(2);
    } finally {
      store.close();
    }
  });

  it('commits a burst of accepts together, each resolving only once its row is visible to other connections', async () => {
    const stateDir = tempDir('events-burst');
    const store = new EventStore(stateDir);
    try {
      // FULL: the WAL is fsynced at every commit (2 = FULL).
      expect((store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2);
      const arn = 'arn:aws:lambda:us-east-1:123456789012:function:burst:1';
      const visible = await Promise.all(
        Array.from({ length: 500 }, (_, i) => store.accept(arn, Buffer.from(`b${i}`), null).then(() => storedPayloads(stateDir).length)),
      );
      // Every accept of the burst saw all 500 rows: one transaction.
      expect(new Set(visible)).toEqual(new Set([500]));
    } finally {
      store.close();
    }
  });

  it('keeps events of a function the group no longer has, warns once, and never deletes them', async () => {
    const dir = tempDir('events-stranded');
    const setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'present' }]);
    const goneArn = 'arn:aws:lambda:us-east-1:123456789012:function:gone:1';
    const earlier = new EventStore(setup.group.stateDir);
    await earlier.accept(goneArn, Buffer.from('left behind'), null);
    earlier.close();

    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      runtime = await Runtime.start({ group: setup.group, http: false });
      await waitFor(() => warnings.length > 0, 2000, 'a warning');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toHaveLength(1);
    expect((warnings[0] as NodeJS.ErrnoException).code).toBe('NANOLAMBDA_EVENTS_STRANDED');
    expect(warnings[0]!.message).toContain(goneArn);
    expect(runtime.eventStatus()).toContainEqual({ functionArn: goneArn, queued: 1, inFlight: 0, inGroup: false });
    await runtime.stop();
    runtime = undefined;
    expect(storedPayloads(setup.group.stateDir)).toEqual(['left behind']);
  });

  it('names the state directory when it cannot be used', () => {
    const dir = tempDir('events-bad-state');
    fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
    const stateDir = path.join(dir, 'not-a-dir', 'state');
    let error: unknown;
    try {
      new EventStore(stateDir).close();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'STORAGE_FAILED', message: expect.stringContaining(`state directory ${stateDir}`) });
    expect((error as Error).message).toMatch(/ENOTDIR.*Nanolambda\.StateDir/);
  });
});
