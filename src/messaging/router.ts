// Which subscriptions a message from a source on a topic goes to.
//
// Subscriptions are indexed by source once: a function source by the group
// entry it resolves to (so `echo:live`, `echo:1` and the full ARN of the same
// entry are one source), any other source (`cloud`, `GGShadowService`, a
// thing ARN) by its exact string. A message nobody subscribed to returns []:
// that is not an error (the caller counts it, as Greengrass logs
// "Failed to get routes").
import type { FunctionSpec, SubscriptionSpec } from '../config/types';
import { looksLikeFunctionArn } from '../registry/arn';
import type { FunctionRegistry } from '../registry/registry';
import { CLOUD, SHADOW_SERVICE } from './target-kind';
import { checkTopic, TopicFilter } from './topic-filter';

interface Route {
  sub: SubscriptionSpec;
  filter: TopicFilter;
}

export class SubscriptionRouter {
  private readonly byFunction = new Map<FunctionSpec, Route[]>();
  private readonly bySource = new Map<string, Route[]>();

  /**
   * Subscriptions are expected to be validated (parseGroup does it): a
   * malformed filter throws INVALID_PARAMETER, and a function source that the
   * registry cannot resolve is kept by its exact string.
   */
  constructor(
    subscriptions: readonly SubscriptionSpec[],
    private readonly registry: FunctionRegistry,
  ) {
    for (const sub of subscriptions) {
      const route: Route = { sub, filter: new TopicFilter(sub.subject) };
      const fn = isFunctionSource(sub.source) ? registry.tryResolve(sub.source)?.fn : undefined;
      if (fn) push(this.byFunction, fn, route);
      else push(this.bySource, sub.source, route);
    }
  }

  /**
   * The subscriptions matching a message from `sourceArn` (a function in any
   * name form the registry resolves, `cloud`, `GGShadowService` or a thing ARN)
   * on `topic`, in group order. Throws INVALID_PARAMETER for a topic that
   * cannot be published to (empty, > 256 bytes, wildcards, NUL, bad UTF-8).
   */
  routes(sourceArn: string, topic: string): SubscriptionSpec[] {
    checkTopic(topic);
    let candidates: Route[] | undefined;
    if (isFunctionSource(sourceArn)) {
      const fn = this.registry.tryResolve(sourceArn)?.fn;
      candidates = fn ? this.byFunction.get(fn) : this.bySource.get(sourceArn);
    } else {
      candidates = this.bySource.get(sourceArn);
    }
    if (!candidates) return [];
    const levels = topic.split('/');
    const out: SubscriptionSpec[] = [];
    for (const r of candidates) if (r.filter.matches(topic, levels)) out.push(r.sub);
    return out;
  }
}

/**
 * A function in any name form (full or partial ARN, name[:qualifier]); not
 * the keywords `cloud` / `GGShadowService` (they win over a function of that
 * name, as in Greengrass) nor a non-Lambda ARN (a thing).
 */
function isFunctionSource(source: string): boolean {
  if (source === CLOUD || source === SHADOW_SERVICE) return false;
  return !source.startsWith('arn:') || looksLikeFunctionArn(source);
}

function push<K>(map: Map<K, Route[]>, key: K, route: Route): void {
  const list = map.get(key);
  if (list) list.push(route);
  else map.set(key, [route]);
}
