// The local shadow service against a real state directory: AWS IoT Device
// Shadow semantics for updates, gets and deletes, the documents and events
// each publishes on the SDK path and the topic path, versions, timestamps,
// the delta rules and persistence across a restart.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShadowService, type ShadowAnswer, type ShadowPublication } from '../src/shadow/shadow-service';
import { SHADOWS_DB_FILE } from '../src/shadow/shadow-store';
import { tempDir } from './helpers/sdk';

/** 2023-11-14T22:13:20Z in seconds: where every test's clock starts. */
const T0 = 1_700_000_000;

/** A service on a fresh state directory, with a clock the test moves. */
function rig(name: string) {
  const dir = tempDir(`shadow-${name}`);
  const clock = { seconds: T0 };
  // +999 ms: the documents must carry whole seconds, rounded down.
  const open = () => new ShadowService(dir, { now: () => clock.seconds * 1000 + 999 });
  return { dir, clock, open, service: open() };
}

function body(value: unknown): Buffer {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

function update(service: ShadowService, thing: string, value: unknown): ShadowAnswer {
  return service.request(thing, 'update', body(value));
}

function json(payload: Buffer): any {
  return JSON.parse(payload.toString('utf8'));
}

function decoded(publications: ShadowPublication[] | undefined): Array<{ topic: string; json: any }> {
  if (!publications) throw new Error('expected publications, got undefined (the topic was not a request topic)');
  return publications.map((p) => ({ topic: p.topic, json: json(p.payload) }));
}

function topic(thing: string, rest: string): string {
  return `$aws/things/${thing}/shadow/${rest}`;
}

/** The accepted get document of a thing (fails the test when refused). */
function getDocument(service: ShadowService, thing: string): any {
  const answer = service.request(thing, 'get', Buffer.alloc(0));
  expect(answer.accepted, answer.payload.toString()).toBe(true);
  return json(answer.payload);
}

describe('updates and gets', () => {
  it('creates a shadow at version 1 and answers, publishes and stores the documents AWS IoT does', () => {
    const { service, clock } = rig('first-update');
    const request = { state: { desired: { color: 'red', power: { on: true, level: 3 } } }, clientToken: 't1' };
    const answer = update(service, 'lamp', request);
    const desiredMetadata = { color: { timestamp: T0 }, power: { on: { timestamp: T0 }, level: { timestamp: T0 } } };
    const accepted = {
      state: { desired: { color: 'red', power: { on: true, level: 3 } } },
      metadata: { desired: desiredMetadata },
      version: 1,
      timestamp: T0,
      clientToken: 't1',
    };
    expect(answer.accepted).toBe(true);
    expect(json(answer.payload)).toEqual(accepted);
    expect(decoded(answer.publications)).toEqual([
      { topic: topic('lamp', 'update/accepted'), json: accepted },
      {
        topic: topic('lamp', 'update/delta'),
        json: { state: { color: 'red', power: { on: true, level: 3 } }, metadata: desiredMetadata, version: 1, timestamp: T0, clientToken: 't1' },
      },
      {
        topic: topic('lamp', 'update/documents'),
        json: {
          previous: null,
          current: { state: accepted.state, metadata: accepted.metadata, version: 1 },
          timestamp: T0,
          clientToken: 't1',
        },
      },
    ]);

    clock.seconds += 10;
    const report = update(service, 'lamp', { state: { reported: { color: 'red', power: { on: false } } } });
    expect(json(report.payload)).toEqual({
      state: { reported: { color: 'red', power: { on: false } } },
      metadata: { reported: { color: { timestamp: T0 + 10 }, power: { on: { timestamp: T0 + 10 } } } },
      version: 2,
      timestamp: T0 + 10,
    });
    // A report publishes no delta; /documents shows the shadow before and after.
    expect(decoded(report.publications)).toEqual([
      { topic: topic('lamp', 'update/accepted'), json: json(report.payload) },
      {
        topic: topic('lamp', 'update/documents'),
        json: {
          previous: { state: accepted.state, metadata: accepted.metadata, version: 1 },
          current: {
            state: { desired: { color: 'red', power: { on: true, level: 3 } }, reported: { color: 'red', power: { on: false } } },
            metadata: {
              desired: desiredMetadata,
              reported: { color: { timestamp: T0 + 10 }, power: { on: { timestamp: T0 + 10 } } },
            },
            version: 2,
          },
          timestamp: T0 + 10,
        },
      },
    ]);

    clock.seconds += 5;
    const get = service.request('lamp', 'get', Buffer.alloc(0));
    expect(get.accepted).toBe(true);
    expect(get.publications).toEqual([]);
    expect(json(get.payload)).toEqual({
      state: {
        desired: { color: 'red', power: { on: true, level: 3 } },
        reported: { color: 'red', power: { on: false } },
        delta: { power: { on: true, level: 3 } },
      },
      metadata: {
        desired: desiredMetadata,
        reported: { color: { timestamp: T0 + 10 }, power: { on: { timestamp: T0 + 10 } } },
      },
      version: 2,
      timestamp: T0 + 15,
    });
    service.close();
  });

  it('merges objects key by key, replaces arrays whole, and keeps a timestamp per leaf and per array element', () => {
    const { service, clock } = rig('merge');
    update(service, 'thing-1', { state: { desired: { a: { b: 1, c: [1, 2] }, list: [{ x: 1 }, 's'], flat: 5, deep: { z: 1 } } } });
    expect(getDocument(service, 'thing-1').metadata.desired).toEqual({
      a: { b: { timestamp: T0 }, c: [{ timestamp: T0 }, { timestamp: T0 }] },
      list: [{ x: { timestamp: T0 } }, { timestamp: T0 }],
      flat: { timestamp: T0 },
      deep: { z: { timestamp: T0 } },
    });

    clock.seconds += 5;
    update(service, 'thing-1', { state: { desired: { a: { c: [3] }, list: ['only'], flat: { now: 'object' }, deep: 'now flat' } } });
    const document = getDocument(service, 'thing-1');
    expect(document.state.desired).toEqual({ a: { b: 1, c: [3] }, list: ['only'], flat: { now: 'object' }, deep: 'now flat' });
    expect(document.metadata.desired).toEqual({
      a: { b: { timestamp: T0 }, c: [{ timestamp: T0 + 5 }] },
      list: [{ timestamp: T0 + 5 }],
      flat: { now: { timestamp: T0 + 5 } },
      deep: { timestamp: T0 + 5 },
    });
    expect(document.version).toBe(2);
    service.close();
  });

  it('deletes keys set to null (inside objects too), removes emptied objects, and clears a section set to null', () => {
    const { service, clock } = rig('nulls');
    update(service, 'lamp', { state: { desired: { keep: 1, gone: 2, nest: { x: 1, y: { z: 1 } } }, reported: { r: 1 } } });

    clock.seconds += 1;
    const deletion = update(service, 'lamp', { state: { desired: { gone: null, nest: { y: { z: null } }, absent: null } } });
    // /update/accepted echoes what the request set, nulls included, each with its timestamp.
    expect(json(deletion.payload)).toEqual({
      state: { desired: { gone: null, nest: { y: { z: null } }, absent: null } },
      metadata: { desired: { gone: { timestamp: T0 + 1 }, nest: { y: { z: { timestamp: T0 + 1 } } }, absent: { timestamp: T0 + 1 } } },
      version: 2,
      timestamp: T0 + 1,
    });
    let document = getDocument(service, 'lamp');
    expect(document.state.desired).toEqual({ keep: 1, nest: { x: 1 } });
    expect(document.metadata.desired).toEqual({ keep: { timestamp: T0 }, nest: { x: { timestamp: T0 } } });

    clock.seconds += 1;
    const clear = update(service, 'lamp', { state: { desired: null } });
    expect(json(clear.payload)).toEqual({
      state: { desired: null },
      metadata: { desired: { timestamp: T0 + 2 } },
      version: 3,
      timestamp: T0 + 2,
    });
    document = getDocument(service, 'lamp');
    expect(document.state).toEqual({ reported: { r: 1 } });
    expect(document.metadata).toEqual({ reported: { r: { timestamp: T0 } } });

    // A shadow with neither section is empty, yet exists (AWS IoT: "empty, yet valid").
    update(service, 'lamp', { state: { reported: { r: null } } });
    document = getDocument(service, 'lamp');
    expect(document.state).toEqual({});
    expect(document.metadata).toEqual({});
    expect(document.version).toBe(4);

    // An empty update is accepted and counts as a version.
    expect(json(update(service, 'lamp', { state: {} }).payload)).toEqual({ state: {}, metadata: {}, version: 5, timestamp: T0 + 2 });
    service.close();
  });

  it('adds 1 to the version per accepted update and refuses a request whose version is not the current one', () => {
    const { service } = rig('versions');
    update(service, 'lamp', { state: { reported: { n: 1 } } });
    update(service, 'lamp', { state: { reported: { n: 2 } } });
    expect(json(update(service, 'lamp', { state: { reported: { n: 3 } }, version: 2 }).payload).version).toBe(3);

    const conflict = update(service, 'lamp', { state: { reported: { n: 4 } }, version: 2, clientToken: 'c-409' });
    expect(conflict.accepted).toBe(false);
    expect(conflict.publications).toEqual([]);
    expect(json(conflict.payload)).toEqual({ code: 409, message: 'Version conflict', timestamp: T0, clientToken: 'c-409' });
    const document = getDocument(service, 'lamp');
    expect(document.version).toBe(3);
    expect(document.state.reported).toEqual({ n: 3 });

    // A thing never written is at version 0.
    expect(json(update(service, 'new-thing', { state: { reported: { a: 1 } }, version: 0 }).payload).version).toBe(1);
    expect(json(update(service, 'other-thing', { state: { reported: { a: 1 } }, version: 5 }).payload).code).toBe(409);
    expect(service.request('other-thing', 'get', Buffer.alloc(0)).accepted).toBe(false);
    service.close();
  });
});

describe('deletes', () => {
  it('removes the document, answers 404 for it afterwards, and a re-created shadow continues the numbering', () => {
    const { service, clock } = rig('delete');
    update(service, 'lamp', { state: { desired: { a: 1 } } });
    update(service, 'lamp', { state: { desired: { a: 2 } } });
    clock.seconds += 3;

    const deleted = service.request('lamp', 'delete', Buffer.alloc(0));
    expect(deleted.accepted).toBe(true);
    expect(json(deleted.payload)).toEqual({ version: 2, timestamp: T0 + 3 });
    expect(decoded(deleted.publications)).toEqual([{ topic: topic('lamp', 'delete/accepted'), json: { version: 2, timestamp: T0 + 3 } }]);

    const get = service.request('lamp', 'get', Buffer.alloc(0));
    expect(get.accepted).toBe(false);
    expect(get.publications).toEqual([]);
    expect(json(get.payload)).toEqual({ code: 404, message: "No shadow exists with name: 'lamp'", timestamp: T0 + 3 });
    const again = service.request('lamp', 'delete', Buffer.alloc(0));
    expect(json(again.payload)).toEqual({ code: 404, message: "No shadow exists with name: 'lamp'", timestamp: T0 + 3 });
    expect(again.publications).toEqual([]);

    const recreated = update(service, 'lamp', { state: { reported: { b: 1 } }, clientToken: 'again' });
    expect(json(recreated.payload).version).toBe(3);
    // The new shadow does not inherit the deleted one's state: /documents has no previous.
    const documents = decoded(recreated.publications).find((p) => p.topic.endsWith('/update/documents'))!;
    expect(documents.json.previous).toBeNull();
    expect(documents.json.current).toEqual({ state: { reported: { b: 1 } }, metadata: { reported: { b: { timestamp: T0 + 3 } } }, version: 3 });
    expect(getDocument(service, 'lamp').state).toEqual({ reported: { b: 1 } });
    service.close();
  });
});

describe('the topic path', () => {
  it('answers requests routed on $aws/things/<thing>/shadow/{update,get,delete} with publications only', () => {
    const { service } = rig('topics');
    const updated = decoded(service.onMessage(topic('lamp', 'update'), body({ state: { desired: { on: true } }, clientToken: 'u' })));
    expect(updated.map((p) => p.topic)).toEqual([
      topic('lamp', 'update/accepted'),
      topic('lamp', 'update/delta'),
      topic('lamp', 'update/documents'),
    ]);
    expect(updated.map((p) => p.json.clientToken)).toEqual(['u', 'u', 'u']);
    expect(updated[1].json).toEqual({ state: { on: true }, metadata: { on: { timestamp: T0 } }, version: 1, timestamp: T0, clientToken: 'u' });

    // A get's body may be empty or carry a clientToken, which every answer echoes.
    expect(decoded(service.onMessage(topic('lamp', 'get'), Buffer.alloc(0)))).toEqual([
      {
        topic: topic('lamp', 'get/accepted'),
        json: {
          state: { desired: { on: true }, delta: { on: true } },
          metadata: { desired: { on: { timestamp: T0 } } },
          version: 1,
          timestamp: T0,
        },
      },
    ]);
    expect(decoded(service.onMessage(topic('lamp', 'get'), body({ clientToken: 'g' })))[0].json.clientToken).toBe('g');
    expect(decoded(service.onMessage(topic('other', 'get'), body({ clientToken: 'g404' })))).toEqual([
      { topic: topic('other', 'get/rejected'), json: { code: 404, message: "No shadow exists with name: 'other'", timestamp: T0, clientToken: 'g404' } },
    ]);

    expect(decoded(service.onMessage(topic('lamp', 'update'), body({ state: { desired: 1 }, clientToken: 'bad' })))).toEqual([
      {
        topic: topic('lamp', 'update/rejected'),
        json: { code: 400, message: 'Desired node must be an object (found number 1)', timestamp: T0, clientToken: 'bad' },
      },
    ]);

    expect(decoded(service.onMessage(topic('lamp', 'delete'), body({ clientToken: 'd' })))).toEqual([
      { topic: topic('lamp', 'delete/accepted'), json: { version: 1, timestamp: T0, clientToken: 'd' } },
    ]);
    expect(decoded(service.onMessage(topic('lamp', 'delete'), Buffer.alloc(0)))).toEqual([
      { topic: topic('lamp', 'delete/rejected'), json: { code: 404, message: "No shadow exists with name: 'lamp'", timestamp: T0 } },
    ]);
    service.close();
  });

  it('returns undefined for topics that are not shadow requests, and stores nothing for them', () => {
    const { service, dir } = rig('not-requests');
    const longest = 'x'.repeat(128);
    const notRequests = [
      'lamp/update',
      '$aws/things/lamp/shadow/update/accepted',
      '$aws/things/lamp/shadow/update/delta',
      '$aws/things/lamp/shadow/name/main/update',
      '$aws/things/lamp/shadow/list',
      '$aws/things/lamp/shadow/get/',
      '$aws/things/lamp/shadow/UPDATE',
      '$aws/things//shadow/get',
      '$aws/things/bad thing/shadow/get',
      '$aws/things/bad.thing/shadow/get',
      `$aws/things/${longest}y/shadow/get`,
      '$aws/things/+/shadow/get',
      '$aws/thing/lamp/shadow/get',
      '',
    ];
    for (const t of notRequests) expect(service.onMessage(t, body({ state: { reported: { a: 1 } } })), t).toBeUndefined();
    expect(fs.existsSync(path.join(dir, SHADOWS_DB_FILE))).toBe(false);

    expect(decoded(service.onMessage(topic(longest, 'update'), body({ state: { reported: { a: 1 } } })))[0].topic).toBe(
      topic(longest, 'update/accepted'),
    );
    expect(decoded(service.onMessage(topic('a:b_c-D9', 'update'), body({ state: {} })))[0].topic).toBe(topic('a:b_c-D9', 'update/accepted'));
    service.close();
  });
});

describe('the delta', () => {
  it('is published with every differing desired key only when the request set desired values that differ from reported', () => {
    const { service, clock } = rig('delta-rule');
    const deltaOf = (answer: ShadowAnswer) => {
      expect(answer.accepted, answer.payload.toString()).toBe(true);
      return decoded(answer.publications).find((p) => p.topic.endsWith('/update/delta'))?.json;
    };

    expect(deltaOf(update(service, 'lamp', { state: { reported: { color: 'red', mode: 'auto' } } }))).toBeUndefined();
    // Desired equal to reported: nothing to do, no delta.
    expect(deltaOf(update(service, 'lamp', { state: { desired: { color: 'red' } } }))).toBeUndefined();
    expect(getDocument(service, 'lamp').state.delta).toBeUndefined();

    clock.seconds += 1;
    expect(deltaOf(update(service, 'lamp', { state: { desired: { mode: 'manual' } }, clientToken: 'd1' }))).toEqual({
      state: { mode: 'manual' },
      metadata: { mode: { timestamp: T0 + 1 } },
      version: 3,
      timestamp: T0 + 1,
      clientToken: 'd1',
    });

    // The delta holds every difference, not only the request's; its metadata is desired's.
    clock.seconds += 1;
    expect(deltaOf(update(service, 'lamp', { state: { desired: { extra: { a: 1 } } } }))).toEqual({
      state: { mode: 'manual', extra: { a: 1 } },
      metadata: { mode: { timestamp: T0 + 1 }, extra: { a: { timestamp: T0 + 2 } } },
      version: 4,
      timestamp: T0 + 2,
    });

    // A report that leaves a difference publishes no delta; a get still shows it.
    expect(deltaOf(update(service, 'lamp', { state: { reported: { mode: 'manual' } } }))).toBeUndefined();
    expect(getDocument(service, 'lamp').state.delta).toEqual({ extra: { a: 1 } });
    // Nor does a desired value that matches reported, nor a deletion.
    expect(deltaOf(update(service, 'lamp', { state: { desired: { color: 'red' } } }))).toBeUndefined();
    expect(deltaOf(update(service, 'lamp', { state: { desired: { color: null } } }))).toBeUndefined();
    // Rewriting a desired value that still differs publishes it again.
    expect(deltaOf(update(service, 'lamp', { state: { desired: { extra: { a: 1 } } } }))?.state).toEqual({ extra: { a: 1 } });
    service.close();
  });

  it('compares nested objects per leaf, arrays as whole values, and values of different types as different', () => {
    const { service, clock } = rig('delta-compare');
    update(service, 'lamp', { state: { reported: { lights: { color: { r: 255, g: 0, b: 255 } }, list: [1, 2], n: '1', o: { k: 1 } } } });
    clock.seconds += 1;
    const answer = update(service, 'lamp', {
      state: { desired: { lights: { color: { r: 255, g: 255, b: 255 } }, list: [1, 2], n: 1, o: 5, missing: [] } },
    });
    const delta = decoded(answer.publications).find((p) => p.topic.endsWith('/update/delta'))!.json;
    expect(delta.state).toEqual({ lights: { color: { g: 255 } }, n: 1, o: 5, missing: [] });
    expect(delta.metadata).toEqual({ lights: { color: { g: { timestamp: T0 + 1 } } }, n: { timestamp: T0 + 1 }, o: { timestamp: T0 + 1 }, missing: [] });

    update(service, 'lamp', { state: { reported: { list: [2, 1], n: 1, o: 5, missing: [] } } });
    expect(getDocument(service, 'lamp').state.delta).toEqual({ lights: { color: { g: 255 } }, list: [1, 2] });
    update(service, 'lamp', { state: { reported: { lights: { color: { g: 255 } }, list: [1, 2] } } });
    expect(getDocument(service, 'lamp').state.delta).toBeUndefined();
    service.close();
  });
});

describe('client tokens', () => {
  it('are echoed in accepted, delta, documents and delete answers, and absent when the request had none', () => {
    const { service } = rig('tokens');
    const withToken = update(service, 'lamp', { state: { desired: { a: 1 } }, clientToken: 'ü-token' });
    expect(decoded(withToken.publications).map((p) => p.json.clientToken)).toEqual(['ü-token', 'ü-token', 'ü-token']);
    const without = update(service, 'lamp', { state: { desired: { a: 2 } } });
    expect(decoded(without.publications).map((p) => 'clientToken' in p.json)).toEqual([false, false, false]);
    expect(json(service.request('lamp', 'get', body({ clientToken: 'get-1' })).payload).clientToken).toBe('get-1');
    expect(json(service.request('lamp', 'delete', body({ clientToken: 'del-1' })).payload).clientToken).toBe('del-1');
    service.close();
  });
});

describe('persistence', () => {
  it('opens <stateDir>/shadows.db on the first request only, 0600, and a new service on the same directory sees every shadow', () => {
    const { service, dir, clock, open } = rig('persist');
    const file = path.join(dir, SHADOWS_DB_FILE);
    expect(fs.existsSync(file)).toBe(false);

    update(service, 'lamp', { state: { desired: { a: { b: [1, { c: 2 }] } }, reported: { a: 1 } } });
    clock.seconds += 7;
    update(service, 'lamp', { state: { reported: { z: true } } });
    update(service, 'gone', { state: { reported: { x: 1 } } });
    update(service, 'gone', { state: { reported: { x: 2 } } });
    service.request('gone', 'delete', Buffer.alloc(0));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const before = getDocument(service, 'lamp');
    service.close();

    clock.seconds += 60;
    const restarted = open();
    const after = getDocument(restarted, 'lamp');
    expect(after).toEqual({ ...before, timestamp: T0 + 67 });
    expect(after.metadata.reported).toEqual({ a: { timestamp: T0 }, z: { timestamp: T0 + 7 } });
    expect(json(restarted.request('gone', 'get', Buffer.alloc(0)).payload).code).toBe(404);
    // The deleted shadow's version survived the restart too.
    expect(json(update(restarted, 'gone', { state: { reported: { x: 3 } } }).payload).version).toBe(3);
    expect(json(update(restarted, 'lamp', { state: { reported: { z: false } }, version: 2 }).payload).version).toBe(3);
    restarted.close();
  });
});

describe('keys that name JavaScript internals', () => {
  it('stores "__proto__", "constructor" and friends as plain data and never touches a prototype', () => {
    const { service, open } = rig('proto');
    // Raw JSON: an object literal with __proto__ in this file would set a prototype instead.
    const raw =
      '{"state":{"desired":{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}},"toString":"x","hasOwnProperty":1},' +
      '"reported":{"__proto__":{"polluted":false}}}}';
    const answer = service.request('lamp', 'update', Buffer.from(raw));
    expect(answer.accepted, answer.payload.toString()).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).bad).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe('[object Array]');

    const get = service.request('lamp', 'get', Buffer.alloc(0)).payload.toString();
    expect(get).toContain('"desired":{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}},"toString":"x","hasOwnProperty":1}');
    expect(get).toContain('"delta":{"__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}},"toString":"x","hasOwnProperty":1}');
    const document = json(Buffer.from(get));
    expect(Object.hasOwn(document.state.desired, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(document.state.desired)).toBe(Object.prototype);
    service.close();

    // Read back from the file by a new service, then deleted key by key.
    const restarted = open();
    expect(restarted.request('lamp', 'get', Buffer.alloc(0)).payload.toString()).toBe(get);
    const deletion = restarted.request('lamp', 'update', Buffer.from('{"state":{"desired":{"__proto__":null,"constructor":null,"toString":null,"hasOwnProperty":null}}}'));
    expect(deletion.accepted, deletion.payload.toString()).toBe(true);
    expect(restarted.request('lamp', 'get', Buffer.alloc(0)).payload.toString()).toContain('"state":{"reported":{"__proto__":{"polluted":false}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    restarted.close();
  });
});
