// When a file in a watched directory is complete, so its one event can go.
//
// - Renamed in, or its writer set its times when done (tar, cp -p, rsync):
//   complete at once. Both change the file's ctime after its last write, so
//   a file with content whose ctime is later than its mtime is finished;
//   every write() sets both to the same time.
// - Being written: complete once its size and mtime (and inode) have not
//   changed for the settle time. A writer that pauses longer than that
//   makes two objects, as two PUTs would; the settle time is configurable.
// A write and a rename within one tick of the kernel's clock leave ctime
// equal to mtime: such a file waits the settle time, it is never lost.

export interface FileVersion {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

/** A version of a file and since when (Date.now()) it has been seen unchanged. */
export interface Sighting {
  version: FileVersion;
  sinceMs: number;
}

export type Settled = { complete: true } | { complete: false; sighting: Sighting; checkAgainInMs: number };

export function settle(previous: Sighting | undefined, current: FileVersion, nowMs: number, settleMs: number): Settled {
  if (current.size > 0 && current.ctimeNs > current.mtimeNs) return { complete: true };
  const unchanged =
    previous !== undefined &&
    previous.version.size === current.size &&
    previous.version.mtimeNs === current.mtimeNs &&
    previous.version.ino === current.ino;
  const sighting = unchanged ? previous : { version: current, sinceMs: nowMs };
  const waited = nowMs - sighting.sinceMs;
  if (unchanged && waited >= settleMs) return { complete: true };
  return { complete: false, sighting, checkAgainInMs: Math.max(settleMs - waited, 0) };
}

/** The version a delivery is remembered by: size and mtime (a new write of the same name is a new object). */
export function versionKey(size: number | bigint, mtimeNs: bigint): string {
  return `${size}:${mtimeNs}`;
}
