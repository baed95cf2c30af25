// A watched directory's mapping restarted while a delivery is under way
// (its group-file entry changed at a deploy, UpdateEventSourceMapping, or
// removed and added back) against a real runtime and the recorder function:
// the file under way is delivered exactly once across the restart, and a
// mapping removed mid-delivery forgets that file too, so added back it is a
// new mapping that delivers it again. The runtime is reached through a gate
// that holds Event invocations, so the delivery is under way for as long as
// the test needs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fields } from '../src/config/fields';
import { EventSourceManager } from '../src/event-sources/event-source-manager';
import { parseEventSourcesSection } from '../src/event-sources/event-sources-section';
import type { Invoker } from '../src/invoke-types';
import { Runtime } from '../src/runtime';
import { buildRecorder, readRecords, recorderGroup, type RecorderGroup } from './helpers/event-recorder';
import { tempDir } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const RESCAN_MS = 200;
/** Long enough for a restarted source to start, rescan and deliver: what has not come by then is not coming. */
const QUIET_MS = 1500;

describe('a directory mapping restarted while a file is being delivered', () => {
  let dir: string;
  let setup: RecorderGroup;
  let runtime: Runtime;
  let manager: EventSourceManager;
  let uploads: string;
  const logs: string[] = [];
  /** Keys of every S3 event handed to the invoker, held or not. */
  const attempts: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;
  const closeGate = () => {
    gate = new Promise((resolve) => (openGate = resolve));
  };

  const keyOf = (payload: string | Uint8Array): string | undefined =>
    (JSON.parse(Buffer.from(payload).toString()) as { Records?: Array<{ s3: { object: { key: string } } }> }).Records?.[0]?.s3.object.key;
  const recorded = (fn: string, key: string) => readRecords(setup.recordFile(fn)).filter((r) => keyOf(r.payload) === key).length;
  const tried = (key: string) => attempts.filter((k) => k === key).length;
  const sources = (entries: unknown[]) => parseEventSourcesSection(entries, 'Nanolambda.EventSources', new Fields(path.join(dir, 'group.json')), dir);

  beforeAll(async () => {
    dir = tempDir('event-sources-restart');
    setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'recorder' }, { name: 'other' }]);
    uploads = path.join(dir, 'uploads');
    fs.mkdirSync(uploads);
    runtime = await Runtime.start({ group: setup.group, http: false });
    const gated: Invoker = {
      invoke: async (name, payload, options) => {
        const key = keyOf(payload);
        if (key !== undefined) attempts.push(key);
        await gate;
        return runtime.invoke(name, payload, options);
      },
    };
    manager = new EventSourceManager({
      stateDir: setup.group.stateDir,
      invoker: gated,
      log: (level, message) => logs.push(`${level}: ${message}`),
      functionArn: (name) => runtime.registry.tryResolve(name)?.invokedArn,
      rescanMs: RESCAN_MS,
    });
    manager.useConfigured(sources([{ Id: 'uploads', Function: 'recorder', Directory: uploads, SettleMilliseconds: 100 }]));
    manager.start();
  }, 180_000);

  afterAll(async () => {
    openGate();
    await manager?.close();
    await runtime?.stop();
  });

  /** Hold invocations, drop `file` in `into`, and resolve once its delivery is under way. */
  const underWay = async (into: string, file: string) => {
    closeGate();
    fs.writeFileSync(path.join(into, file), `the content of ${file}`);
    await waitFor(() => tried(file) === 1, 10_000, `the delivery of ${file}`);
  };

  it('delivers it once when its group-file entry changes at a deploy', async () => {
    await underWay(uploads, 'during-deploy.txt');
    manager.useConfigured(sources([{ Id: 'uploads', Function: 'recorder', Directory: uploads, SettleMilliseconds: 150 }]));
    await sleep(QUIET_MS);
    openGate();
    await waitFor(() => recorded('recorder', 'during-deploy.txt') > 0, 10_000, 'the file under way');
    await sleep(QUIET_MS);
    expect(tried('during-deploy.txt')).toBe(1);
    expect(recorded('recorder', 'during-deploy.txt')).toBe(1);

    // The restarted mapping runs.
    fs.writeFileSync(path.join(uploads, 'after-deploy.txt'), 'new');
    await waitFor(() => recorded('recorder', 'after-deploy.txt') === 1, 10_000, 'a file after the restart');
  });

  it('delivers it once across UpdateEventSourceMapping', async () => {
    const mapping = manager.createMapping({ FunctionName: 'other', EventSourceArn: 'arn:aws:s3:::inbox' });
    const bucket = path.join(setup.group.stateDir, 'buckets', 'inbox');
    await waitFor(() => fs.existsSync(bucket), 5000, 'the bucket directory');
    await underWay(bucket, 'during-update.txt');
    manager.updateMapping(mapping.UUID, { Enabled: true });
    await sleep(QUIET_MS);
    openGate();
    await waitFor(() => recorded('other', 'during-update.txt') > 0, 10_000, 'the file under way');
    await sleep(QUIET_MS);
    expect(tried('during-update.txt')).toBe(1);
    expect(recorded('other', 'during-update.txt')).toBe(1);

    fs.writeFileSync(path.join(bucket, 'after-update.txt'), 'new');
    await waitFor(() => recorded('other', 'after-update.txt') === 1, 10_000, 'a file after the update');
  });

  it('forgets the file under way when the mapping is removed, so added back it delivers it again', async () => {
    await underWay(uploads, 'during-removal.txt');
    manager.useConfigured([]);
    openGate();
    await waitFor(() => recorded('recorder', 'during-removal.txt') === 1, 10_000, 'the file under way');
    // Time for the removed source to record it, and for the forgetting to follow.
    await sleep(QUIET_MS);
    manager.useConfigured(sources([{ Id: 'uploads', Function: 'recorder', Directory: uploads, SettleMilliseconds: 100 }]));
    await waitFor(() => recorded('recorder', 'during-removal.txt') === 2, 10_000, 'the file delivered by the mapping added back');
    await sleep(QUIET_MS);
    expect(recorded('recorder', 'during-removal.txt')).toBe(2);
    expect(logs).toEqual([]);
  });
});
