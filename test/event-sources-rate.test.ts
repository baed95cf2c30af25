// Schedules against a real runtime and a real C function that records its
// events: a rate schedule that missed times while the gateway was down fires
// once at start (not once per missed minute), survives a restart of its
// manager without firing again, then fires on time; a cron schedule sends
// its constant Input; every other fire is EventBridge's Scheduled Event.
// Rates are whole minutes (AWS's rule), so this file waits about a minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fields } from '../src/config/fields';
import { EventSourceManager } from '../src/event-sources/event-source-manager';
import { parseEventSourcesSection } from '../src/event-sources/event-sources-section';
import { EventSourceStore } from '../src/event-sources/event-source-store';
import { configMappingUuid } from '../src/event-sources/mapping';
import { Runtime } from '../src/runtime';
import { buildRecorder, readRecords, recorderGroup, type RecorderGroup } from './helpers/event-recorder';
import { tempDir } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

describe('schedules fire Event invocations of a real function', () => {
  let setup: RecorderGroup;
  let runtime: Runtime;
  let manager: EventSourceManager;
  const logs: string[] = [];
  const missedSince = Date.now() - 10 * 60_000;
  const nightlyAnchor = Date.now() - 2 * 86_400_000;

  const payloads = (fn: string): string[] => readRecords(setup.recordFile(fn)).map((r) => r.payload);
  const startManager = () => {
    manager = new EventSourceManager({
      stateDir: setup.group.stateDir,
      invoker: runtime,
      log: (level, message) => logs.push(`${level}: ${message}`),
      functionArn: (name) => runtime.registry.tryResolve(name)?.invokedArn,
    });
    manager.useConfigured(
      parseEventSourcesSection(
        [
          { Id: 'tick', Function: 'ticker', Schedule: 'rate(1 minute)' },
          { Id: 'nightly', Function: 'arn:aws:lambda:us-east-1:123456789012:function:nightly:1', Schedule: 'cron(0 3 * * ? *)' },
          { Id: 'sweep', Function: 'sweeper', Schedule: 'cron(* * * * ? *)', Input: { job: 'sweep', paths: ['/tmp'] } },
        ],
        'Nanolambda.EventSources',
        new Fields('group.json'),
        '/',
      ),
    );
    manager.start();
  };

  beforeAll(async () => {
    const dir = tempDir('event-sources-rate');
    setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'ticker' }, { name: 'nightly' }, { name: 'sweeper' }]);
    // What an earlier run left: the ticker last accounted for ten minutes ago, the nightly job two days ago.
    const store = new EventSourceStore(setup.group.stateDir);
    store.setScheduleAnchor(configMappingUuid('tick'), 'rate(1 minute)', missedSince);
    store.setScheduleAnchor(configMappingUuid('nightly'), 'cron(0 3 * * ? *)', nightlyAnchor);
    store.close();
    runtime = await Runtime.start({ group: setup.group, http: false });
    startManager();
  }, 180_000);

  afterAll(async () => {
    await manager?.close();
    await runtime?.stop();
  });

  it('fires once for all the missed times, with a Scheduled Event for the first of them', async () => {
    await waitFor(() => payloads('ticker').length > 0, 10_000, 'the catch-up fire');
    await waitFor(() => payloads('nightly').length > 0, 10_000, 'the nightly catch-up fire');
    await sleep(1000);
    expect(payloads('ticker')).toHaveLength(1);
    const event = JSON.parse(payloads('ticker')[0]!);
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date(missedSince + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: ['arn:aws:scheduler:::schedule/rate(1 minute)'],
      detail: {},
    });
    expect(payloads('nightly')).toHaveLength(1);
    const nightly = JSON.parse(payloads('nightly')[0]!);
    const firstMissed = new Date(nightlyAnchor);
    firstMissed.setUTCHours(3, 0, 0, 0);
    if (firstMissed.getTime() <= nightlyAnchor) firstMissed.setUTCDate(firstMissed.getUTCDate() + 1);
    expect(nightly).toMatchObject({ time: firstMissed.toISOString().replace(/\.\d{3}Z$/, 'Z'), resources: ['arn:aws:scheduler:::schedule/cron(0 3 * * ? *)'] });
    expect(manager.getMapping(configMappingUuid('tick'))).toMatchObject({
      State: 'Enabled',
      LastProcessingResult: 'OK',
      FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ticker',
      EventSourceArn: 'arn:aws:scheduler:::schedule/rate(1 minute)',
    });
  });

  it('does not fire again when restarted, then fires on time from where it left off, and cron sends its Input', async () => {
    await manager.close();
    startManager();
    await sleep(2000);
    expect(payloads('ticker')).toHaveLength(1);
    expect(payloads('nightly')).toHaveLength(1);

    await waitFor(() => payloads('ticker').length === 2, 75_000, 'the next fire of rate(1 minute)');
    await waitFor(() => payloads('sweeper').length > 0, 5000, 'the cron fire with Input');
    const [first, second] = payloads('ticker').map((p) => JSON.parse(p) as { time: string; id: string });
    expect(Date.parse(second!.time)).toBeGreaterThan(Date.parse(first!.time));
    expect(second!.id).not.toBe(first!.id);
    expect(payloads('sweeper')[0]).toBe('{"job":"sweep","paths":["/tmp"]}');
    expect(payloads('nightly')).toHaveLength(1);
    expect(logs).toEqual([]);
  }, 120_000);
});
