// Which subscriptions a message reaches, by source and topic.
import { describe, expect, it } from 'vitest';
import type { SubscriptionSpec } from '../src/config/types';
import { SubscriptionRouter } from '../src/messaging/router';
import { FunctionRegistry } from '../src/registry/registry';
import { ACCOUNT, arn, spec } from './config-fixtures';

const THING = `arn:aws:iot:us-east-1:${ACCOUNT}:thing/kitchen`;
const pub = spec(arn('publisher', '1'));
const pubLive = spec(arn('publisher', 'live'), '1'); // a second entry of the same function
const counter = spec(arn('counter', '1'));
const echo = spec(arn('echo', '1'));
const registry = new FunctionRegistry({
  functions: [pub, pubLive, counter, echo],
  aliases: new Map([
    [arn('publisher', 'live'), '1'],
    [arn('echo', 'prod'), '1'],
  ]),
});
const subs: SubscriptionSpec[] = [
  { id: 'all-demo', source: arn('publisher', '1'), subject: 'demo/#', target: arn('counter', '1') },
  { id: 'events', source: arn('publisher', '1'), subject: 'demo/events', target: arn('echo', '1') },
  { id: 'live-only', source: arn('publisher', 'live'), subject: 'demo/+', target: 'cloud' },
  { id: 'echo-by-alias', source: arn('echo', 'prod'), subject: 'out', target: 'cloud' },
  { id: 'from-cloud', source: 'cloud', subject: 'cmd/+', target: arn('echo', '1') },
  { id: 'from-thing', source: THING, subject: 'devices/kitchen/#', target: arn('counter', '1') },
  { id: 'from-shadow', source: 'GGShadowService', subject: '$aws/things/kitchen/shadow/update/accepted', target: arn('echo', '1') },
];
const router = new SubscriptionRouter(subs, registry);
const ids = (r: SubscriptionSpec[]) => r.map((s) => s.id);

describe('SubscriptionRouter.routes', () => {
  it.each([
    // [source, topic, subscription ids in group order]
    [arn('publisher', '1'), 'demo/events', ['all-demo', 'events']],
    [arn('publisher', '1'), 'demo/other', ['all-demo']],
    [arn('publisher', '1'), 'demo/', ['all-demo']],
    [arn('publisher', '1'), 'demo', []], // Greengrass: demo/# does not match demo
    [arn('publisher', '1'), 'elsewhere', []],
    ['publisher:1', 'demo/events', ['all-demo', 'events']], // any name form of the entry
    [`${ACCOUNT}:function:publisher:1`, 'demo/events', ['all-demo', 'events']],
    [arn('publisher', 'live'), 'demo/events', ['live-only']], // its own entry
    [arn('echo', '1'), 'out', ['echo-by-alias']], // the alias ARN of the subscription resolves to this entry
    [arn('echo', 'prod'), 'out', ['echo-by-alias']],
    [arn('ghost', '1'), 'demo/events', []], // unknown source: unrouted, not an error
    ['cloud', 'cmd/reboot', ['from-cloud']],
    ['cloud', 'cmd/reboot/now', []],
    [THING, 'devices/kitchen/temp', ['from-thing']],
    [`arn:aws:iot:us-east-1:${ACCOUNT}:thing/garage`, 'devices/kitchen/temp', []],
    ['GGShadowService', '$aws/things/kitchen/shadow/update/accepted', ['from-shadow']],
    ['GGShadowService', 'cmd/reboot', []],
  ])('%s on %s', (source, topic, expected) => {
    expect(ids(router.routes(source, topic))).toEqual(expected);
  });

  it('refuses topics that cannot be published to', () => {
    expect(() => router.routes('cloud', 'cmd/+')).toThrow("Invalid topic 'cmd/+': wildcards ('+', '#') are not allowed in a published topic");
    expect(() => router.routes('cloud', '')).toThrow('it is empty');
    expect(() => router.routes('cloud', 'x'.repeat(257))).toThrow('the limit is 256 bytes');
  });

  it('returns the subscription objects themselves', () => {
    expect(router.routes('cloud', 'cmd/a')[0]).toBe(subs[4]);
  });
});
