// Drives invocations: a closed loop (N in flight, each starting when one
// ends) or an open loop (a target rate, starts on a fixed schedule whether or
// not earlier calls returned), until a count or a duration is reached.
import type { InvokeOutcome } from './outcome';
import type { RunRecorder } from './recorder';

export type LoadShape = { kind: 'concurrency'; inFlight: number } | { kind: 'rate'; perSecond: number };
export type RunLength = { kind: 'count'; invocations: number } | { kind: 'duration'; seconds: number };

/** An open loop that falls behind stops starting calls here rather than pile up sockets and memory. */
export const OPEN_LOOP_MAX_IN_FLIGHT = 1024;

export type Invoke = () => Promise<InvokeOutcome>;

/** Run `invoke` as shaped, recording every completion; resolves when all have completed. */
export async function generateLoad(invoke: Invoke, shape: LoadShape, length: RunLength, recorder: RunRecorder, startNs: bigint): Promise<void> {
  const endNs = length.kind === 'duration' ? startNs + BigInt(Math.round(length.seconds * 1e9)) : undefined;
  const timed = async (scheduledNs: bigint): Promise<void> => {
    const outcome = await settle(invoke);
    const doneNs = process.hrtime.bigint();
    recorder.record(outcome, doneNs - scheduledNs, doneNs);
  };
  if (shape.kind === 'concurrency') {
    let started = 0;
    const more = (): boolean =>
      length.kind === 'count' ? started < length.invocations : process.hrtime.bigint() < endNs!;
    const lane = async (): Promise<void> => {
      while (more()) {
        started++;
        await timed(process.hrtime.bigint());
      }
    };
    await Promise.all(Array.from({ length: shape.inFlight }, lane));
    return;
  }
  await openLoop(timed, shape.perSecond, length, startNs, endNs);
}

/** Unmeasured calls (the warm-up), `inFlight` at a time. */
export async function warmUp(invoke: Invoke, count: number, inFlight: number): Promise<void> {
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      await settle(invoke);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, count)) }, lane));
}

/**
 * Latency is measured from each call's scheduled start, not its actual one:
 * a runtime that stalls then delays the calls queued behind the stall, and
 * that delay is what a caller at this rate would see (no coordinated omission).
 */
async function openLoop(
  timed: (scheduledNs: bigint) => Promise<void>,
  perSecond: number,
  length: RunLength,
  startNs: bigint,
  endNs: bigint | undefined,
): Promise<void> {
  const intervalNs = 1e9 / perSecond;
  const pending = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    if (length.kind === 'count' && i >= length.invocations) break;
    const dueNs = startNs + BigInt(Math.round(i * intervalNs));
    if (endNs !== undefined && dueNs >= endNs) break;
    await until(dueNs);
    while (pending.size >= OPEN_LOOP_MAX_IN_FLIGHT) await Promise.race(pending);
    const call: Promise<void> = timed(dueNs).finally(() => pending.delete(call));
    pending.add(call);
  }
  await Promise.all(pending);
}

/** Wait for an hrtime instant: a timer for whole milliseconds, a turn of the loop for less. */
async function until(instantNs: bigint): Promise<void> {
  for (;;) {
    const leftNs = instantNs - process.hrtime.bigint();
    if (leftNs <= 0n) return;
    const ms = Number(leftNs / 1_000_000n);
    await new Promise<void>((resolve) => (ms >= 1 ? setTimeout(resolve, ms) : setImmediate(resolve)));
  }
}

/** A rejection (connection refused, API error) is an outcome too: the run goes on. */
async function settle(invoke: Invoke): Promise<InvokeOutcome> {
  try {
    return await invoke();
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
}
