// SubscriptionDefinitionVersion.Subscriptions[] -> SubscriptionSpec.
// Source and Target are each: a function ARN of the group (resolved with the
// registry's rules, so an alias or version ARN of an entry is accepted),
// `cloud`, `GGShadowService`, or a thing ARN arn:aws:iot:<region>:<account>:thing/<name>.
// Subject is an MQTT topic filter (see messaging/topic-filter.ts).
import { CLOUD, SHADOW_SERVICE } from '../messaging/target-kind';
import { filterProblem } from '../messaging/topic-filter';
import { looksLikeFunctionArn } from '../registry/arn';
import type { FunctionRegistry } from '../registry/registry';
import { describe, Fields } from './fields';
import { ID_PATTERN, ID_RULE } from './function-entry';
import { THING_ARN } from './thing-arn';
import type { SubscriptionSpec } from './types';

const ENDPOINTS = 'a function ARN of this group, "cloud", "GGShadowService" or a thing ARN (arn:aws:iot:<region>:<account>:thing/<name>)';

export function parseSubscriptions(value: unknown, path: string, f: Fields, registry: FunctionRegistry): SubscriptionSpec[] {
  const list = f.array(value, path);
  const seenIds = new Map<string, number>();
  return list.map((item, i) => {
    const p = `${path}[${i}]`;
    const obj = f.object(item, p);
    f.onlyKeys(obj, p, ['Id', 'Source', 'Subject', 'Target']);
    const id = f.pattern(obj.Id, `${p}.Id`, ID_PATTERN, ID_RULE);
    const earlier = seenIds.get(id);
    if (earlier !== undefined) throw f.error(`${p}.Id`, `duplicate Id ${describe(id)}: ${path}[${earlier}] has it too`);
    seenIds.set(id, i);
    const source = endpoint(obj.Source, `${p}.Source`, f, registry);
    const subject = f.string(obj.Subject, `${p}.Subject`);
    const problem = filterProblem(subject);
    if (problem) throw f.error(`${p}.Subject`, `expected an MQTT topic filter, found ${describe(subject)}: ${problem}`);
    const target = endpoint(obj.Target, `${p}.Target`, f, registry);
    return { id, source, subject, target };
  });
}

function endpoint(value: unknown, path: string, f: Fields, registry: FunctionRegistry): string {
  const s = f.string(value, path);
  if (s === CLOUD || s === SHADOW_SERVICE) return s;
  if (THING_ARN.test(s)) return s;
  if (looksLikeFunctionArn(s)) {
    try {
      registry.resolve(s);
    } catch (err) {
      throw f.error(path, `expected a function of FunctionDefinitionVersion, found ${describe(s)}: ${(err as Error).message}`);
    }
    return s;
  }
  if (s.startsWith('arn:') && s.includes(':greengrass:') && s.includes('/connectors/')) {
    throw f.error(path, `connectors are not supported by nanolambda, found ${describe(s)}`);
  }
  throw f.error(path, `expected ${ENDPOINTS}, found ${describe(s)}`);
}
