// What the event sources send and decide without a runtime: S3 key encoding
// (as S3 notifications encode keys), the EventSourceArn forms, and when a
// file in a watched directory counts as complete.
import { describe, expect, it } from 'vitest';
import { settle, type FileVersion } from '../src/event-sources/file-settle';
import { encodeS3Key } from '../src/event-sources/s3-event';
import { scheduledEvent } from '../src/event-sources/scheduled-event';
import { bucketArn, parseEventSourceArn, scheduleArn } from '../src/event-sources/source-arn';

describe('S3 keys in events', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['red flower.jpg', 'red+flower.jpg'],
    ['in/2024/a b.txt', 'in/2024/a+b.txt'],
    ['a+b=c&d.txt', 'a%2Bb%3Dc%26d.txt'],
    ['50%.csv', '50%25.csv'],
    ['(x)~[y]', '%28x%29%7E%5By%5D'],
    ['safe-_.*', 'safe-_.*'],
    ['café.png', 'caf%C3%A9.png'],
    ['日本', '%E6%97%A5%E6%9C%AC'],
  ])('%s is sent as %s', (key, encoded) => {
    expect(encodeS3Key(key)).toBe(encoded);
    // What handlers do with it (unquote_plus).
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
  });
});

describe('EventSourceArn forms', () => {
  it('reads a schedule and a bucket, and writes them back the same', () => {
    expect(parseEventSourceArn(scheduleArn('rate(5 minutes)'))).toMatchObject({ kind: 'schedule', schedule: { kind: 'rate', periodMs: 300_000 } });
    expect(parseEventSourceArn(scheduleArn('cron(0 3 * * ? *)'))).toMatchObject({ kind: 'schedule', schedule: { kind: 'cron' } });
    expect(parseEventSourceArn(bucketArn('my-bucket.local'))).toEqual({ kind: 'bucket', bucket: 'my-bucket.local' });
  });

  it("matches the Lambda model's Arn pattern, so SDKs send them unchanged", () => {
    const modelArn = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
    for (const arn of [scheduleArn('rate(1 minute)'), scheduleArn('cron(0/5 * ? * MON-FRI *)'), bucketArn('uploads')]) {
      expect(arn).toMatch(modelArn);
    }
  });

  it.each([
    ['arn:aws:events:us-east-1:123456789012:rule/nightly', 'is not a source nanolambda serves'],
    ['arn:aws:scheduler:::schedule/every day', 'invalid schedule expression "every day"'],
    ['arn:aws:s3:::UPPER', 'the bucket name "UPPER" is not 3-63 lowercase letters'],
    ['arn:aws:s3:::a/b', 'the bucket name "a/b" is not 3-63'],
    ['arn:aws:s3:::', 'the bucket name "" is not 3-63'],
    ['arn:aws:s3:::x', 'the bucket name "x" is not 3-63'],
  ])('refuses %s', (arn, reason) => {
    expect(() => parseEventSourceArn(arn)).toThrow(reason);
  });
});

describe('the Scheduled Event', () => {
  it('carries the scheduled time to the second, the region, account and the source ARN', () => {
    const event = JSON.parse(
      scheduledEvent({ timeMs: Date.UTC(2024, 5, 1, 3, 0, 0, 250), region: 'eu-west-1', account: '111122223333', resource: scheduleArn('rate(1 hour)') }).toString(),
    );
    expect(event).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '111122223333',
      time: '2024-06-01T03:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:scheduler:::schedule/rate(1 hour)'],
      detail: {},
    });
  });
});

describe('when a file is complete', () => {
  const v = (size: number, mtimeNs: bigint, ctimeNs = mtimeNs, ino = 7n): FileVersion => ({ size, mtimeNs, ctimeNs, ino });

  it('at once when its ctime is later than its mtime (renamed in, or its times set by its writer)', () => {
    expect(settle(undefined, v(10, 1000n, 2000n), 0, 500)).toEqual({ complete: true });
  });

  it('not at once when empty, even with a later ctime (created, then chmod before the first write)', () => {
    expect(settle(undefined, v(0, 1000n, 2000n), 0, 500)).toMatchObject({ complete: false, checkAgainInMs: 500 });
  });

  it('once unchanged for the settle time', () => {
    const first = settle(undefined, v(10, 1000n), 0, 500);
    expect(first).toMatchObject({ complete: false, checkAgainInMs: 500 });
    if (first.complete) return;
    expect(settle(first.sighting, v(10, 1000n), 200, 500)).toMatchObject({ complete: false, checkAgainInMs: 300 });
    expect(settle(first.sighting, v(10, 1000n), 500, 500)).toEqual({ complete: true });
  });

  it('waits again from the start when it grew, was touched, or was replaced', () => {
    const first = settle(undefined, v(10, 1000n), 0, 500);
    if (first.complete) throw new Error('complete too early');
    for (const changed of [v(11, 1000n), v(10, 1001n), v(10, 1000n, 1000n, 8n)]) {
      expect(settle(first.sighting, changed, 600, 500)).toMatchObject({ complete: false, checkAgainInMs: 500, sighting: { sinceMs: 600 } });
    }
  });
});
