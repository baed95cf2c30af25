// What happens to an asynchronous event after a failed attempt, following
// Lambda: retry with a delay that doubles each time, until the retries or
// the event's maximum age run out.
import type { AsyncSpec } from '../config/types';

export type GiveUpCondition = 'RetriesExhausted' | 'EventAgeExceeded';

export type NextStep = { kind: 'retry'; at: number } | { kind: 'give-up'; condition: GiveUpCondition };

/** setTimeout's largest delay; a longer wait is re-armed when it fires. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * After `attempts` failed attempts (1 for the first), at `now`, of an event
 * accepted at `acceptedAt`.
 */
export function afterFailure(spec: AsyncSpec, attempts: number, acceptedAt: number, now: number): NextStep {
  if (attempts > spec.maxRetries) return { kind: 'give-up', condition: 'RetriesExhausted' };
  if (isTooOld(spec, acceptedAt, now)) return { kind: 'give-up', condition: 'EventAgeExceeded' };
  return { kind: 'retry', at: now + retryDelay(spec, attempts) };
}

/** Far beyond any event age, and small enough that now + delay stays an exact integer. */
const MAX_RETRY_DELAY_MS = Math.floor(Number.MAX_SAFE_INTEGER / 4);

/** retryDelayMs, doubled for each attempt after the first. */
export function retryDelay(spec: AsyncSpec, attempts: number): number {
  return Math.min(spec.retryDelayMs * 2 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
}

/** An event this old is not run (again): it goes to the failure destination. */
export function isTooOld(spec: AsyncSpec, acceptedAt: number, now: number): boolean {
  return now - acceptedAt > spec.maxEventAgeMs;
}
