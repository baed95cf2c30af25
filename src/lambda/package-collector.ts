// Removes deployment packages nothing needs any more from the package store
// (<StateDir>/code), so repeated UpdateFunctionCode and DeleteFunction calls
// do not fill a gateway's disk.
//
// A package stays while some function version references it (the function
// store's codeReferences()) or while a worker may run from it: the runtime
// names the code roots of its deployed entries and of the entries a
// deployment replaced whose pools are still draining. The runtime asks for a
// collection at start (nothing runs yet), after each Lambda API change, and
// whenever a replaced pool's last worker has exited; the last is what
// removes the old code of an UpdateFunctionCode or DeleteFunction once the
// invocations still running on it have finished.
//
// A collection runs inside the package store's `exclusively`, as uploads
// do: it never sees a package an upload has stored but not yet committed.
import path from 'node:path';
import type { ComponentLog } from '../logs/system-log';
import { deletePackage, exclusively, hexDigest, listPackages } from './package/package-store';

export interface PackageCollectorOptions {
  /** The package store (<StateDir>/code). */
  codeDir: string;
  /** CodeSha256 (base64) or hex digest of every function version's code; empty when there is no function store. */
  references(): Iterable<string>;
  /** Code roots workers run from or may start from: deployed entries' and those of entries still draining. */
  inUse(): Iterable<string>;
  log: ComponentLog;
}

/** Why a collection runs: the reason each removal is logged with. */
export type CollectionTrigger = 'start' | 'change';

const REASONS: Record<CollectionTrigger, string> = {
  start: 'no function version uses it (found at start, before any worker ran)',
  change: 'no function version uses it any more and no worker runs from it',
};

export class PackageCollector {
  private readonly codeDir: string;
  /** A collection waiting for its turn: it reads the store when it starts, so later requests can join it. */
  private waiting: Promise<void> | undefined;
  /** The last collection asked for (settles after every earlier one). */
  private last: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: PackageCollectorOptions) {
    this.codeDir = path.resolve(options.codeDir);
  }

  /**
   * Remove every package that is neither referenced nor in use. Never
   * rejects: a package that cannot be removed now is only disk, and is
   * logged; the next collection tries again.
   */
  collect(trigger: CollectionTrigger): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.waiting !== undefined) return this.waiting;
    const run = exclusively(this.codeDir, async () => {
      if (this.waiting === run) this.waiting = undefined;
      if (!this.stopped) await this.removeUnused(REASONS[trigger]);
    }).catch((error: unknown) => {
      this.options.log.warn(`could not remove unused packages from ${this.codeDir}: ${(error as Error).message}`);
    });
    this.waiting = run;
    this.last = run;
    return run;
  }

  /** Start no more collections; resolves once the one running (if any) has finished. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.last;
  }

  private async removeUnused(reason: string): Promise<void> {
    const stored = await listPackages(this.codeDir);
    if (stored.length === 0) return;
    // Read after the listing, in one synchronous step: what is kept is what is needed now.
    const keep = this.needed();
    for (const hex of stored) {
      if (keep.has(hex) || this.stopped) continue;
      if (await deletePackage(this.codeDir, hex)) this.options.log.info(`removed package ${hex}: ${reason}`);
    }
  }

  /** Hex digests of the packages that must stay. */
  private needed(): Set<string> {
    const keep = new Set<string>();
    for (const sha of this.options.references()) {
      try {
        keep.add(hexDigest(sha));
      } catch {
        // Not a digest, so it names no package in the store: nothing to keep for it.
      }
    }
    for (const root of this.options.inUse()) {
      const resolved = path.resolve(root);
      if (path.dirname(resolved) === this.codeDir) keep.add(path.basename(resolved));
    }
    return keep;
  }
}
