// Runs the durable asynchronous events of every function in the group: one
// lane per function (see function-event-lane.ts), woken when events are
// accepted, stopped before the pools so no new attempt starts during
// shutdown.
import type { FunctionSpec } from '../config/types';
import type { EventStore } from './event-store';
import { FunctionEventLane, type LaneHooks } from './function-event-lane';

export interface DispatcherHooks extends LaneHooks {
  /** Told once per start about events that cannot run now. */
  warn(message: string): void;
}

/** One line of `nanolambda ps`: the asynchronous events of a function. */
export interface EventStatus {
  functionArn: string;
  /** Stored and not running: waiting for a worker or for their retry time. */
  queued: number;
  /** Running now. */
  inFlight: number;
  /** False for events of a function the group no longer has (kept, not run). */
  inGroup: boolean;
}

export class EventDispatcher {
  private readonly lanes = new Map<string, FunctionEventLane>();
  /** Lanes of functions a deployment removed, until their running events settle. */
  private readonly draining = new Map<string, FunctionEventLane>();

  constructor(
    functions: readonly FunctionSpec[],
    private readonly store: EventStore,
    private readonly hooks: DispatcherHooks,
  ) {
    for (const fn of functions) this.lanes.set(fn.arn, new FunctionEventLane(fn, store, hooks));
  }

  /** Report stranded events and start on what was queued before the last stop (or crash). */
  start(): void {
    for (const arn of this.store.functionArns()) {
      if (this.lanes.has(arn)) continue;
      // Never deleted: the function may come back with the next deployment.
      this.hooks.warn(
        `${this.store.queued(arn)} asynchronous events of ${arn} are kept in ${this.store.file} but not run: ` +
          'the group has no such function; they run when a group with it is started',
      );
    }
    for (const lane of this.lanes.values()) lane.wake();
  }

  /**
   * A deployment changed the functions: lanes of functions still there run
   * their events with the new entry; new functions get a lane; the lanes of
   * functions gone stop (their events are kept, stranded, as at start).
   */
  follow(functions: readonly FunctionSpec[]): Promise<void> {
    const next = new Map(functions.map((fn) => [fn.arn, fn]));
    const stopping: Promise<void>[] = [];
    for (const [arn, lane] of this.lanes) {
      if (next.has(arn)) continue;
      this.lanes.delete(arn);
      // Kept until its running events settle: if the function comes back
      // meanwhile, this lane resumes rather than a second one taking them again.
      this.draining.set(arn, lane);
      stopping.push(
        lane.stop().then(() => {
          if (this.draining.get(arn) === lane) this.draining.delete(arn);
        }),
      );
    }
    for (const fn of functions) {
      const lane = this.lanes.get(fn.arn);
      const drained = this.draining.get(fn.arn);
      if (lane) {
        lane.fn = fn;
        lane.wake();
      } else if (drained) {
        this.draining.delete(fn.arn);
        this.lanes.set(fn.arn, drained);
        drained.resume(fn);
      } else {
        const fresh = new FunctionEventLane(fn, this.store, this.hooks);
        this.lanes.set(fn.arn, fresh);
        fresh.wake();
      }
    }
    return Promise.all(stopping).then(() => undefined);
  }

  /** An event of `fn` was accepted: run it as soon as there is room. */
  wake(fn: FunctionSpec): void {
    this.lanes.get(fn.arn)?.wake();
  }

  /** Every function of the group, then the stranded ones that still have events. */
  status(): EventStatus[] {
    const status: EventStatus[] = [];
    for (const [arn, lane] of this.lanes) {
      status.push({ functionArn: arn, queued: Math.max(0, this.store.queued(arn) - lane.inFlight), inFlight: lane.inFlight, inGroup: true });
    }
    for (const arn of this.store.functionArns()) {
      if (!this.lanes.has(arn)) status.push({ functionArn: arn, queued: this.store.queued(arn), inFlight: 0, inGroup: false });
    }
    return status;
  }

  /** Start no new attempts; resolves when the running ones have settled. */
  stop(): Promise<void> {
    return Promise.all([...this.lanes.values(), ...this.draining.values()].map((lane) => lane.stop())).then(() => undefined);
  }
}
