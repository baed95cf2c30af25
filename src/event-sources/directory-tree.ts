// The files of a watched directory (and its subdirectories, if recursive):
// fs.watch on each directory for changes as they happen, and full walks
// (the caller repeats them) because inotify drops events under load and
// misses the contents of a directory moved in whole.
//
// Skipped: names starting with '.' (files and directories: editors' and
// tools' scratch), names ending in '~' or '.tmp' (editors' temp files),
// symbolic links (they could lead outside the directory, or in a loop), and
// anything that is not a regular file or a directory. Below the root, a
// directory is checked with lstat before it is read: one replaced by a
// symlink since its name was seen is not followed. (The root itself may be
// a symlink: the administrator chose that path.) What is read in the window
// between that check and the read is only names: the file delivered is
// opened safely anyway (watched-file.ts).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** inotify watches are a per-user kernel resource: past this, the walks alone find new files. */
const MAX_WATCHED_DIRECTORIES = 1024;

export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || name.endsWith('.tmp');
}

export interface DirectoryTreeOptions {
  root: string;
  recursive: boolean;
  /** A name (key relative to root, '/'-separated) appeared, changed or vanished. */
  onName(key: string): Promise<void>;
  /** Problems reading or watching (the walks go on). */
  warn(message: string): void;
}

export interface Walk {
  /** Keys of the regular files found. */
  keys: Set<string>;
  /** False when part of the tree could not be read (or the root is missing): `keys` may lack files. */
  complete: boolean;
  /** The watched directory itself does not exist (not created yet, or not mounted). */
  rootMissing: boolean;
}

export class DirectoryTree {
  /** By directory key ('' for the root), with the inode watched (a directory made anew under the same name needs a new watch). */
  private readonly watchers = new Map<string, { watcher: fs.FSWatcher; ino: number }>();
  private stopped = false;
  private warnedWatchLimit = false;
  /** Directories that could not be read: each is reported once, not at every walk. */
  private readonly unreadable = new Set<string>();

  constructor(private readonly options: DirectoryTreeOptions) {}

  /** Walk the whole tree, reporting every file to onName and watching every directory. */
  async walk(): Promise<Walk> {
    const result = emptyWalk();
    const visited = new Set<string>();
    await this.walkDirectory('', result, visited);
    // Directories gone since the last walk need no watcher.
    for (const [dir, { watcher }] of this.watchers) {
      if (!visited.has(dir) && result.complete) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    return result;
  }

  stop(): void {
    this.stopped = true;
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private async walkDirectory(dir: string, result: Walk, visited: Set<string>): Promise<void> {
    if (this.stopped) return;
    let entries: fs.Dirent[];
    let ino: number;
    try {
      const stats = dir === '' ? await fsp.stat(this.full(dir)) : await fsp.lstat(this.full(dir));
      if (!stats.isDirectory()) {
        // Replaced by a symlink (or a file) since its name was seen: not followed.
        if (dir === '') throw new Error('not a directory');
        return;
      }
      ino = stats.ino;
      // Not before the check: a directory turned symlink loses its watch (see walk).
      visited.add(dir);
      entries = await fsp.readdir(this.full(dir), { withFileTypes: true });
    } catch (error) {
      result.complete = false;
      if (dir === '' && (error as NodeJS.ErrnoException).code === 'ENOENT') result.rootMissing = true;
      else if (!this.unreadable.has(dir)) {
        this.unreadable.add(dir);
        this.options.warn(`cannot read ${this.full(dir)} (its files are not delivered until it can be read): ${(error as Error).message}`);
      }
      return;
    }
    this.unreadable.delete(dir);
    this.watch(dir, ino);
    for (const entry of entries) {
      if (this.stopped) return;
      if (isIgnoredName(entry.name)) continue;
      const key = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (this.options.recursive) await this.walkDirectory(key, result, visited);
      } else if (entry.isFile()) {
        result.keys.add(key);
        await this.options.onName(key);
      }
    }
  }

  private watch(dir: string, ino: number): void {
    const existing = this.watchers.get(dir);
    if (existing?.ino === ino) return;
    // Removed and made again: the old watch follows the removed directory.
    existing?.watcher.close();
    this.watchers.delete(dir);
    if (this.watchers.size >= MAX_WATCHED_DIRECTORIES) {
      if (!this.warnedWatchLimit) {
        this.warnedWatchLimit = true;
        this.options.warn(`more than ${MAX_WATCHED_DIRECTORIES} directories under ${this.options.root}: the others are only rescanned`);
      }
      return;
    }
    try {
      // Not persistent: the runtime's servers keep the process alive, not a watch.
      const watcher = fs.watch(this.full(dir), { persistent: false }, (_event, name) => this.changed(dir, name));
      watcher.on('error', () => {
        // The directory was removed (or unmounted): the next walk decides.
        watcher.close();
        if (this.watchers.get(dir)?.watcher === watcher) this.watchers.delete(dir);
      });
      this.watchers.set(dir, { watcher, ino });
    } catch (error) {
      this.options.warn(`cannot watch ${this.full(dir)} (${(error as Error).message}): new files there are found by the rescans only`);
    }
  }

  /** Something changed in `dir`: a file to look at, or a directory to walk. */
  private changed(dir: string, name: string | Buffer | null): void {
    if (this.stopped) return;
    const onError = (error: unknown) => this.options.warn(`cannot look at a change in ${this.full(dir)}: ${(error as Error).message}`);
    if (name === null) {
      // inotify overflowed or did not say: look at the whole directory.
      void this.walkDirectory(dir, emptyWalk(), new Set()).catch(onError);
      return;
    }
    const base = name.toString();
    if (isIgnoredName(base)) return;
    const key = dir === '' ? base : `${dir}/${base}`;
    void fsp.lstat(this.full(key)).then(
      (stats) => {
        if (stats.isDirectory()) {
          // Moved in whole, its files made no events of their own.
          if (this.options.recursive) return this.walkDirectory(key, emptyWalk(), new Set());
          return undefined;
        }
        return stats.isFile() ? this.options.onName(key) : undefined;
      },
      // Gone: the caller forgets what it was waiting for.
      () => this.options.onName(key),
    ).catch(onError);
  }

  private full(key: string): string {
    return key === '' ? this.options.root : path.join(this.options.root, key);
  }
}

function emptyWalk(): Walk {
  return { keys: new Set(), complete: true, rootMissing: false };
}
