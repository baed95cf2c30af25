// Runs one watched directory: every regular file that appears in it (or
// below it, if recursive), once complete (file-settle.ts) and matching the
// key filters, is delivered once per version: its event goes to `deliver` (an Event
// invocation, which the runtime stores durably), and only then is its version
// (size, mtime) recorded as delivered. So:
// - a restart does not deliver it again; a new write of it is a new object;
// - a failed delivery (function gone, queue full) is not recorded, and the
//   next rescan tries again; deliveries wait until then, and the same
//   failure is logged once (not once per file or per rescan) until a
//   delivery succeeds again;
// - a crash between the invocation's commit and the record delivers that
//   file once more at the next start: at least once, never lost.
// A file is opened for its event through watched-file.ts: a name swapped for
// a symlink or a FIFO since it was seen is not followed, nor waited on.
// Records of files that are gone are dropped at a rescan, except when the
// rescan saw no file at all: an unmounted volume looks empty, and its files
// must not be delivered again when it is mounted back.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DirectoryTree } from './directory-tree';
import { md5Hex } from './file-digest';
import { settle, versionKey, type FileVersion, type Sighting } from './file-settle';
import { openWatchedFile, type WatchedFile } from './watched-file';

/** A complete file, as its event describes it. */
export interface CompleteFile {
  key: string;
  size: number;
  mtimeMs: number;
  eTag: string;
  sequencer: string;
}

export interface DeliveredRecords {
  /** key -> version of every file delivered from this directory. */
  load(): Map<string, string>;
  record(key: string, version: string): void;
  forget(keys: readonly string[]): void;
}

export interface DirectorySourceOptions {
  directory: string;
  recursive: boolean;
  settleMs: number;
  /** S3's notification filters: a key must start with prefix and end with suffix. */
  prefix: string;
  suffix: string;
  /** Create the directory if missing (an API bucket); a configured one may be a mount point, so it is waited for. */
  create: boolean;
  rescanMs: number;
  records: DeliveredRecords;
  /** Send the file's event; rejects when it could not be accepted. */
  deliver(file: CompleteFile): Promise<void>;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

/** Files hashed and handed over at once, per directory. */
const MAX_PARALLEL_DELIVERIES = 2;

export class DirectorySource {
  private readonly tree: DirectoryTree;
  private delivered = new Map<string, string>();
  /** Files seen but not complete yet, with the timer that looks again. */
  private readonly pending = new Map<string, { sighting: Sighting; timer: NodeJS.Timeout }>();
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Changed while being delivered: looked at again afterwards. */
  private readonly recheck = new Set<string>();
  private readonly deliveries = new Set<Promise<void>>();
  /** Set by a failed delivery: nothing more is sent until the next rescan. */
  private paused = false;
  private running = false;
  private rescanTimer: NodeJS.Timeout | undefined;
  private reportedMissing = false;
  /** The failure last logged; repeats are not logged again until a delivery succeeds. */
  private lastFailure: string | undefined;

  constructor(private readonly options: DirectorySourceOptions) {
    this.tree = new DirectoryTree({
      root: options.directory,
      recursive: options.recursive,
      onName: (key) => this.look(key),
      warn: (message) => options.log('warn', message),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.delivered = this.options.records.load();
    void this.rescan();
  }

  /** Stop watching; deliveries under way finish (see idle). */
  stop(): void {
    this.running = false;
    clearTimeout(this.rescanTimer);
    this.tree.stop();
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.queued.clear();
  }

  /** Resolves when no delivery is under way. */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
  }

  private async rescan(): Promise<void> {
    if (!this.running) return;
    // What waited for this rescan goes now (the walk queues what is left).
    this.paused = false;
    this.pump();
    try {
      if (this.options.create) await fsp.mkdir(this.options.directory, { recursive: true, mode: 0o700 });
      const walk = await this.tree.walk();
      this.reportMissing(walk.rootMissing);
      if (walk.complete && walk.keys.size > 0) this.forgetGone(walk.keys);
    } catch (error) {
      this.options.log('warn', `cannot scan ${this.options.directory}: ${(error as Error).message}`);
    }
    if (!this.running) return;
    this.rescanTimer = setTimeout(() => void this.rescan(), this.options.rescanMs);
    this.rescanTimer.unref();
  }

  /** Once per absence: a directory waiting for its volume to be mounted is not an error every rescan. */
  private reportMissing(missing: boolean): void {
    if (missing && !this.reportedMissing) {
      this.options.log('warn', `the watched directory ${this.options.directory} does not exist: looking for it every ${this.options.rescanMs} ms`);
    }
    this.reportedMissing = missing;
  }

  private forgetGone(present: ReadonlySet<string>): void {
    const gone = [...this.delivered.keys()].filter((key) => !present.has(key) && !this.inFlight.has(key));
    if (gone.length === 0) return;
    try {
      this.options.records.forget(gone);
      for (const key of gone) this.delivered.delete(key);
    } catch (error) {
      this.options.log('warn', `cannot forget delivered files of ${this.options.directory}: ${(error as Error).message}`);
    }
  }

  /** A name appeared, changed or vanished: wait for it, queue it, or forget it. */
  private async look(key: string): Promise<void> {
    if (!this.running) return;
    if (!key.startsWith(this.options.prefix) || !key.endsWith(this.options.suffix)) return;
    if (this.inFlight.has(key)) {
      this.recheck.add(key);
      return;
    }
    let version: FileVersion;
    try {
      const stats = await fsp.lstat(path.join(this.options.directory, key), { bigint: true });
      if (!stats.isFile()) throw new Error('not a regular file');
      version = { size: Number(stats.size), mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs, ino: stats.ino };
    } catch {
      this.drop(key);
      return;
    }
    if (!this.running || this.queued.has(key) || this.inFlight.has(key)) return;
    if (this.delivered.get(key) === versionKey(version.size, version.mtimeNs)) {
      this.drop(key);
      return;
    }
    const before = this.pending.get(key);
    const settled = settle(before?.sighting, version, Date.now(), this.options.settleMs);
    clearTimeout(before?.timer);
    if (settled.complete) {
      this.pending.delete(key);
      this.queued.add(key);
      this.pump();
      return;
    }
    const timer = setTimeout(() => void this.look(key), settled.checkAgainInMs);
    timer.unref();
    this.pending.set(key, { sighting: settled.sighting, timer });
  }

  private drop(key: string): void {
    clearTimeout(this.pending.get(key)?.timer);
    this.pending.delete(key);
  }

  private pump(): void {
    while (this.running && !this.paused && this.inFlight.size < MAX_PARALLEL_DELIVERIES && this.queued.size > 0) {
      const key = this.queued.values().next().value as string;
      this.queued.delete(key);
      this.inFlight.add(key);
      const delivery = this.deliverFile(key).finally(() => {
        this.inFlight.delete(key);
        this.deliveries.delete(delivery);
        if (this.recheck.delete(key)) void this.look(key);
        this.pump();
      });
      this.deliveries.add(delivery);
    }
  }

  private async deliverFile(key: string): Promise<void> {
    const file = path.join(this.options.directory, key);
    let opened: WatchedFile | undefined;
    try {
      opened = await openWatchedFile(this.options.directory, key);
    } catch (error) {
      this.options.log('warn', `cannot read ${file}: ${(error as Error).message}`);
      return;
    }
    // Gone since, or no longer a regular file of this directory: nothing to deliver.
    if (opened === undefined) return;
    const { handle, stats: before } = opened;
    let complete: CompleteFile;
    let version: string;
    try {
      version = versionKey(before.size, before.mtimeNs);
      if (this.delivered.get(key) === version) return;
      const eTag = await md5Hex(handle);
      const after = await handle.stat({ bigint: true });
      if (versionKey(after.size, after.mtimeNs) !== version) {
        // Written while we read it: not complete after all.
        this.recheck.add(key);
        return;
      }
      complete = {
        key,
        size: Number(before.size),
        mtimeMs: Number(before.mtimeNs / 1_000_000n),
        eTag,
        sequencer: before.mtimeNs.toString(16).toUpperCase().padStart(16, '0'),
      };
    } catch (error) {
      this.options.log('warn', `cannot read ${file}: ${(error as Error).message}`);
      return;
    } finally {
      await handle.close().catch(() => undefined);
    }
    try {
      await this.options.deliver(complete);
    } catch (error) {
      const reason = (error as Error).message;
      if (reason !== this.lastFailure) {
        this.options.log('error', `cannot deliver ${file}: ${reason}; trying again at each scan (every ${this.options.rescanMs} ms)`);
      }
      this.lastFailure = reason;
      // Not recorded: the next rescan finds it again.
      this.paused = true;
      this.queued.clear();
      return;
    }
    if (this.lastFailure !== undefined) {
      this.options.log('info', `delivering again (${file} was accepted)`);
      this.lastFailure = undefined;
    }
    this.delivered.set(key, version);
    try {
      this.options.records.record(key, version);
    } catch (error) {
      this.options.log('error', `delivered ${file} but could not record it (it may be delivered again after a restart): ${(error as Error).message}`);
    }
  }
}
