// Event invocations: the durable queue of Event invocations and what runs it
// (<StateDir>, opened at start only if an earlier run stored events, else at
// the first Event: SQLite costs ~5 MB of RSS a gateway without events need
// not pay), and routed messages, which run as Events nobody stores or awaits.
import type { FunctionSpec, GroupConfig } from '../config/types';
import { EventDispatcher, type EventStatus } from '../events/event-dispatcher';
import { EventStore, eventStoreExists } from '../events/event-store';
import { EVENT_PAYLOAD_LIMIT } from '../limits';
import type { FunctionLogs } from '../logs/function-logs';
import type { MessageBus } from '../messaging/message-bus';
import type { FunctionPool } from '../scheduler/function-pool';
import { Invocation } from '../workers/invocation';
import { checkPayload } from './invoke-input';

export interface EventInvocationsOptions {
  /** The deployed group (its state directory and functions). */
  group(): GroupConfig;
  poolFor(fn: FunctionSpec): FunctionPool;
  messages: MessageBus;
  logs: FunctionLogs;
  /** Once stopped, failures of routed messages are not logged. */
  stopped(): boolean;
}

export class EventInvocations {
  /** The durable queue and its dispatcher, once opened (until stop). */
  private opened: { store: EventStore; dispatcher: EventDispatcher } | undefined;

  constructor(private readonly options: EventInvocationsOptions) {}

  /** At start: open the queue if an earlier run (or a crash) left events in it, and start on them. */
  resumeStored(): void {
    if (eventStoreExists(this.options.group().stateDir)) this.open();
  }

  /** Open the durable event queue in the state directory and start on what an earlier run left in it. */
  private open(): { store: EventStore; dispatcher: EventDispatcher } {
    const group = this.options.group();
    const store = new EventStore(group.stateDir, {
      onWriteError: (error) => process.emitWarning(error.message, { code: 'NANOLAMBDA_EVENT_STORE' }),
    });
    const dispatcher = new EventDispatcher(group.functions, store, {
      run: (fn, payload, clientContext, requestId) => {
        const invocation = new Invocation(payload, clientContext, fn.timeoutMs);
        invocation.requestId = requestId;
        return Promise.resolve(this.options.poolFor(fn).run(invocation, false));
      },
      publish: (source, topic, payload) => this.options.messages.publish(source, topic, payload, false)?.targets ?? [],
      log: (fn, line) => this.options.logs.append(fn, line),
      warn: (message) => process.emitWarning(message, { code: 'NANOLAMBDA_EVENTS_STRANDED' }),
    });
    this.opened = { store, dispatcher };
    dispatcher.start();
    return this.opened;
  }

  /** Store an Event (resolves once committed: a 202 survives a crash) and wake its function's lane; its id. */
  async accept(fn: FunctionSpec, payload: Uint8Array, clientContext: Uint8Array | null): Promise<string> {
    const events = this.opened ?? this.open();
    const requestId = await events.store.accept(fn.arn, payload, clientContext);
    events.dispatcher.wake(fn);
    return requestId;
  }

  /** A routed message for a function: run at once, not stored. */
  deliver(fn: FunctionSpec, payload: Buffer, clientContext: string): void {
    checkPayload(payload, EVENT_PAYLOAD_LIMIT, 'Event');
    const pool = this.options.poolFor(fn);
    // Nobody waits for a routed message: a failure is written to the function's log.
    void Promise.resolve(pool.run(new Invocation(payload, Buffer.from(clientContext), pool.fn.timeoutMs), false)).then((result) => {
      if (result.kind !== 'success' && !this.options.stopped()) {
        this.options.logs.append(pool.fn, `[${new Date().toISOString()}][ERROR]-nanolambda: event invocation failed: ${result.payload.toString()}\n`);
      }
    });
  }

  /** Queued and in-flight events per function (none before the queue is opened). */
  status(): EventStatus[] {
    return this.opened?.dispatcher.status() ?? [];
  }

  /** After a deployment's switch: lanes for its functions; settles when removed functions' running events have. */
  follow(functions: readonly FunctionSpec[]): Promise<void> | undefined {
    return this.opened?.dispatcher.follow(functions);
  }

  /** At shutdown, first: no new attempt starts; settles when the running ones have. */
  stop(): Promise<void> | undefined {
    return this.opened?.dispatcher.stop();
  }

  /** Last: commits what the settling attempts recorded. */
  close(): void {
    this.opened?.store.close();
  }
}
