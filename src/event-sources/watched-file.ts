// Opening a file of a watched directory to describe it in its event, without
// being led elsewhere. Whoever can write the directory decides what a name
// is between the check made when it was seen and this open, and the runtime
// may run as root: a name swapped for a symlink would have it hash (and
// report the size of) any file of the host, and a FIFO would block the open,
// and the libuv threadpool thread doing it, until a writer comes.
// - O_NOFOLLOW: the name itself must not be a symlink.
// - O_NONBLOCK: a FIFO opens at once instead of waiting for a writer; the
//   fstat of what was opened must then be a regular file.
// - The path the kernel opened (/proc/self/fd/N, Linux) must be the watched
//   directory's real path plus the key: O_NOFOLLOW covers only the last
//   component, and a subdirectory of the key swapped for a symlink leads out.
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

export interface WatchedFile {
  handle: FileHandle;
  /** Of the open file (the same inode the caller reads), not of the name. */
  stats: fs.BigIntStats;
}

/**
 * Open `key` (relative, '/'-separated) below `root` for reading. Undefined
 * when there is nothing to deliver: gone, or no longer a regular file inside
 * the directory. Rejects only when the check itself cannot be made.
 */
export async function openWatchedFile(root: string, key: string): Promise<WatchedFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await fsp.open(path.join(root, key), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    // Gone, a symlink (ELOOP), a socket (ENXIO): nothing to deliver.
    return undefined;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) return closing(handle);
    const [opened, realRoot] = await Promise.all([openedPath(handle), fsp.realpath(root)]);
    if (opened !== path.join(realRoot, key)) return closing(handle);
    return { handle, stats };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

async function openedPath(handle: FileHandle): Promise<string> {
  try {
    return await fsp.readlink(`/proc/self/fd/${handle.fd}`);
  } catch (error) {
    throw new Error(`cannot tell where the open file leads (/proc/self/fd is needed: is /proc mounted?): ${(error as Error).message}`);
  }
}

async function closing(handle: FileHandle): Promise<undefined> {
  await handle.close().catch(() => undefined);
  return undefined;
}
