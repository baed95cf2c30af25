// The retry schedule of asynchronous events, and what a full pool means for
// an event (nothing: it waits and runs, no attempt is counted).
import { afterAll, describe, expect, it } from 'vitest';
import type { AsyncSpec } from '../src/config/types';
import { afterFailure, retryDelay } from '../src/events/retry-policy';
import { Runtime } from '../src/runtime';
import { tempDir } from './helpers/sdk';
import { buildRecorder, readRecords, recorderGroup } from './helpers/event-recorder';
import { waitFor } from './helpers/wait';
import fs from 'node:fs';

const spec: AsyncSpec = { maxRetries: 2, maxEventAgeMs: 10_000, retryDelayMs: 1000, onFailure: undefined };

describe('the retry schedule', () => {
  it('doubles the delay after each failed attempt', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelay(spec, attempts))).toEqual([1000, 2000, 4000, 8000]);
    expect(afterFailure(spec, 1, 0, 100)).toEqual({ kind: 'retry', at: 1100 });
    expect(afterFailure(spec, 2, 0, 1200)).toEqual({ kind: 'retry', at: 3200 });
  });

  it('gives up after maxRetries retries, or when the event is too old', () => {
    expect(afterFailure(spec, 3, 0, 4000)).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
    expect(afterFailure(spec, 1, 0, 10_001)).toEqual({ kind: 'give-up', condition: 'EventAgeExceeded' });
    expect(afterFailure({ ...spec, maxRetries: 0 }, 1, 0, 1)).toEqual({ kind: 'give-up', condition: 'RetriesExhausted' });
  });

  it('never overflows with many retries', () => {
    expect(Number.isSafeInteger(retryDelay({ ...spec, maxRetries: 10_000 }, 5000))).toBe(true);
  });
});

describe('a full pool', () => {
  let runtime: Runtime | undefined;
  afterAll(async () => {
    await runtime?.stop();
  });

  it('holds an event back without counting an attempt, then runs it once', async () => {
    const dir = tempDir('events-pool-full');
    const setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'busy', sleepMs: 300, maxInstances: 1 }]);
    setup.fn('busy').maxQueueSize = 1;
    runtime = await Runtime.start({ group: setup.group, http: false });

    // One running, one waiting: the pool takes nothing more.
    const sync = [runtime.invoke('busy', 'sync-1'), runtime.invoke('busy', 'sync-2')];
    await expect(runtime.invoke('busy', 'sync-3')).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect((await runtime.invoke('busy', 'event-1', { type: 'Event' })).statusCode).toBe(202);
    await Promise.all(sync);

    await waitFor(() => readRecords(setup.recordFile('busy')).some((r) => r.payload === 'event-1'), 5000, 'the event to run');
    await waitFor(() => runtime!.eventStatus()[0]!.queued + runtime!.eventStatus()[0]!.inFlight === 0, 5000, 'the store to empty');
    expect(readRecords(setup.recordFile('busy')).map((r) => r.payload)).toEqual(['sync-1', 'sync-2', 'event-1']);
    expect(fs.readFileSync(runtime.logPathOf('busy'), 'utf8')).not.toMatch(/nanolambda: (event|could not)/);
  });
});
