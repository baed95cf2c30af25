// The benchmark target C-to-C: the group started in-process with the C bench
// invoker added (invoker-group.ts); the invoker calls the function with
// gg_invoke, through the runtime, and times each call in C. The load is
// driven in rounds: each lane is one invoker instance, sent requests of at
// most ROUND_CALLS calls and a budget of ROUND_NS, so any --count or
// --duration fits the invoke payload limits and progress keeps moving.
// A round's schedule and budget count from when the invoker receives it.
import { Runtime } from '../runtime';
import { UsageError } from '../cli/cli-error';
import { NanolambdaError } from '../errors';
import { SYNC_PAYLOAD_LIMIT } from '../limits';
import { workersOf } from './function-workers';
import { groupWithInvoker } from './invoker-group';
import { decodeRoundResponse, encodeRoundRequest, MAX_CALLS_PER_ROUND, MAX_NAME_BYTES, MAX_QUALIFIER_BYTES, MAX_SPAN_NS, requestOverhead, type RoundRequest, type TimedCall } from './invoker-wire';
import type { LoadShape, RunLength } from './load-generator';
import { OrderedFlush } from './ordered-flush';
import { shortMessage } from './outcome';
import type { RunRecorder } from './recorder';
import type { BenchTarget, FirstCall } from './target';

/** Calls per round at most: 1,000 × 17 bytes of answer. */
const ROUND_CALLS = 1000;
/** A round stops starting calls after this long (the run's end may come first). */
const ROUND_NS = 250_000_000n;

export interface GgInvokeTargetOptions {
  groupFile: string;
  functionName: string;
  qualifier: string | undefined;
  payload: Buffer;
  /** Where the payload came from, for errors ("'--payload-size'"). */
  payloadSource: string;
  /** Invoker instances at once: --concurrency, or 1 for --rate (one caller on a schedule). */
  lanes: number;
}

export async function ggInvokeTarget(options: GgInvokeTargetOptions): Promise<BenchTarget> {
  checkRequestFits(options);
  const { group, invokerArn } = groupWithInvoker(options.groupFile, options.lanes);
  const runtime = await Runtime.start({ group, http: false });
  try {
    // Refuse an unknown target before any round: the invoker would only report it call after call.
    await runtime.invoke(options.functionName, Buffer.alloc(0), { type: 'DryRun', ...(options.qualifier === undefined ? {} : { qualifier: options.qualifier }) });
  } catch (error) {
    await runtime.stop();
    if (NanolambdaError.is(error)) throw new UsageError(`--via gg-invoke: ${error.message}`, false);
    throw error;
  }
  const rounds = new Rounds(runtime, invokerArn, options);
  return {
    via: 'gg-invoke',
    where: `gg_invoke from the C bench invoker (${options.groupFile})`,
    encoding: runtime.registry.tryResolve(options.functionName, options.qualifier)?.fn.encoding,
    first: () => rounds.first(),
    warmUp: (count, inFlight) => rounds.warmUp(count, inFlight),
    drive: (shape, length, recorder, startNs) => rounds.drive(shape, length, recorder, startNs),
    workers: async () => ({ workers: workersOf(runtime.status(), options.functionName) }),
    close: () => runtime.stop(),
  };
}

function checkRequestFits(o: GgInvokeTargetOptions): void {
  if (Buffer.byteLength(o.functionName) > MAX_NAME_BYTES) {
    throw new UsageError(`<function> '${o.functionName.slice(0, 60)}…' is over ${MAX_NAME_BYTES} bytes, the longest name the C bench invoker takes`);
  }
  if (Buffer.byteLength(o.qualifier ?? '') > MAX_QUALIFIER_BYTES) {
    throw new UsageError(`option '--qualifier': over ${MAX_QUALIFIER_BYTES} bytes, the longest qualifier the C bench invoker takes`);
  }
  const most = SYNC_PAYLOAD_LIMIT - requestOverhead(o.functionName, o.qualifier);
  if (o.payload.length > most) {
    throw new UsageError(
      `option ${o.payloadSource}: ${o.payload.length} bytes is too large for --via gg-invoke: the C bench invoker receives the payload ` +
        `with its target's name in one ${SYNC_PAYLOAD_LIMIT}-byte invocation, so it can pass on at most ${most} bytes to '${o.functionName}'`,
    );
  }
}

/** The round protocol against one runtime and one target. */
class Rounds {
  constructor(
    private readonly runtime: Runtime,
    private readonly invokerArn: string,
    private readonly options: GgInvokeTargetOptions,
  ) {}

  async first(): Promise<FirstCall> {
    const answer = await this.round({ count: 1, intervalNs: 0n, firstDueNs: 0n, budgetNs: 0n });
    if ('failed' in answer) return { outcome: { kind: 'failed', message: answer.failed }, latencyNs: 0 };
    const call = answer.calls[0]!;
    return { outcome: call.outcome, latencyNs: Number(call.latencyNs) };
  }

  async warmUp(count: number, inFlight: number): Promise<void> {
    if (count <= 0) return;
    // Every invoker gets a call, so as many target workers are warm as the run will keep busy.
    await this.closedLoop(count, Math.min(inFlight, count), undefined, undefined);
  }

  async drive(shape: LoadShape, length: RunLength, recorder: RunRecorder, startNs: bigint): Promise<void> {
    const endNs = length.kind === 'duration' ? startNs + BigInt(Math.round(length.seconds * 1e9)) : undefined;
    const total = length.kind === 'count' ? length.invocations : Infinity;
    const flush = new OrderedFlush(recorder);
    if (shape.kind === 'rate') await this.openLoop(BigInt(Math.max(1, Math.round(1e9 / shape.perSecond))), total, endNs, flush);
    else await this.closedLoop(total, shape.inFlight, endNs, flush);
    flush.drain();
  }

  /**
   * `lanes` invokers share `total` calls (Infinity: until endNs), each round
   * taking an even share of what is left, so all of them run. A lane with
   * nothing left to take waits while rounds are out: a round whose budget
   * ran out hands its untried calls back.
   */
  private async closedLoop(total: number, lanes: number, endNs: bigint | undefined, flush: OrderedFlush | undefined): Promise<void> {
    let left = total;
    let out = 0;
    let failure: string | undefined;
    let waiting: Array<() => void> = [];
    const wakeAll = (): void => {
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake();
    };
    const lane = async (): Promise<void> => {
      for (;;) {
        const now = process.hrtime.bigint();
        if (failure !== undefined || (endNs !== undefined && now >= endNs)) return;
        if (left <= 0) {
          if (out === 0) return;
          await new Promise<void>((resolve) => waiting.push(resolve));
          continue;
        }
        const take = Math.min(ROUND_CALLS, Math.ceil(left / lanes));
        left -= take;
        out++;
        const budgetNs = endNs !== undefined && endNs - now < ROUND_NS ? endNs - now : ROUND_NS;
        const token = flush?.started();
        const answer = await this.round({ count: take, intervalNs: 0n, firstDueNs: 0n, budgetNs });
        out--;
        if ('failed' in answer) failure ??= answer.failed;
        else {
          left += take - answer.calls.length;
          if (token !== undefined) flush!.finished(token, answer.calls);
        }
        wakeAll();
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failure !== undefined) throw harnessFailure(failure);
  }

  /**
   * One invoker calling on a schedule: call i is due at the first call's
   * due time + i * interval, across rounds. Each round covers the calls due
   * in the next ROUND_NS (at least one, however low the rate); a call further
   * ahead is waited for here, so no round holds the invoker long.
   */
  private async openLoop(intervalNs: bigint, total: number, endNs: bigint | undefined, flush: OrderedFlush): Promise<void> {
    let left = total;
    // Unknown until the first round: its first call is due when the invoker receives it.
    let nextDueNs: bigint | undefined;
    while (left > 0) {
      let now = process.hrtime.bigint();
      if (endNs !== undefined && (now >= endNs || (nextDueNs !== undefined && nextDueNs >= endNs))) return;
      if (nextDueNs !== undefined && nextDueNs - now > ROUND_NS) {
        await sleepNs(nextDueNs - now - ROUND_NS / 2n);
        now = process.hrtime.bigint();
      }
      const dueNs = nextDueNs ?? now;
      const reach = now + ROUND_NS > dueNs ? now + ROUND_NS : dueNs + 1n;
      const windowEndNs = endNs !== undefined && endNs < reach ? endNs : reach;
      const due = Number((windowEndNs - 1n - dueNs) / intervalNs) + 1;
      const take = Math.min(ROUND_CALLS, left, due);
      // Clamped to what the invoker takes: a round never reaches a second call that far out, nor that late a first.
      const firstDueNs = dueNs - now < -MAX_SPAN_NS ? -MAX_SPAN_NS : dueNs - now;
      const token = flush.started();
      const answer = await this.round({ count: take, intervalNs: intervalNs < MAX_SPAN_NS ? intervalNs : MAX_SPAN_NS, firstDueNs, budgetNs: windowEndNs - now });
      if ('failed' in answer) throw harnessFailure(answer.failed);
      flush.finished(token, answer.calls);
      left -= answer.calls.length;
      // The invoker timed each call from its due time: the last one's tells where the schedule is.
      const last = answer.calls[answer.calls.length - 1]!;
      nextDueNs = last.endNs - last.latencyNs + intervalNs;
    }
  }

  /** One round; a round that fails, or answers with no call or too many, comes back as `failed`. */
  private async round(schedule: Pick<RoundRequest, 'count' | 'intervalNs' | 'firstDueNs' | 'budgetNs'>): Promise<{ calls: TimedCall[] } | { failed: string }> {
    const { functionName, qualifier, payload } = this.options;
    const request = encodeRoundRequest({ ...schedule, count: Math.min(schedule.count, MAX_CALLS_PER_ROUND), name: functionName, qualifier, payload });
    let result;
    try {
      result = await this.runtime.invoke(this.invokerArn, request);
    } catch (error) {
      return { failed: `the C bench invoker could not be invoked: ${(error as Error).message}` };
    }
    if (result.functionError !== undefined) return { failed: `the C bench invoker failed: ${shortMessage(result.payload.toString('utf8'))}` };
    let calls;
    try {
      calls = decodeRoundResponse(result.payload);
    } catch (error) {
      return { failed: (error as Error).message };
    }
    if (calls.length === 0 || calls.length > schedule.count) {
      return { failed: `the C bench invoker made ${calls.length} calls in a round of ${schedule.count}: it always makes the first and never more` };
    }
    return { calls: calls.map((call) => (call.outcome.kind === 'ok' ? call : { ...call, outcome: { ...call.outcome, message: shortMessage(call.outcome.message) } })) };
  }
}

/**
 * The invoker is the harness: a round of it that fails says nothing about
 * the target, and the calls it made or not are unknown, so the run stops
 * (exit 2, as for a run that cannot start) rather than report made-up figures.
 */
function harnessFailure(failure: string): UsageError {
  return new UsageError(`--via gg-invoke: the run stopped because ${failure}`, false);
}

function sleepNs(ns: bigint): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Number(ns / 1_000_000n)));
}
