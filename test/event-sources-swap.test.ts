// A watched directory whose writer swaps a file's name, after it was seen and
// before it is opened, for a symlink to a file outside, a FIFO, or a path
// through a symlinked subdirectory: none is followed or waited on, so the
// runtime never hashes (and reports the size of) a file outside, and a FIFO
// never blocks its deliveries. Run on a real DirectorySource over real files:
// two deliveries held open keep the swapped file queued, so the swap lands
// between the check and the open every time.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectorySource, type CompleteFile } from '../src/event-sources/directory-source';
import { tempDir } from './helpers/sdk';
import { waitFor } from './helpers/wait';

const HOST_SECRET = 'the host secret the watched directory must not leak';
const VICTIM = 'report.csv';

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const mkfifoMissing = !hasMkfifo();
if (mkfifoMissing) console.warn('event-sources-swap: no mkfifo command here: the FIFO test is skipped');

interface Setup {
  root: string;
  outside: string;
  delivered: CompleteFile[];
  logs: string[];
  source: DirectorySource;
}

describe('a file swapped between its check and its open', () => {
  let running: DirectorySource | undefined;
  const cleanups: Array<() => void> = [];

  afterEach(() => {
    running?.stop();
    running = undefined;
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /**
   * A source with two deliveries held open, `key` (made by `place`, complete
   * at once) queued behind them, then `swap` run, then the deliveries let go.
   * Resolves once the source is idle again.
   */
  async function queuedThenSwapped(key: string, place: (s: Setup) => void, swap: (s: Setup) => void): Promise<Setup> {
    const base = tempDir('event-sources-swap');
    const root = path.join(base, 'watched');
    const outside = path.join(base, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret'), HOST_SECRET);
    for (const name of ['held-1', 'held-2']) fs.writeFileSync(path.join(root, name), name);

    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const delivered: CompleteFile[] = [];
    const logs: string[] = [];
    let rescans = 0;
    const source = new DirectorySource({
      directory: root,
      recursive: true,
      settleMs: 50,
      prefix: '',
      suffix: '',
      create: false,
      rescanMs: 50,
      records: {
        // A record of a file that is not there: every complete rescan tries to
        // forget it, and as forgetting fails it stays, so each rescan shows.
        load: () => new Map([['gone-long-ago', '1:1']]),
        record: () => undefined,
        forget: () => {
          rescans += 1;
          throw new Error('kept on purpose, to count rescans');
        },
      },
      deliver: async (file) => {
        delivered.push(file);
        if (file.key.startsWith('held-')) await held;
      },
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    const setup: Setup = { root, outside, delivered, logs, source };
    running = source;
    source.start();
    await waitFor(() => delivered.length === 2, 10_000, 'the two held deliveries');

    place(setup);
    // Two rescans that began after the file was there: it was looked at, and queued.
    const seen = rescans;
    await waitFor(() => rescans >= seen + 2, 10_000, 'two rescans');
    expect(delivered.map((f) => f.key)).not.toContain(key);

    swap(setup);
    letGo();
    let idle = false;
    void source.idle().then(() => (idle = true));
    await waitFor(() => idle, 10_000, 'the deliveries to finish');
    return setup;
  }

  /** Write a file outside and rename it in with an older mtime: complete at once (file-settle.ts). */
  const renameIn = (s: Setup, key: string, content: string) => {
    const staged = path.join(s.outside, `staged-${crypto.randomUUID()}`);
    fs.writeFileSync(staged, content);
    fs.utimesSync(staged, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    fs.mkdirSync(path.dirname(path.join(s.root, key)), { recursive: true });
    fs.renameSync(staged, path.join(s.root, key));
  };
  /** Atomically replace `key` with what `make` creates at a scratch name. */
  const replace = (s: Setup, key: string, make: (at: string) => void) => {
    const scratch = path.join(s.root, `.swap-${crypto.randomUUID()}`);
    make(scratch);
    fs.renameSync(scratch, path.join(s.root, key));
  };
  const keys = (s: Setup) => s.delivered.map((f) => f.key).sort();
  const otherLogs = (s: Setup) => s.logs.filter((l) => !l.includes('kept on purpose'));

  it('delivers the queued file when nothing is swapped (the setup holds it back as intended)', async () => {
    const s = await queuedThenSwapped(VICTIM, (s) => renameIn(s, VICTIM, 'id,value\n'), () => undefined);
    expect(keys(s)).toEqual(['held-1', 'held-2', VICTIM]);
    expect(s.delivered.find((f) => f.key === VICTIM)).toMatchObject({ size: 9, eTag: crypto.createHash('md5').update('id,value\n').digest('hex') });
    expect(otherLogs(s)).toEqual([]);
  });

  it('does not follow a symlink to a file outside swapped in for the file', async () => {
    const s = await queuedThenSwapped(
      VICTIM,
      (s) => renameIn(s, VICTIM, 'id,value\n'),
      (s) => replace(s, VICTIM, (at) => fs.symlinkSync(path.join(s.outside, 'secret'), at)),
    );
    expect(keys(s)).toEqual(['held-1', 'held-2']);
    expect(otherLogs(s)).toEqual([]);
  });

  it('does not follow a subdirectory of the key swapped for a symlink to a directory outside', async () => {
    const key = `sub/secret`;
    const s = await queuedThenSwapped(
      key,
      (s) => renameIn(s, key, 'an innocent file'),
      (s) => {
        fs.renameSync(path.join(s.root, 'sub'), path.join(s.outside, 'sub-moved-away'));
        fs.symlinkSync(s.outside, path.join(s.root, 'sub'));
      },
    );
    expect(keys(s)).toEqual(['held-1', 'held-2']);
    expect(otherLogs(s)).toEqual([]);
  });

  it.skipIf(mkfifoMissing)('does not wait on a FIFO swapped in for the file', async () => {
    let fifo = '';
    cleanups.push(() => {
      // Without the fix an open is blocked on the FIFO: a writer lets it (and its thread) go.
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // No reader waiting: nothing to let go.
      }
    });
    const s = await queuedThenSwapped(
      VICTIM,
      (s) => renameIn(s, VICTIM, 'id,value\n'),
      (s) => {
        fifo = path.join(s.root, VICTIM);
        replace(s, VICTIM, (at) => execFileSync('mkfifo', [at]));
      },
    );
    expect(keys(s)).toEqual(['held-1', 'held-2']);
    expect(otherLogs(s)).toEqual([]);
  });
});
