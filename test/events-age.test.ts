// Events older than the function's maximum event age are not run (again):
// they go to the failure destination with condition EventAgeExceeded.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore } from '../src/events/event-store';
import { Runtime } from '../src/runtime';
import { tempDir } from './helpers/sdk';
import { buildRecorder, readJsonLines, readRecords, recorderGroup } from './helpers/event-recorder';
import { sleep, waitFor } from './helpers/wait';

let runtime: Runtime | undefined;

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

describe('maximum event age', () => {
  it('drops a failing event whose retry would come after its maximum age, without running it again', async () => {
    const dir = tempDir('events-age-retry');
    const deadLetters = path.join(dir, 'dead.jsonl');
    const setup = recorderGroup(dir, buildRecorder(dir), [
      { name: 'aging', async: { maxRetries: 5, retryDelayMs: 400, maxEventAgeMs: 200, onFailure: { kind: 'file', path: deadLetters } } },
    ]);
    runtime = await Runtime.start({ group: setup.group, http: false });

    await runtime.invoke('aging', 'please fail', { type: 'Event' });
    await waitFor(() => readJsonLines(deadLetters).length === 1, 10_000, 'a dead-letter record');
    const [record] = readJsonLines(deadLetters);
    expect(record).toMatchObject({
      requestContext: { functionArn: setup.fn('aging').arn, condition: 'EventAgeExceeded', approximateInvokeCount: 1 },
      // Not JSON: base64.
      requestPayload: Buffer.from('please fail').toString('base64'),
      requestPayloadEncoding: 'base64',
      responseContext: { statusCode: 200, executedVersion: '1', functionError: 'Handled' },
      responsePayload: { errorMessage: 'asked to fail' },
    });
    await sleep(500);
    expect(readRecords(setup.recordFile('aging'))).toHaveLength(1);
    expect(runtime.eventStatus()[0]).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('drops events that were already too old when the runtime started, without running them', async () => {
    const dir = tempDir('events-age-restart');
    const deadLetters = path.join(dir, 'dead.jsonl');
    const setup = recorderGroup(dir, buildRecorder(dir), [
      { name: 'stale', async: { maxEventAgeMs: 50, onFailure: { kind: 'file', path: deadLetters } } },
    ]);
    // Queued by an earlier run that stopped before it got to them.
    const earlier = new EventStore(setup.group.stateDir);
    const payloads = ['{"n":1}', '{"n":2}', '{"n":3}'];
    await Promise.all(payloads.map((p) => earlier.accept(setup.fn('stale').arn, Buffer.from(p), null)));
    earlier.close();
    await sleep(100);

    runtime = await Runtime.start({ group: setup.group, http: false });
    await waitFor(() => readJsonLines(deadLetters).length === 3, 10_000, 'three dead-letter records');
    const records = readJsonLines(deadLetters);
    expect(records.map((r) => r.requestPayload).sort((a, b) => a.n - b.n)).toEqual(payloads.map((p) => JSON.parse(p)));
    for (const record of records) {
      expect(record.requestContext).toMatchObject({ condition: 'EventAgeExceeded', approximateInvokeCount: 0 });
      // It never ran: there is no response to report.
      expect(record.responseContext).toBeUndefined();
      expect(record.responsePayload).toBeUndefined();
    }
    expect(readRecords(setup.recordFile('stale'))).toHaveLength(0);
    expect(runtime.eventStatus()[0]).toMatchObject({ queued: 0, inFlight: 0 });
  });
});
