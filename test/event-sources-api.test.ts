// The Lambda API's event source mapping operations (Create, List, Get,
// Update, Delete) through the management routes and handlers, over a real
// EventSourceManager driving a real runtime: answers shaped as botocore's
// model, Lambda's errors, group-file mappings read-only, API mappings kept
// across a restart, and a local bucket that delivers what is dropped in it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApiError, type ApiError } from '../src/api/api-error';
import { runManagement, type ManagementAnswer, type ManagementContext } from '../src/api/management-api';
import { matchManagementPath } from '../src/api/management-route';
import { Fields } from '../src/config/fields';
import { EventSourceManager } from '../src/event-sources/event-source-manager';
import { parseEventSourcesSection } from '../src/event-sources/event-sources-section';
import { configMappingUuid } from '../src/event-sources/mapping';
import { Runtime } from '../src/runtime';
import { buildRecorder, readRecords, recorderGroup, type RecorderGroup } from './helpers/event-recorder';
import { tempDir } from './helpers/sdk';
import { sleep, waitFor } from './helpers/wait';

const ROOT = '/2015-03-31/event-source-mappings';
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:';

describe('event source mapping routes', () => {
  it.each([
    ['POST', ROOT, 'CreateEventSourceMapping', undefined],
    ['POST', `${ROOT}/`, 'CreateEventSourceMapping', undefined],
    ['GET', `${ROOT}/?FunctionName=f&MaxItems=2`, 'ListEventSourceMappings', undefined],
    ['GET', `${ROOT}/14e0db71-5d35-4eb5-b481-8945cf9d10c2`, 'GetEventSourceMapping', '14e0db71-5d35-4eb5-b481-8945cf9d10c2'],
    ['PUT', `${ROOT}/14e0db71-5d35-4eb5-b481-8945cf9d10c2`, 'UpdateEventSourceMapping', '14e0db71-5d35-4eb5-b481-8945cf9d10c2'],
    ['DELETE', `${ROOT}/a%2Db`, 'DeleteEventSourceMapping', 'a-b'],
  ])('%s %s is %s', (method, url, operation, uuid) => {
    expect(matchManagementPath(method, url)).toMatchObject({ operation, uuid, functionName: undefined });
  });

  it('answers 405 naming the methods, and leaves other paths alone', () => {
    expect(matchManagementPath('PATCH', `${ROOT}/x`)).toMatchObject({ status: 405, headers: { Allow: 'GET, PUT, DELETE' } });
    expect(matchManagementPath('DELETE', ROOT)).toMatchObject({ status: 405, headers: { Allow: 'POST, GET' } });
    expect(matchManagementPath('GET', `${ROOT}/x/y`)).toBeUndefined();
    expect(matchManagementPath('GET', `${ROOT}/..`)).toBeUndefined();
    expect(matchManagementPath('GET', `${ROOT}x`)).toBeUndefined();
    expect(matchManagementPath('GET', `${ROOT}/%E0%A4%A`)).toMatchObject({ status: 400, type: 'ValidationException' });
  });
});

describe('event source mapping operations', () => {
  let dir: string;
  let setup: RecorderGroup;
  let runtime: Runtime;
  let manager: EventSourceManager;
  let ctx: ManagementContext;
  const logs: string[] = [];

  const startManager = () => {
    manager = new EventSourceManager({
      stateDir: setup.group.stateDir,
      invoker: runtime,
      log: (level, message) => logs.push(`${level}: ${message}`),
      functionArn: (name) => runtime.registry.tryResolve(name)?.invokedArn,
      rescanMs: 400,
    });
    manager.useConfigured(
      parseEventSourcesSection(
        [{ Id: 'nightly', Function: 'recorder', Schedule: 'cron(0 3 * * ? *)' }],
        'Nanolambda.EventSources',
        new Fields('group.json'),
        dir,
      ),
    );
    manager.start();
    const unused = (): never => {
      throw new Error('the function store is not used by event source mapping operations');
    };
    ctx = { store: unused, codeDir: path.join(dir, 'code'), groupNames: unused, changed: unused, eventSources: manager };
  };

  /** One request through route matching and the handlers, as the HTTP server runs it. */
  const call = async (method: string, url: string, body?: unknown): Promise<ManagementAnswer | ApiError> => {
    const route = matchManagementPath(method, url);
    if (route === undefined || isApiError(route)) throw new Error(`no route for ${method} ${url}`);
    return runManagement(route, Buffer.from(body === undefined ? '' : JSON.stringify(body)), ctx);
  };
  const ok = async (method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const answer = await call(method, url, body);
    if (isApiError(answer)) throw new Error(`${method} ${url}: ${answer.type}: ${answer.message}`);
    return answer as { status: number; body: any };
  };
  const create = (body: unknown) => ok('POST', ROOT, body);

  beforeAll(async () => {
    dir = tempDir('event-sources-api');
    setup = recorderGroup(dir, buildRecorder(dir), [{ name: 'recorder' }, { name: 'other' }]);
    runtime = await Runtime.start({ group: setup.group, http: false });
    startManager();
  }, 180_000);

  afterAll(async () => {
    await manager?.close();
    await runtime?.stop();
  });

  let scheduleUuid: string;

  it('creates a schedule mapping: 202 and an EventSourceMappingConfiguration', async () => {
    const before = Date.now();
    const created = await create({ FunctionName: 'recorder', EventSourceArn: 'arn:aws:scheduler:::schedule/rate(5 minutes)' });
    expect(created.status).toBe(202);
    scheduleUuid = created.body.UUID;
    expect(created.body).toEqual({
      UUID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      BatchSize: 1,
      EventSourceArn: 'arn:aws:scheduler:::schedule/rate(5 minutes)',
      FunctionArn: `${FN}recorder`,
      LastModified: expect.any(Number),
      LastProcessingResult: 'No records processed',
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:123456789012:event-source-mapping:${scheduleUuid}`,
    });
    expect(created.body.LastModified * 1000).toBeGreaterThanOrEqual(before - 1);
    expect((await ok('GET', `${ROOT}/${scheduleUuid}`)).body).toEqual(created.body);
  });

  it.each([
    [{ EventSourceArn: 'arn:aws:s3:::b1b' }, 400, 'ValidationException', "Value null at 'functionName' failed to satisfy constraint: Member must not be null"],
    [{ FunctionName: 'recorder' }, 400, 'ValidationException', "Value null at 'eventSourceArn' failed to satisfy constraint"],
    [{ FunctionName: 'recorder', EventSourceArn: 'arn:aws:s3:::b1b', BatchSize: 10 }, 400, 'ValidationException', "Value '10' at 'batchSize' failed to satisfy constraint: Member must be 1"],
    [{ FunctionName: 'recorder', EventSourceArn: 'arn:aws:s3:::b1b', Enabled: 'yes' }, 400, 'ValidationException', "Value 'yes' at 'enabled'"],
    [
      { FunctionName: 'recorder', EventSourceArn: 'arn:aws:s3:::b1b', StartingPosition: 'LATEST', FilterCriteria: {} },
      400,
      'InvalidParameterValueException',
      "StartingPosition, FilterCriteria are not supported by nanolambda's event sources",
    ],
    [{ FunctionName: 'bad name!', EventSourceArn: 'arn:aws:s3:::b1b' }, 400, 'InvalidParameterValueException', "Invalid function name 'bad name!'"],
    [{ FunctionName: 'missing', EventSourceArn: 'arn:aws:s3:::b1b' }, 404, 'ResourceNotFoundException', 'Function not found: missing'],
    [
      { FunctionName: 'recorder', EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:queue' },
      400,
      'InvalidParameterValueException',
      "EventSourceArn 'arn:aws:sqs:us-east-1:123456789012:queue' is not a source nanolambda serves: use arn:aws:scheduler:::schedule/rate(5 minutes)",
    ],
    [
      { FunctionName: 'recorder', EventSourceArn: 'arn:aws:scheduler:::schedule/rate(1 minutes)' },
      400,
      'InvalidParameterValueException',
      'invalid schedule expression "rate(1 minutes)": write rate(1 minute)',
    ],
    [{ FunctionName: 'recorder', EventSourceArn: 'arn:aws:s3:::../etc' }, 400, 'InvalidParameterValueException', `EventSourceArn 'arn:aws:s3:::../etc': the bucket name "../etc" is not 3-63 lowercase letters`],
  ])('refuses %j: %i %s', async (body, status, type, message) => {
    const answer = await call('POST', ROOT, body);
    expect(answer).toMatchObject({ status, type });
    expect((answer as ApiError).message).toContain(message);
  });

  it('refuses a second mapping of the same source to the same function (409), and a body that is not JSON', async () => {
    const again = await call('POST', ROOT, { FunctionName: `${FN}recorder`, EventSourceArn: 'arn:aws:scheduler:::schedule/rate(5 minutes)' });
    expect(again).toMatchObject({ status: 409, type: 'ResourceConflictException' });
    expect((again as ApiError).message).toContain(`Please update or delete the existing mapping with UUID ${scheduleUuid}`);
    const route = matchManagementPath('POST', ROOT) as Exclude<ReturnType<typeof matchManagementPath>, ApiError | undefined>;
    expect(await runManagement(route, Buffer.from('{nope'), ctx)).toMatchObject({ status: 400, type: 'InvalidRequestContentException' });
  });

  it('lists group-file and API mappings, filtered by function or source, in pages', async () => {
    await create({ FunctionName: 'other', EventSourceArn: 'arn:aws:scheduler:::schedule/rate(1 day)', Enabled: false });
    const all = (await ok('GET', ROOT)).body;
    expect(all.NextMarker).toBeUndefined();
    expect(all.EventSourceMappings.map((m: any) => m.EventSourceArn).sort()).toEqual([
      'arn:aws:scheduler:::schedule/cron(0 3 * * ? *)',
      'arn:aws:scheduler:::schedule/rate(1 day)',
      'arn:aws:scheduler:::schedule/rate(5 minutes)',
    ]);
    const configured = all.EventSourceMappings.find((m: any) => m.UUID === configMappingUuid('nightly'));
    expect(configured).toMatchObject({ State: 'Enabled', StateTransitionReason: 'Defined in the group file: Nanolambda.EventSources Id "nightly"' });

    const ofOther = (await ok('GET', `${ROOT}?FunctionName=${encodeURIComponent(`${FN}other`)}`)).body.EventSourceMappings;
    expect(ofOther).toHaveLength(1);
    expect(ofOther[0]).toMatchObject({ State: 'Disabled', FunctionArn: `${FN}other` });
    expect((await ok('GET', `${ROOT}?FunctionName=recorder`)).body.EventSourceMappings).toHaveLength(2);
    const bySource = (await ok('GET', `${ROOT}?EventSourceArn=${encodeURIComponent('arn:aws:scheduler:::schedule/rate(5 minutes)')}`)).body;
    expect(bySource.EventSourceMappings.map((m: any) => m.UUID)).toEqual([scheduleUuid]);

    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = (await ok('GET', `${ROOT}?MaxItems=1${marker ? `&Marker=${marker}` : ''}`)).body;
      expect(page.EventSourceMappings).toHaveLength(1);
      seen.push(page.EventSourceMappings[0].UUID);
      marker = page.NextMarker;
    } while (marker !== undefined);
    expect(seen).toEqual(all.EventSourceMappings.map((m: any) => m.UUID).sort());
    expect(await call('GET', `${ROOT}?Marker=garbage`)).toMatchObject({ status: 400, type: 'InvalidParameterValueException' });
    expect(await call('GET', `${ROOT}?MaxItems=0`)).toMatchObject({ status: 400, type: 'ValidationException' });
  });

  it('updates an API mapping (202), and refuses to change a group-file one', async () => {
    const disabled = await ok('PUT', `${ROOT}/${scheduleUuid}`, { Enabled: false });
    expect(disabled.status).toBe(202);
    expect(disabled.body).toMatchObject({ UUID: scheduleUuid, State: 'Disabled' });
    const moved = await ok('PUT', `${ROOT}/${scheduleUuid}`, { FunctionName: 'other', Enabled: true });
    expect(moved.body).toMatchObject({ State: 'Enabled', FunctionArn: `${FN}other` });
    expect(await call('PUT', `${ROOT}/${scheduleUuid}`, { FunctionName: 'missing' })).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
    expect(await call('PUT', `${ROOT}/${scheduleUuid}`, { BatchSize: 5 })).toMatchObject({ status: 400, type: 'ValidationException' });

    for (const [method, body] of [['PUT', { Enabled: false }], ['DELETE', undefined]] as const) {
      const refused = await call(method, `${ROOT}/${configMappingUuid('nightly')}`, body);
      expect(refused).toMatchObject({ status: 400, type: 'InvalidParameterValueException' });
      expect((refused as ApiError).message).toContain('it comes from the group file (Nanolambda.EventSources Id "nightly")');
    }
    const unknown = await call('GET', `${ROOT}/14e0db71-5d35-4eb5-b481-8945cf9d10c2`);
    expect(unknown).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
    expect((unknown as ApiError).message).toContain("no event source mapping has the UUID '14e0db71-5d35-4eb5-b481-8945cf9d10c2'");
  });

  it('keeps API mappings across a restart, with their state', async () => {
    // A group-file mapping's LastModified is when this run loaded it: compare the API's.
    const fromApi = (list: any[]) => list.filter((m) => m.StateTransitionReason === 'USER_INITIATED');
    const before = fromApi((await ok('GET', ROOT)).body.EventSourceMappings);
    expect(before).toHaveLength(2);
    await manager.close();
    startManager();
    const after = fromApi((await ok('GET', ROOT)).body.EventSourceMappings);
    expect(after).toEqual(before);
  });

  it('a local bucket (arn:aws:s3:::<bucket>) delivers each file dropped in it, below subfolders too', async () => {
    const created = await create({ FunctionName: 'recorder', EventSourceArn: 'arn:aws:s3:::drop-zone' });
    const bucketDir = path.join(setup.group.stateDir, 'buckets', 'drop-zone');
    await waitFor(() => fs.existsSync(bucketDir), 5000, 'the bucket directory');
    fs.mkdirSync(path.join(bucketDir, 'in', '2024'), { recursive: true });
    await sleep(100);
    fs.writeFileSync(path.join(bucketDir, 'in', '2024', 'data set.json'), '{"a":1}');
    const s3Events = () => readRecords(setup.recordFile('recorder')).map((r) => JSON.parse(r.payload)).filter((e) => e.Records !== undefined);
    await waitFor(() => s3Events().length > 0, 10_000, 'the bucket event');
    await sleep(1500);
    expect(s3Events()).toHaveLength(1);
    expect(s3Events()[0].Records[0].s3).toMatchObject({
      configurationId: created.body.UUID,
      bucket: { name: 'drop-zone', arn: 'arn:aws:s3:::drop-zone' },
      object: { key: 'in/2024/data+set.json', size: 7, eTag: crypto.createHash('md5').update('{"a":1}').digest('hex') },
    });
    expect((await ok('GET', `${ROOT}/${created.body.UUID}`)).body.LastProcessingResult).toBe('OK');
  });

  it('deletes an API mapping: 202 with State Deleting, then it is gone and stops', async () => {
    const listed = (await ok('GET', `${ROOT}?EventSourceArn=arn%3Aaws%3As3%3A%3A%3Adrop-zone`)).body.EventSourceMappings;
    const uuid = listed[0].UUID;
    const deleted = await ok('DELETE', `${ROOT}/${uuid}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body).toMatchObject({ UUID: uuid, State: 'Deleting' });
    expect(await call('GET', `${ROOT}/${uuid}`)).toMatchObject({ status: 404 });
    expect(await call('DELETE', `${ROOT}/${uuid}`)).toMatchObject({ status: 404 });
    const count = readRecords(setup.recordFile('recorder')).length;
    fs.writeFileSync(path.join(setup.group.stateDir, 'buckets', 'drop-zone', 'after-delete.txt'), 'nobody listens');
    await sleep(1500);
    expect(readRecords(setup.recordFile('recorder'))).toHaveLength(count);
    expect(logs).toEqual([]);
  });

  it('answers 404 where the endpoint hosts no event sources', async () => {
    const route = matchManagementPath('GET', ROOT) as Exclude<ReturnType<typeof matchManagementPath>, ApiError | undefined>;
    const answer = await runManagement(route, Buffer.alloc(0), { ...ctx, eventSources: undefined });
    expect(answer).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
  });
});
