// What the local shadow service refuses, and how: each 400 case with AWS
// IoT's message, 404, 409, 413, 415, 500 when the disk fails, and hostile
// input (absurd nesting, garbage bytes, random mutations) that must always
// get a well-formed answer and never an exception.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { NanolambdaError } from '../src/errors';
import { ShadowService, type ShadowAnswer } from '../src/shadow/shadow-service';
import { SHADOWS_DB_FILE } from '../src/shadow/shadow-store';
import { tempDir } from './helpers/sdk';

const T0 = 1_700_000_000;

function rig(name: string, options: { maxDocumentBytes?: number } = {}) {
  const dir = tempDir(`shadow-${name}`);
  return { dir, service: new ShadowService(dir, { ...options, now: () => T0 * 1000 }) };
}

function raw(text: string): Buffer {
  return Buffer.from(text);
}

function json(payload: Buffer): any {
  return JSON.parse(payload.toString('utf8'));
}

/** The error document of a refused request; fails the test when the request was accepted. */
function refusal(answer: ShadowAnswer): { code: number; message: string; timestamp: number; clientToken?: string } {
  expect(answer.accepted, `expected a refusal, got ${answer.payload.toString()}`).toBe(false);
  // Refusals on the SDK path publish nothing.
  expect(answer.publications).toEqual([]);
  return json(answer.payload);
}

function updateRaw(service: ShadowService, text: string | Buffer, thing = 'lamp'): ShadowAnswer {
  return service.request(thing, 'update', typeof text === 'string' ? raw(text) : text);
}

/** `{"a":{"a":...{"a":1}}}` with `levels` keys inside desired. */
function nestedDesired(levels: number): string {
  return `{"state":{"desired":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}}`;
}

describe('400: a request that is not a valid shadow request', () => {
  it('refuses payloads that are not JSON objects', () => {
    const { service } = rig('not-json');
    for (const text of ['', '   ', '{', 'not json', '{"state":{}', "{'state':{}}", '{"state":{}}}']) {
      expect(refusal(updateRaw(service, text)), text).toEqual({ code: 400, message: 'Payload contains invalid json', timestamp: T0 });
    }
    for (const [text, found] of [
      ['[]', 'an array'],
      ['5', 'number 5'],
      ['"s"', 'the string "s"'],
      ['null', 'null'],
      ['true', 'boolean true'],
    ]) {
      expect(refusal(updateRaw(service, text)).message).toBe(`Payload contains invalid json (expected a JSON object, found ${found})`);
    }
    service.close();
  });

  it('refuses a missing or malformed state, desired, reported or version, naming what was found', () => {
    const { service } = rig('bad-nodes');
    const cases: Array<[string, string]> = [
      ['{}', 'Missing required node: state'],
      ['{"version":1}', 'Missing required node: state'],
      ['{"state":1}', 'State node must be an object (found number 1)'],
      ['{"state":null}', 'State node must be an object (found null)'],
      ['{"state":[]}', 'State node must be an object (found an array)'],
      ['{"state":{"desired":[]}}', 'Desired node must be an object (found an array)'],
      ['{"state":{"desired":true}}', 'Desired node must be an object (found boolean true)'],
      ['{"state":{"reported":"on"}}', 'Reported node must be an object (found the string "on")'],
      ['{"state":{"delta":{"a":1}}}', "State contains an invalid node: 'delta' (state holds only desired and reported)"],
      ['{"state":{"desired":{},"metadata":{}}}', "State contains an invalid node: 'metadata' (state holds only desired and reported)"],
      ['{"state":{},"version":"1"}', 'Invalid version (expected a whole number from 0, found the string "1")'],
      ['{"state":{},"version":-1}', 'Invalid version (expected a whole number from 0, found -1)'],
      ['{"state":{},"version":1.5}', 'Invalid version (expected a whole number from 0, found 1.5)'],
      ['{"state":{},"version":null}', 'Invalid version (expected a whole number from 0, found null)'],
      ['{"state":{},"version":1e400}', 'Invalid version (expected a whole number from 0, found Infinity)'],
      ['{"state":{},"version":9007199254740993}', 'Invalid version (expected a whole number from 0, found 9007199254740992)'],
    ];
    for (const [text, message] of cases) {
      expect(refusal(updateRaw(service, text)), text).toEqual({ code: 400, message, timestamp: T0 });
    }
    // Once the clientToken is read, every refusal echoes it.
    expect(refusal(updateRaw(service, '{"clientToken":"t","state":{"desired":1}}')).clientToken).toBe('t');
    expect(service.request('lamp', 'get', Buffer.alloc(0)).accepted).toBe(false);
    service.close();
  });

  it('refuses a clientToken that is not a string of at most 64 UTF-8 bytes, and does not echo it', () => {
    const { service } = rig('tokens');
    const ok = (token: string) => json(updateRaw(service, JSON.stringify({ state: {}, clientToken: token })).payload);
    expect(ok('x'.repeat(64)).clientToken).toBe('x'.repeat(64));
    expect(ok('é'.repeat(32)).clientToken).toBe('é'.repeat(32));
    expect(refusal(updateRaw(service, JSON.stringify({ state: {}, clientToken: 'x'.repeat(65) })))).toEqual({
      code: 400,
      message: 'Invalid clientToken (65 bytes; at most 64)',
      timestamp: T0,
    });
    expect(refusal(updateRaw(service, JSON.stringify({ state: {}, clientToken: 'é'.repeat(33) }))).message).toBe(
      'Invalid clientToken (66 bytes; at most 64)',
    );
    expect(refusal(updateRaw(service, '{"state":{},"clientToken":7}')).message).toBe('Invalid clientToken (expected a string, found number 7)');
    expect(refusal(service.request('lamp', 'get', raw('{"clientToken":{"a":1}}'))).message).toBe(
      'Invalid clientToken (expected a string, found an object)',
    );
    service.close();
  });

  it('allows 6 levels of nesting in desired and reported (arrays count as a level) and refuses a 7th', () => {
    const { service } = rig('nesting');
    expect(updateRaw(service, nestedDesired(6)).accepted).toBe(true);
    expect(refusal(updateRaw(service, nestedDesired(7)))).toEqual({
      code: 400,
      message: 'JSON contains too many levels of nesting; maximum is 6 (at state.desired.a.a.a.a.a.a.a)',
      timestamp: T0,
    });
    expect(updateRaw(service, '{"state":{"reported":{"a":[[[[[1]]]]]}}}').accepted).toBe(true);
    expect(refusal(updateRaw(service, '{"state":{"reported":{"a":[[[[[[1]]]]]]}}}')).message).toBe(
      'JSON contains too many levels of nesting; maximum is 6 (at state.reported.a[0][0][0][0][0][0])',
    );
    // An empty object at the 6th level holds nothing deeper.
    expect(updateRaw(service, '{"state":{"desired":{"a":{"a":{"a":{"a":{"a":{"a":{}}}}}}}}}').accepted).toBe(true);
    // Outside state nothing is walked: unknown top-level keys are ignored, however deep.
    expect(updateRaw(service, `{"state":{},"note":${'['.repeat(50)}${']'.repeat(50)}}`).accepted).toBe(true);
    service.close();
  });

  it('refuses nulls inside arrays and numbers too large for a double', () => {
    const { service } = rig('values');
    expect(refusal(updateRaw(service, '{"state":{"desired":{"colors":[null,"RED"]}}}')).message).toBe(
      'Payload contains invalid json (arrays cannot hold null values: state.desired.colors[0])',
    );
    expect(refusal(updateRaw(service, '{"state":{"desired":{"list":[{"a":null}]}}}')).message).toBe(
      'Payload contains invalid json (arrays cannot hold null values: state.desired.list[0].a)',
    );
    expect(refusal(updateRaw(service, '{"state":{"reported":{"big":1e400}}}')).message).toBe(
      'Payload contains invalid json (a number too large for a double at state.reported.big)',
    );
    service.close();
  });

  it('refuses invalid thing names and operations on the SDK path and stores nothing', () => {
    const { service, dir } = rig('names');
    for (const name of ['', 'a b', 'x'.repeat(129), 'lamp/+', 'lámpa', 'a.b', '$aws']) {
      const answer = service.request(name, 'update', raw('{"state":{"reported":{"a":1}}}'));
      expect(refusal(answer).message, name).toMatch(/^Invalid thing name \('.*': a thing name is 1 to 128 of a-z, A-Z, 0-9, ':', '_', '-'\)$/s);
      expect(refusal(service.request(name, 'get', Buffer.alloc(0))).code).toBe(400);
    }
    // A long hostile name is cut short in the message.
    expect(refusal(service.request('y'.repeat(10_000), 'get', Buffer.alloc(0))).message.length).toBeLessThan(200);
    expect(refusal(service.request('lamp', 'list' as never, Buffer.alloc(0))).message).toBe(
      "Invalid operation ('list': expected get, update or delete)",
    );
    expect(fs.existsSync(path.join(dir, SHADOWS_DB_FILE))).toBe(false);
    service.close();
  });

  it('refuses get and delete bodies that are neither empty nor a JSON object', () => {
    const { service } = rig('get-bodies');
    updateRaw(service, '{"state":{"reported":{"a":1}}}');
    for (const op of ['get', 'delete'] as const) {
      expect(refusal(service.request('lamp', op, raw('nope')))).toEqual({ code: 400, message: 'Payload contains invalid json', timestamp: T0 });
      expect(refusal(service.request('lamp', op, raw('[1]'))).message).toBe('Payload contains invalid json (expected a JSON object, found an array)');
    }
    // Whitespace is an empty body; other keys are ignored.
    expect(service.request('lamp', 'get', raw(' \n')).accepted).toBe(true);
    expect(service.request('lamp', 'get', raw('{"whatever":[1]}')).accepted).toBe(true);
    expect(service.request('lamp', 'delete', raw('{"version":99}')).accepted).toBe(true);
    service.close();
  });

  it('publishes the refusal on .../rejected on the topic path, and changes nothing', () => {
    const { service } = rig('topic-rejected');
    updateRaw(service, '{"state":{"reported":{"a":1}}}');
    for (const text of ['{', '{"state":5}', '{"state":{"desired":{"x":[null]}}}', nestedDesired(7)]) {
      const publications = service.onMessage('$aws/things/lamp/shadow/update', raw(text))!;
      expect(publications.map((p) => p.topic)).toEqual(['$aws/things/lamp/shadow/update/rejected']);
      expect(json(publications[0].payload).code).toBe(400);
    }
    const get = json(service.request('lamp', 'get', Buffer.alloc(0)).payload);
    expect(get.version).toBe(1);
    expect(get.state).toEqual({ reported: { a: 1 } });
    service.close();
  });
});

describe('413: too large', () => {
  it('refuses a request payload over maxDocumentBytes (default 8192) and accepts one exactly at it', () => {
    const { service } = rig('payload-size');
    const base = '{"state":{"reported":{"a":1}}}';
    const atLimit = base + ' '.repeat(8192 - base.length);
    expect(updateRaw(service, atLimit).accepted).toBe(true);
    expect(refusal(updateRaw(service, atLimit + ' '))).toEqual({
      code: 413,
      message: 'The payload exceeds the maximum size allowed (the request is 8193 bytes; the limit is 8192)',
      timestamp: T0,
    });
    expect(refusal(service.request('lamp', 'get', Buffer.alloc(9000, 0x20))).code).toBe(413);
    service.close();
  });

  it('refuses an update that would grow the stored state past the limit, leaving the shadow as it was', () => {
    const { service } = rig('state-size', { maxDocumentBytes: 200 });
    const value = 'v'.repeat(60);
    let version = 0;
    let refused: ShadowAnswer | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const answer = updateRaw(service, JSON.stringify({ state: { reported: { [`k${i}`]: value } }, clientToken: `c${i}` }));
      if (answer.accepted) version = json(answer.payload).version;
      else refused = answer;
    }
    expect(version).toBe(2);
    const error = refusal(refused!);
    expect(error.code).toBe(413);
    expect(error.message).toMatch(/^The payload exceeds the maximum size allowed \(the shadow's state would be \d+ bytes; the limit is 200\)$/);
    expect(error.clientToken).toBe('c2');
    const get = json(service.request('lamp', 'get', Buffer.alloc(0)).payload);
    expect(get.version).toBe(2);
    expect(Object.keys(get.state.reported)).toEqual(['k0', 'k1']);
    // Deleting makes room again; metadata does not count.
    expect(updateRaw(service, '{"state":{"reported":{"k0":null}}}').accepted).toBe(true);
    expect(updateRaw(service, JSON.stringify({ state: { reported: { k2: value } } })).accepted).toBe(true);
    service.close();
  });

  it('rejects a maxDocumentBytes that is not a whole number from 1', () => {
    const dir = tempDir('shadow-options');
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let thrown: unknown;
      try {
        new ShadowService(dir, { maxDocumentBytes: bad });
      } catch (error) {
        thrown = error;
      }
      expect(NanolambdaError.is(thrown) && thrown.code, String(bad)).toBe('INVALID_PARAMETER');
      expect((thrown as Error).message).toContain(`maxDocumentBytes of the shadow service must be a whole number of bytes from 1, not ${bad}`);
    }
  });
});

describe('415: not UTF-8', () => {
  it('refuses payloads that are not valid UTF-8, on both paths', () => {
    const { service } = rig('utf8');
    const invalid = [
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      Buffer.concat([raw('{"state":{"desired":{"a":"'), Buffer.from([0xc3]), raw('"}}}')]),
      // A UTF-16 surrogate encoded in UTF-8 (CESU-8) is not UTF-8.
      Buffer.concat([raw('{"state":{"desired":{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), raw('"}}}')]),
    ];
    for (const payload of invalid) {
      expect(refusal(updateRaw(service, payload))).toEqual({
        code: 415,
        message: 'Unsupported documented encoding; supported encoding is UTF-8',
        timestamp: T0,
      });
      const publications = service.onMessage('$aws/things/lamp/shadow/update', payload)!;
      expect(publications.map((p) => [p.topic, json(p.payload).code])).toEqual([['$aws/things/lamp/shadow/update/rejected', 415]]);
    }
    // Valid multi-byte UTF-8 is fine.
    expect(updateRaw(service, '{"state":{"desired":{"név":"ár 🌡"}}}').accepted).toBe(true);
    expect(json(service.request('lamp', 'get', Buffer.alloc(0)).payload).state.desired).toEqual({ név: 'ár 🌡' });
    service.close();
  });
});

describe('500: the disk failed', () => {
  it('answers 500 while the state directory is unusable, and works once it is usable again', () => {
    const dir = tempDir('shadow-unusable');
    const stateDir = path.join(dir, 'state');
    fs.writeFileSync(stateDir, 'a file where the state directory should be');
    const service = new ShadowService(stateDir, { now: () => T0 * 1000 });
    const answer = updateRaw(service, '{"state":{"reported":{"a":1}},"clientToken":"disk"}');
    const error = refusal(answer);
    expect(error.code).toBe(500);
    expect(error.message).toMatch(/^Internal service failure \(cannot open the shadow store .*shadows\.db in the state directory /);
    expect(error.clientToken).toBe('disk');
    expect(service.onMessage('$aws/things/lamp/shadow/get', Buffer.alloc(0))!.map((p) => [p.topic, json(p.payload).code])).toEqual([
      ['$aws/things/lamp/shadow/get/rejected', 500],
    ]);

    fs.rmSync(stateDir);
    expect(json(updateRaw(service, '{"state":{"reported":{"a":1}}}').payload).version).toBe(1);
    service.close();
  });

  it('answers 500 when a write cannot be committed, keeps serving reads, and loses no version', () => {
    const { service, dir } = rig('write-fails');
    expect(updateRaw(service, '{"state":{"reported":{"a":1}}}').accepted).toBe(true);
    // Another connection holds the write lock: the service's write gives up after its busy timeout.
    const other = new Database(path.join(dir, SHADOWS_DB_FILE));
    try {
      other.exec('BEGIN EXCLUSIVE');
      const error = refusal(updateRaw(service, '{"state":{"reported":{"a":2}},"clientToken":"busy"}'));
      expect(error.code).toBe(500);
      expect(error.message).toMatch(/^Internal service failure \(database is locked\)$/);
      expect(error.clientToken).toBe('busy');
      // Reads go on (WAL): the shadow is as it was.
      expect(json(service.request('lamp', 'get', Buffer.alloc(0)).payload).state.reported).toEqual({ a: 1 });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const after = json(updateRaw(service, '{"state":{"reported":{"a":3}}}').payload);
    expect(after.version).toBe(2);
    service.close();
  });

  it('answers 500 naming a damaged stored document, and a delete starts the shadow again', () => {
    const { service, dir } = rig('damaged');
    updateRaw(service, '{"state":{"reported":{"a":1}}}');
    updateRaw(service, '{"state":{"reported":{"a":2}}}');
    const other = new Database(path.join(dir, SHADOWS_DB_FILE));
    other.prepare("UPDATE shadows SET document = '{not json' WHERE thing_name = 'lamp'").run();
    other.close();

    const get = refusal(service.request('lamp', 'get', Buffer.alloc(0)));
    expect(get.code).toBe(500);
    expect(get.message).toContain("the stored shadow of thing 'lamp' in ");
    expect(get.message).toContain('is damaged; delete the shadow to start it again');
    expect(refusal(updateRaw(service, '{"state":{"reported":{"a":3}}}')).code).toBe(500);
    expect(json(service.request('lamp', 'delete', Buffer.alloc(0)).payload).version).toBe(2);
    expect(json(updateRaw(service, '{"state":{"reported":{"a":3}}}').payload).version).toBe(3);
    service.close();
  });

  it('answers 500 after close', () => {
    const { service } = rig('closed');
    updateRaw(service, '{"state":{}}');
    service.close();
    const error = refusal(service.request('lamp', 'get', Buffer.alloc(0)));
    expect(error.code).toBe(500);
    expect(error.message).toMatch(/^Internal service failure \(the shadow store .*shadows\.db is closed\)$/);
  });
});

describe('hostile input', () => {
  it('answers absurdly nested payloads with 400 and keeps working', () => {
    const { service } = rig('deep', { maxDocumentBytes: 4 * 1024 * 1024 });
    const deep = 1_000_000;
    for (const text of [
      '['.repeat(deep) + ']'.repeat(deep),
      '['.repeat(deep),
      `{"state":{"desired":${'{"a":'.repeat(deep / 10)}1${'}'.repeat(deep / 10)}}}`,
      `{"state":{"desired":{"a":${'['.repeat(deep)}${']'.repeat(deep)}}}}`,
    ]) {
      const error = refusal(updateRaw(service, text));
      expect(error.code).toBe(400);
      expect(error.message).toMatch(/^(Payload contains invalid json|JSON contains too many levels of nesting; maximum is 6)/);
    }
    expect(updateRaw(service, '{"state":{"reported":{"ok":true}}}').accepted).toBe(true);
    service.close();
  });

  it('answers thousands of random and mutated payloads with a well-formed document, on both paths', () => {
    const { service } = rig('fuzz');
    let seed = 0x5eed;
    const random = () => {
      // mulberry32: deterministic, so a failure can be replayed.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const seeds = [
      '{"state":{"desired":{"a":{"b":[1,2,{"c":null}]},"__proto__":{"x":1}},"reported":{"a":null}},"clientToken":"z","version":3}',
      '{"state":{"desired":null,"reported":{"constructor":{"prototype":{"p":1}}}}}',
      '{"clientToken":"tok"}',
      '{"state":{"desired":{"x":1e308,"y":-0,"z":"\\u0000\\ud800"}}}',
    ];
    const tokens = ['{', '}', '[', ']', ',', ':', '"', 'null', 'true', '1e999', '-', '\\', '"__proto__"', '"state"', '"desired"', '\u00ff', '\ud83c'];
    const ops = ['get', 'update', 'delete'] as const;
    for (let i = 0; i < 3000; i++) {
      let bytes: Buffer;
      if (i % 3 === 0) {
        bytes = Buffer.from(Array.from({ length: Math.floor(random() * 30) }, () => pick(tokens)).join(''));
      } else {
        bytes = Buffer.from(pick(seeds));
        for (let m = 0; m < 1 + Math.floor(random() * 4); m++) {
          const at = Math.floor(random() * bytes.length);
          const kind = random();
          if (kind < 0.4) bytes[at] = Math.floor(random() * 256);
          else if (kind < 0.7) bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(pick(tokens)), bytes.subarray(at)]);
          else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + Math.floor(random() * 5))]);
        }
      }
      const thing = pick(['lamp', 'fan', 'a:b']);
      const op = pick(ops);
      const answers =
        i % 2 === 0
          ? [service.request(thing, op, bytes)]
          : service.onMessage(`$aws/things/${thing}/shadow/${op}`, bytes)!.map((p) => ({ accepted: !p.topic.endsWith('/rejected'), payload: p.payload }));
      for (const answer of answers) {
        const document = json(answer.payload);
        if (answer.accepted) continue;
        expect([400, 404, 409, 413, 415], answer.payload.toString()).toContain(document.code);
        expect(typeof document.message).toBe('string');
        expect(document.timestamp).toBe(T0);
      }
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    service.close();
  });
});
