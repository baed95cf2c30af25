// The local publish/subscribe bus: a message from a source on a topic goes to
// the targets of the matching subscriptions. Function targets receive it as
// an Event invocation whose client context carries the topic
// (custom.subject), as Greengrass does. Local hops are QoS 0.
import { EventEmitter } from 'node:events';
import type { SubscriptionRouter } from './router';

export interface PublishEvent {
  source: string;
  topic: string;
  payload: Buffer;
  /** Targets the message was delivered to. */
  targets: string[];
  /** Targets that matched but could not take it (queue full, not available). */
  undelivered: string[];
}

/** Where function targets are delivered (the runtime). */
export interface FunctionDelivery {
  /** Whether the target names a local function. */
  isFunction(target: string): boolean;
  /** Whether the target function would take an Event of this size now. */
  canAccept(target: string, bytes: number): boolean;
  /** Queue an Event invocation; throws when it cannot. */
  deliver(target: string, payload: Buffer, clientContext: string): void;
}

export class MessageBus extends EventEmitter {
  /** Messages that matched no subscription (Greengrass: "Failed to get routes"). */
  unrouted = 0;

  constructor(
    private router: SubscriptionRouter,
    private readonly delivery: FunctionDelivery,
  ) {
    super();
  }

  /** Route by a new deployment's subscriptions from now on. */
  useRouter(router: SubscriptionRouter): void {
    this.router = router;
  }

  /**
   * Route a message; returns what happened to it. With allOrError, either
   * every function target takes it or none does and undefined is returned
   * (GG_REQUEST_AGAIN for the caller).
   * Targets that are not local functions (cloud, devices, the shadow
   * service) are not served yet: they are reported as undelivered.
   */
  publish(source: string, topic: string, payload: Buffer, allOrError: boolean): PublishEvent | undefined {
    const routes = this.router.routes(source, topic);
    const event: PublishEvent = { source, topic, payload, targets: [], undelivered: [] };
    if (routes.length === 0) {
      this.unrouted++;
      this.emit('publish', event);
      return event;
    }
    if (allOrError) {
      for (const route of routes) {
        if (this.delivery.isFunction(route.target) && !this.delivery.canAccept(route.target, payload.length)) return undefined;
      }
    }
    const clientContext = Buffer.from(JSON.stringify({ custom: { subject: topic, source } })).toString('base64');
    for (const route of routes) {
      if (!this.delivery.isFunction(route.target)) {
        event.undelivered.push(route.target);
        continue;
      }
      try {
        this.delivery.deliver(route.target, payload, clientContext);
        event.targets.push(route.target);
      } catch {
        event.undelivered.push(route.target);
      }
    }
    this.emit('publish', event);
    return event;
  }
}
