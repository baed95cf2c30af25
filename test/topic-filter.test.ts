// MQTT filter matching with Greengrass V1's `#` rule, and topic validation.
import { describe, expect, it } from 'vitest';
import { NanolambdaError } from '../src/errors';
import { checkTopic, decodeTopic, filterCovers, filterProblem, TopicFilter, topicMatches, topicProblem } from '../src/messaging/topic-filter';

describe('topic filter matching', () => {
  it.each([
    // [filter, topic, matches]
    ['sensor/#', 'sensor/', true], // Greengrass: an empty level after the separator
    ['sensor/#', 'sensor/a', true],
    ['sensor/#', 'sensor/a/b', true],
    ['sensor/#', 'sensor', false], // Greengrass differs from MQTT here
    ['sensor/#', 'sensors/a', false],
    ['sensor/#', 'other/sensor/a', false],
    ['#', 'a', true],
    ['#', 'a/b/c', true],
    ['#', '/', true],
    ['#', '$aws/things/t/shadow/update', false], // wildcards never match $ topics
    ['+/things/t/shadow/update', '$aws/things/t/shadow/update', false],
    ['$aws/things/+/shadow/#', '$aws/things/t/shadow/update/accepted', true],
    ['$aws/things/t/shadow/update', '$aws/things/t/shadow/update', true],
    ['sensor/+', 'sensor/a', true],
    ['sensor/+', 'sensor/', true], // + matches an empty level
    ['sensor/+', 'sensor', false],
    ['sensor/+', 'sensor/a/b', false],
    ['+/+', 'a/b', true],
    ['+/+', '/b', true],
    ['+/+', 'a', false],
    ['+', 'a', true],
    ['+', '/a', false],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['a/+/#', 'a/b/c/d', true],
    ['a/+/#', 'a/b', false],
    ['a/+/#', 'a/b/', true],
    ['/#', '/a', true],
    ['/#', 'a', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/', false],
    ['a/b', 'A/b', false], // case-sensitive
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['démo/+', 'démo/é', true],
  ])('%s vs %s -> %s', (filter, topic, expected) => {
    expect(new TopicFilter(filter).matches(topic)).toBe(expected);
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('filter validation', () => {
  it.each([
    ['', 'it is empty'],
    ['a/#/b', "'#' is allowed only as the last level"],
    ['a#', "'#' must be a whole level (found 'a#')"],
    ['a/b#', "'#' must be a whole level (found 'b#')"],
    ['a/+b', "'+' must be a whole level (found '+b')"],
    ['a\u0000b', 'it contains a NUL character'],
    ['a/\ud800', 'it is not valid UTF-8 (lone surrogate)'],
    ['x'.repeat(257), 'it is 257 bytes long; the limit is 256 bytes of UTF-8'],
  ])('%j is refused: %s', (filter, reason) => {
    expect(filterProblem(filter)).toBe(reason);
    expect(() => new TopicFilter(filter)).toThrow(`Invalid topic filter '${filter}': ${reason}`);
  });

  it.each(['#', '+', 'a/+/#', 'x'.repeat(256), '€'.repeat(85)])('%j is valid', (filter) => {
    expect(filterProblem(filter)).toBeUndefined();
  });
});

describe('topic validation', () => {
  it.each([
    ['', 'it is empty'],
    ['a/+', "wildcards ('+', '#') are not allowed in a published topic"],
    ['a/#', "wildcards ('+', '#') are not allowed in a published topic"],
    ['a\u0000', 'it contains a NUL character'],
    ['\udc00', 'it is not valid UTF-8 (lone surrogate)'],
    ['é'.repeat(129), 'it is 258 bytes long; the limit is 256 bytes of UTF-8'],
  ])('%j is refused: %s', (topic, reason) => {
    expect(topicProblem(topic)).toBe(reason);
    try {
      checkTopic(topic);
      throw new Error('expected a throw');
    } catch (err) {
      expect(NanolambdaError.is(err) && err.code).toBe('INVALID_PARAMETER');
      expect((err as Error).message).toContain(reason);
    }
  });

  it('accepts 256 bytes, $ topics and empty levels', () => {
    for (const t of ['x'.repeat(256), '$aws/things/a/shadow/get', '/', 'a//b']) expect(topicProblem(t)).toBeUndefined();
  });

  it('decodeTopic refuses invalid UTF-8 bytes and checks the decoded topic', () => {
    expect(decodeTopic(Buffer.from('démo/a'))).toBe('démo/a');
    expect(() => decodeTopic(Uint8Array.of(0x61, 0xff))).toThrow('Invalid topic (2 bytes): it is not valid UTF-8');
    expect(() => decodeTopic(Buffer.from('a/#'))).toThrow(/wildcards/);
  });
});

describe('filterCovers: what a device may subscribe to, given the filters that target it', () => {
  it.each([
    // [allowed, requested, covered]
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false], // a/# also reaches a/b/c
    ['a/+', 'a/b/c', false],
    ['a/#', 'a/b/c', true],
    ['a/#', 'a/+', true],
    ['a/#', 'a/#', true],
    ['a/#', 'a', false], // Greengrass: a/# does not match a
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
    ['#', 'anything/at/all', true],
    ['#', '$aws/things/t/shadow/get', false], // a leading wildcard never matches $ topics
    ['+/x', '$aws/x', false],
    ['$aws/things/t/shadow/#', '$aws/things/t/shadow/update/delta', true],
    ['$aws/things/t/shadow/#', '$aws/things/+/shadow/update', false],
  ])('%s covers %s: %s', (allowed, requested, covered) => {
    expect(filterCovers(new TopicFilter(allowed), requested)).toBe(covered);
  });
});
