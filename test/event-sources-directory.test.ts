// Watched directories against a real runtime and a real C function that
// records its events: a file that appears (written slowly in chunks, or
// renamed in) invokes the function exactly once with an S3 ObjectCreated:Put
// event; temp names are ignored; Prefix/Suffix filter keys; a restart does
// not deliver again; a rewritten file is a new object; a failed invocation
// is retried at the next scan.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fields } from '../src/config/fields';
import { EventSourceManager } from '../src/event-sources/event-source-manager';
import { parseEventSourcesSection } from '../src/event-sources/event-sources-section';
import { configMappingUuid } from '../src/event-sources/mapping';
import { Runtime } from '../src/runtime';
import { buildRecorder, readRecords, recorderGroup, type RecorderGroup } from './helpers/event-recorder';
import { tempDir } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const RESCAN_MS = 400;
/** Long enough for a settle time and two rescans: what has not arrived by then is not coming. */
const QUIET_MS = 2000;

interface S3Record {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; arn: string };
    object: { key: string; size: number; eTag: string; sequencer: string };
  };
}

describe('watched directories deliver each new file once, as an S3 event', () => {
  let dir: string;
  let setup: RecorderGroup;
  let runtime: Runtime;
  let manager: EventSourceManager;
  const logs: string[] = [];
  let uploads: string;
  let photos: string;
  let outside: string;

  const events = (fn: string): S3Record[] =>
    readRecords(setup.recordFile(fn)).map((r) => {
      const doc = JSON.parse(r.payload) as { Records: S3Record[] };
      expect(doc.Records).toHaveLength(1);
      return doc.Records[0]!;
    });
  const keys = (fn: string): string[] => events(fn).map((e) => e.s3.object.key);
  const sources = (extra: unknown[] = []) =>
    parseEventSourcesSection(
      [
        { Id: 'uploads', Function: 'recorder', Directory: uploads, SettleMilliseconds: 300 },
        { Id: 'photos', Function: 'photo-recorder', Directory: photos, Recursive: true, Prefix: 'in/', Suffix: '.jpg' },
        ...extra,
      ],
      'Nanolambda.EventSources',
      new Fields(path.join(dir, 'group.json')),
      dir,
    );
  const startManager = () => {
    manager = new EventSourceManager({
      stateDir: setup.group.stateDir,
      invoker: runtime,
      log: (level, message) => logs.push(`${level}: ${message}`),
      functionArn: (name) => runtime.registry.tryResolve(name)?.invokedArn,
      rescanMs: RESCAN_MS,
    });
    manager.useConfigured(sources());
    manager.start();
  };

  beforeAll(async () => {
    dir = tempDir('event-sources-directory');
    const recorder = buildRecorder(dir);
    setup = recorderGroup(dir, recorder, [{ name: 'recorder' }, { name: 'photo-recorder' }, { name: 'late' }]);
    uploads = path.join(dir, 'uploads');
    photos = path.join(dir, 'photos');
    outside = path.join(dir, 'outside');
    for (const d of [uploads, photos, outside]) fs.mkdirSync(d);
    // Present before the mapping starts: delivered once.
    fs.writeFileSync(path.join(uploads, 'before-start.txt'), 'was here first');
    // 'late' joins the group later (a failed-delivery test).
    runtime = await Runtime.start({ group: { ...setup.group, functions: setup.group.functions.filter((f) => f.name !== 'late') }, http: false });
    startManager();
  }, 180_000);

  afterAll(async () => {
    await manager?.close();
    await runtime?.stop();
  });

  it('delivers a file that was there before the mapping started', async () => {
    await waitFor(() => keys('recorder').includes('before-start.txt'), 10_000, 'the pre-existing file');
  });

  it('delivers a file written slowly in chunks once, complete, with the S3 event of the tutorial', async () => {
    const file = path.join(uploads, 'report 2024+final.csv');
    const chunks = ['id,value\n', '1,alpha\n', '2,beta\n', '3,gamma\n'];
    const fd = fs.openSync(file, 'w');
    for (const chunk of chunks) {
      fs.writeSync(fd, chunk);
      await sleep(120);
    }
    fs.closeSync(fd);
    const content = chunks.join('');
    await waitFor(() => keys('recorder').includes('report+2024%2Bfinal.csv'), 10_000, 'the chunked file');
    await sleep(QUIET_MS);
    const mine = events('recorder').filter((e) => e.s3.object.key === 'report+2024%2Bfinal.csv');
    expect(mine).toHaveLength(1);
    const stat = fs.statSync(file, { bigint: true });
    expect(mine[0]).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date(Number(stat.mtimeNs / 1_000_000n)).toISOString(),
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: configMappingUuid('uploads'),
        bucket: { name: 'uploads', arn: 'arn:aws:s3:::uploads' },
        object: {
          key: 'report+2024%2Bfinal.csv',
          size: Buffer.byteLength(content),
          eTag: crypto.createHash('md5').update(content).digest('hex'),
          sequencer: stat.mtimeNs.toString(16).toUpperCase().padStart(16, '0'),
        },
      },
    });
  });

  it('delivers a file renamed in once', async () => {
    const staged = path.join(outside, 'photo.raw');
    fs.writeFileSync(staged, crypto.randomBytes(200_000));
    fs.renameSync(staged, path.join(uploads, 'photo.raw'));
    await waitFor(() => keys('recorder').includes('photo.raw'), 10_000, 'the renamed file');
    await sleep(QUIET_MS);
    expect(keys('recorder').filter((k) => k === 'photo.raw')).toHaveLength(1);
    expect(events('recorder').find((e) => e.s3.object.key === 'photo.raw')!.s3.object.size).toBe(200_000);
  });

  it("ignores editors' temp files and hidden names, and what is not a regular file", async () => {
    fs.writeFileSync(path.join(uploads, '.draft.swp'), 'x');
    fs.writeFileSync(path.join(uploads, 'notes.txt~'), 'x');
    fs.writeFileSync(path.join(uploads, 'upload.tmp'), 'x');
    fs.mkdirSync(path.join(uploads, 'subdir'));
    fs.writeFileSync(path.join(uploads, 'subdir', 'not-recursive.txt'), 'x');
    fs.symlinkSync('/etc/hostname', path.join(uploads, 'link-to-hostname'));
    // Written last: once it is delivered, the others had their chance.
    fs.writeFileSync(path.join(uploads, 'marker.txt'), 'after the temp files');
    await waitFor(() => keys('recorder').includes('marker.txt'), 10_000, 'the marker file');
    await sleep(QUIET_MS);
    expect(keys('recorder').sort()).toEqual(['before-start.txt', 'marker.txt', 'photo.raw', 'report+2024%2Bfinal.csv']);
  });

  it('filters keys by Prefix and Suffix, in subdirectories made after the start too', async () => {
    fs.mkdirSync(path.join(photos, 'in', 'deep'), { recursive: true });
    fs.mkdirSync(path.join(photos, 'out'));
    await sleep(100);
    fs.writeFileSync(path.join(photos, 'in', 'a.jpg'), 'a');
    fs.writeFileSync(path.join(photos, 'in', 'b.png'), 'b');
    fs.writeFileSync(path.join(photos, 'out', 'c.jpg'), 'c');
    fs.writeFileSync(path.join(photos, 'top.jpg'), 'top');
    fs.writeFileSync(path.join(photos, 'in', 'deep', 'd.jpg'), 'd');
    // A directory moved in whole: its files made no events of their own.
    fs.mkdirSync(path.join(outside, 'batch'));
    fs.writeFileSync(path.join(outside, 'batch', 'e.jpg'), 'e');
    fs.renameSync(path.join(outside, 'batch'), path.join(photos, 'in', 'batch'));
    await waitFor(() => keys('photo-recorder').length >= 3, 10_000, 'the matching photos');
    await sleep(QUIET_MS);
    expect(keys('photo-recorder').sort()).toEqual(['in/a.jpg', 'in/batch/e.jpg', 'in/deep/d.jpg']);
    expect(events('photo-recorder')[0]!.s3.bucket).toEqual({ name: 'photos', arn: 'arn:aws:s3:::photos' });
  });

  it('does not deliver again after a restart, but delivers what arrived meanwhile, and a rewritten file once more', async () => {
    const before = keys('recorder').length;
    await manager.close();
    fs.writeFileSync(path.join(uploads, 'while-down.txt'), 'arrived while the manager was stopped');
    startManager();
    await waitFor(() => keys('recorder').includes('while-down.txt'), 10_000, 'the file that arrived while down');
    await sleep(QUIET_MS);
    expect(keys('recorder')).toHaveLength(before + 1);

    fs.writeFileSync(path.join(uploads, 'marker.txt'), 'written again, longer than before');
    await waitFor(() => keys('recorder').filter((k) => k === 'marker.txt').length === 2, 10_000, 'the rewritten file');
    await sleep(QUIET_MS);
    const markers = events('recorder').filter((e) => e.s3.object.key === 'marker.txt');
    expect(markers).toHaveLength(2);
    expect(markers[1]!.s3.object.size).toBe(Buffer.byteLength('written again, longer than before'));
    expect(markers[1]!.s3.object.eTag).toBe(crypto.createHash('md5').update('written again, longer than before').digest('hex'));
    expect(BigInt(`0x${markers[1]!.s3.object.sequencer}`)).toBeGreaterThan(BigInt(`0x${markers[0]!.s3.object.sequencer}`));
  });

  it('logs a failed invocation, keeps the file, and delivers it at a scan once the function exists', async () => {
    const lateDir = path.join(dir, 'late-dir');
    fs.mkdirSync(lateDir);
    manager.useConfigured(sources([{ Id: 'late', Function: 'late', Directory: lateDir, SettleMilliseconds: 100 }]));
    fs.writeFileSync(path.join(lateDir, 'waiting.txt'), 'for a function that is not deployed yet');
    await waitFor(() => logs.some((l) => l.includes('event source "late"') && l.includes('cannot deliver')), 10_000, 'the failure log');
    expect(logs.find((l) => l.includes('event source "late"'))).toMatch(
      /^error: event source "late": cannot deliver .*waiting\.txt: Function not found: .*late; trying again at each scan \(every 400 ms\)$/,
    );
    expect(manager.listMappings({ eventSourceArn: 'arn:aws:s3:::late-dir' }).EventSourceMappings[0]!.LastProcessingResult).toMatch(
      /^PROBLEM: cannot invoke late: Function not found/,
    );
    await sleep(QUIET_MS);
    expect(keys('late')).toEqual([]);
    // Logged once, not at every rescan.
    expect(logs.filter((l) => l.includes('event source "late"'))).toHaveLength(1);

    await runtime.deploy(setup.group);
    await waitFor(() => keys('late').includes('waiting.txt'), 10_000, 'the delivery after the deploy');
    await sleep(QUIET_MS);
    expect(keys('late')).toEqual(['waiting.txt']);
    expect(manager.listMappings({ eventSourceArn: 'arn:aws:s3:::late-dir' }).EventSourceMappings[0]!.LastProcessingResult).toBe('OK');
    expect(logs.filter((l) => l.includes('event source "late"'))[1]).toMatch(/^info: event source "late": delivering again \(.*waiting\.txt was accepted\)$/);
  });

  it('a mapping removed from the group stops, and forgets what it delivered', async () => {
    manager.useConfigured(sources());
    fs.writeFileSync(path.join(dir, 'late-dir', 'after-removal.txt'), 'nobody watches');
    await sleep(QUIET_MS);
    expect(keys('late')).toEqual(['waiting.txt']);
    // Added back, it is a new mapping: what is in the directory is delivered (once).
    manager.useConfigured(sources([{ Id: 'late', Function: 'late', Directory: path.join(dir, 'late-dir'), SettleMilliseconds: 100 }]));
    await waitFor(() => keys('late').length === 3, 10_000, 'the files of the re-added mapping');
    await sleep(QUIET_MS);
    expect(keys('late').sort()).toEqual(['after-removal.txt', 'waiting.txt', 'waiting.txt']);
  });

  it('waits for a directory that does not exist yet (a volume not mounted), saying so once', async () => {
    const mount = path.join(dir, 'not-mounted-yet');
    manager.useConfigured(
      sources([
        { Id: 'late', Function: 'late', Directory: path.join(dir, 'late-dir'), SettleMilliseconds: 100 },
        { Id: 'mount', Function: 'photo-recorder', Directory: mount, Bucket: 'usb-stick' },
      ]),
    );
    await waitFor(() => logs.some((l) => l.includes('event source "mount"')), 5000, 'the warning');
    await sleep(QUIET_MS);
    expect(logs.filter((l) => l.includes('event source "mount"'))).toEqual([
      `warn: event source "mount": the watched directory ${mount} does not exist: looking for it every ${RESCAN_MS} ms`,
    ]);
    fs.mkdirSync(path.join(outside, 'stick'));
    fs.writeFileSync(path.join(outside, 'stick', 'readme.jpg'), 'on the stick');
    fs.renameSync(path.join(outside, 'stick'), mount);
    await waitFor(() => keys('photo-recorder').includes('readme.jpg'), 10_000, 'the file on the mounted volume');
    expect(events('photo-recorder').find((e) => e.s3.object.key === 'readme.jpg')!.s3.bucket.name).toBe('usb-stick');
  });
});
