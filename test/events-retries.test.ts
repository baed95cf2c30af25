// Asynchronous (Event) invocations that fail: retried with doubling delays,
// then delivered to the failure destination (a dead-letter file or a topic
// on the local bus) as Lambda's destination record.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime';
import type { PublishEvent } from '../src/messaging/message-bus';
import { tempDir } from './helpers/sdk';
import { buildRecorder, readJsonLines, readRecords, recorderGroup, type RecorderGroup } from './helpers/event-recorder';
import { sleep, waitFor } from './helpers/wait';

let dir: string;
let setup: RecorderGroup;
let runtime: Runtime;
const published: PublishEvent[] = [];

beforeAll(async () => {
  dir = tempDir('events-retries');
  const recorder = buildRecorder(dir);
  setup = recorderGroup(dir, recorder, [
    {
      name: 'flaky',
      async: { maxRetries: 2, retryDelayMs: 150, onFailure: { kind: 'file', path: path.join(dir, 'dead-letters', 'flaky.jsonl') } },
    },
    { name: 'dies', async: { maxRetries: 1, retryDelayMs: 50, onFailure: { kind: 'topic', topic: 'dlq/dies' } } },
    { name: 'sink' },
    { name: 'unheard', async: { maxRetries: 0, onFailure: { kind: 'topic', topic: 'dlq/nobody' } } },
  ]);
  // Subscriptions route the record as if the failing function published it.
  setup.group.subscriptions.push({ id: 'dlq', source: setup.fn('dies').arn, subject: 'dlq/#', target: setup.fn('sink').arn });
  runtime = await Runtime.start({ group: setup.group, http: false });
  runtime.messages.on('publish', (event: PublishEvent) => published.push(event));
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a failing event', () => {
  it('is attempted 1 + maxRetries times with growing delays, then written to the dead-letter file', async () => {
    const payload = { action: 'fail', n: 1 };
    const result = await runtime.invoke('flaky', JSON.stringify(payload), { type: 'Event' });
    expect(result.statusCode).toBe(202);

    const deadLetters = path.join(dir, 'dead-letters', 'flaky.jsonl');
    await waitFor(() => readJsonLines(deadLetters).length === 1, 10_000, 'a dead-letter record');
    const attempts = readRecords(setup.recordFile('flaky'));
    expect(attempts.map((a) => a.payload)).toEqual([JSON.stringify(payload), JSON.stringify(payload), JSON.stringify(payload)]);
    const firstGap = attempts[1]!.at - attempts[0]!.at;
    const secondGap = attempts[2]!.at - attempts[1]!.at;
    console.log(`retry gaps: ${firstGap} ms, ${secondGap} ms (retryDelayMs 150, doubling)`);
    // The recorder notes the time in whole ms when its handler starts.
    expect(firstGap).toBeGreaterThanOrEqual(150 - 2);
    expect(secondGap).toBeGreaterThanOrEqual(300 - 2);
    expect(secondGap).toBeGreaterThan(firstGap);

    const [record] = readJsonLines(deadLetters);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: setup.fn('flaky').arn,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: payload,
      responseContext: { statusCode: 200, executedVersion: '1', functionError: 'Handled' },
      responsePayload: { errorMessage: 'asked to fail' },
    });
    expect(record.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.requestPayloadEncoding).toBeUndefined();
    expect(Date.parse(record.timestamp)).toBeGreaterThanOrEqual(attempts[2]!.at);
    expect(fs.statSync(deadLetters).mode & 0o777).toBe(0o600);

    // Dropped for good: not run again, gone from the store.
    await sleep(700);
    expect(readRecords(setup.recordFile('flaky'))).toHaveLength(3);
    expect(runtime.eventStatus().find((s) => s.functionArn === setup.fn('flaky').arn)).toMatchObject({ queued: 0, inFlight: 0 });

    // Every attempt runs under the event's request id (as Lambda's retries do):
    // START, END and REPORT each, and one line of ours per failed attempt.
    const id = record.requestContext.requestId;
    const log = fs.readFileSync(runtime.logPathOf('flaky'), 'utf8');
    const lines = log.split('\n').filter((line) => line.includes(id));
    expect(lines.filter((line) => line === `START RequestId: ${id} Version: 1`)).toHaveLength(3);
    expect(lines.filter((line) => line.startsWith(`REPORT RequestId: ${id}\tDuration: `))).toHaveLength(3);
    const ours = lines.filter((line) => line.includes('[ERROR]-nanolambda'));
    expect(ours).toHaveLength(3);
    expect(ours[0]).toMatch(/\[ERROR\]-nanolambda: event .* attempt 1 of 3 failed \(Handled\).*retrying at/);
    expect(ours[2]).toMatch(/attempt 3 of 3 failed .*dropped \(RetriesExhausted\) after 3 attempts, record sent to file /);
  });

  it('publishes the record on the topic as the function, and subscriptions route it', async () => {
    const payload = Buffer.from([0xff, 0x00, ...Buffer.from('crash')]);
    await runtime.invoke('dies', payload, { type: 'Event' });

    await waitFor(() => published.some((e) => e.topic === 'dlq/dies'), 10_000, 'a record on dlq/dies');
    expect(readRecords(setup.recordFile('dies'))).toHaveLength(2);
    const event = published.find((e) => e.topic === 'dlq/dies')!;
    expect(event.source).toBe(setup.fn('dies').arn);
    expect(event.targets).toEqual([setup.fn('sink').arn]);
    const record = JSON.parse(event.payload.toString('utf8'));
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: { functionArn: setup.fn('dies').arn, condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: payload.toString('base64'),
      requestPayloadEncoding: 'base64',
      responseContext: { statusCode: 200, executedVersion: '1', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Runtime.ExitError' },
    });
    expect(record.responsePayload.errorMessage).toMatch(/exit status 3/);

    // The subscriber got the record as an Event.
    await waitFor(() => readRecords(setup.recordFile('sink')).length === 1, 10_000, 'the sink to run');
    expect(JSON.parse(readRecords(setup.recordFile('sink'))[0]!.payload)).toEqual(record);
  });

  it('keeps the record in the function log when no subscriber takes it from the topic', async () => {
    const result = await runtime.invoke('unheard', 'please fail', { type: 'Event' });
    const logFile = runtime.logPathOf('unheard');
    const lineOf = () =>
      fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes(`event ${result.requestId} `) && l.includes('dropped')) : undefined;
    await waitFor(() => lineOf() !== undefined, 10_000, 'the drop line in the log');
    const line = lineOf()!;
    expect(line).toMatch(/no subscriber of topic dlq\/nobody took it/);
    const record = JSON.parse(line.slice(line.indexOf('record: ') + 'record: '.length));
    expect(record.requestContext).toMatchObject({ requestId: result.requestId, condition: 'RetriesExhausted' });
  });
});
