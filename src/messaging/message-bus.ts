// The local publish/subscribe bus: a message from a source on a topic goes to
// the targets of the matching subscriptions. Function targets receive it as
// an Event invocation whose client context carries the topic
// (custom.subject), as Greengrass does; the cloud, the shadow service and
// client devices are sinks the runtime plugs in (a target whose sink is
// absent is reported undelivered). Local hops are QoS 0.
import { EventEmitter } from 'node:events';
import { NanolambdaError } from '../errors';
import type { ComponentLog } from '../logs/system-log';
import type { SubscriptionRouter } from './router';
import { targetKind, type SinkKind } from './target-kind';

export interface PublishEvent {
  source: string;
  topic: string;
  payload: Buffer;
  /** Targets the message was delivered to. */
  targets: string[];
  /** Targets that matched but could not take it (queue full, not connected, not available). */
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

/** A destination that is not a local function: the cloud, the shadow service, devices. */
export interface MessageSink {
  /** Take a message for `target` (its exact subscription string); false when it could not. */
  deliver(target: string, topic: string, payload: Buffer, source: string): boolean;
}

/** Sinks answering with messages of their own (the shadow service) stop here, in case of a loop. */
const MAX_DEPTH = 8;

export class MessageBus extends EventEmitter {
  /** Messages that matched no subscription (Greengrass: "Failed to get routes"). */
  unrouted = 0;
  private readonly sinks = new Map<SinkKind, MessageSink>();
  private depth = 0;

  constructor(
    private router: SubscriptionRouter,
    private readonly delivery: FunctionDelivery,
    private readonly options: { maxMessageBytes: number; log: ComponentLog },
  ) {
    super();
  }

  /** Route by a new deployment's subscriptions from now on. */
  useRouter(router: SubscriptionRouter, maxMessageBytes: number): void {
    this.router = router;
    this.options.maxMessageBytes = maxMessageBytes;
  }

  /** Plug in (or, with undefined, unplug) the sink serving one kind of target. */
  setSink(kind: SinkKind, sink: MessageSink | undefined): void {
    if (sink) this.sinks.set(kind, sink);
    else this.sinks.delete(kind);
  }

  /** Whether a subscription routes what `source` publishes on `topic` to `target` (a valid topic). */
  routesTo(source: string, topic: string, target: string): boolean {
    return this.router.routes(source, topic).some((route) => route.target === target);
  }

  /**
   * Route a message; returns what happened to it. With allOrError, either
   * every function target takes it or none does and undefined is returned
   * (GG_REQUEST_AGAIN for the caller). Throws INVALID_PARAMETER for a topic
   * that cannot be published to and PAYLOAD_TOO_LARGE past the group's
   * message size limit.
   */
  publish(source: string, topic: string, payload: Buffer, allOrError: boolean): PublishEvent | undefined {
    const routes = this.router.routes(source, topic);
    if (payload.length > this.options.maxMessageBytes) {
      throw new NanolambdaError(
        'PAYLOAD_TOO_LARGE',
        `the message of ${payload.length} bytes from ${source} on ${topic} exceeds the message size limit of ${this.options.maxMessageBytes} bytes (Nanolambda.Messaging.MaxMessageBytes)`,
      );
    }
    const event: PublishEvent = { source, topic, payload, targets: [], undelivered: [] };
    if (routes.length === 0) {
      this.unrouted++;
      this.options.log.debug(`no subscription routes the message from ${source} on ${topic} (${payload.length} bytes): dropped`);
      this.emit('publish', event);
      return event;
    }
    if (allOrError) {
      for (const route of routes) {
        if (this.delivery.isFunction(route.target) && !this.delivery.canAccept(route.target, payload.length)) return undefined;
      }
    }
    if (this.depth >= MAX_DEPTH) {
      this.options.log.warn(`the message from ${source} on ${topic} was dropped: answers to answers ${MAX_DEPTH} deep look like a subscription loop`);
      event.undelivered.push(...routes.map((r) => r.target));
      this.emit('publish', event);
      return event;
    }
    this.depth++;
    try {
      let clientContext: string | undefined;
      for (const route of routes) {
        const kind = targetKind(route.target);
        let delivered = false;
        if (kind === 'function') {
          clientContext ??= Buffer.from(JSON.stringify({ custom: { subject: topic, source } })).toString('base64');
          delivered = this.deliverToFunction(route.target, payload, clientContext);
        } else {
          delivered = this.sinks.get(kind)?.deliver(route.target, topic, payload, source) ?? false;
        }
        (delivered ? event.targets : event.undelivered).push(route.target);
      }
    } finally {
      this.depth--;
    }
    if (event.undelivered.length > 0) this.options.log.debug(`the message from ${source} on ${topic} did not reach ${event.undelivered.join(', ')}`);
    this.emit('publish', event);
    return event;
  }

  private deliverToFunction(target: string, payload: Buffer, clientContext: string): boolean {
    if (!this.delivery.isFunction(target)) return false;
    try {
      this.delivery.deliver(target, payload, clientContext);
      return true;
    } catch (error) {
      this.options.log.debug(`${target} did not take a message: ${(error as Error).message}`);
      return false;
    }
  }
}
