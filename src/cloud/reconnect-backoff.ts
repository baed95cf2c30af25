// How long to wait before the next connection attempt: doubling from 1 s to
// at most 30 s, so a broker that is down is not hammered, and a gateway is
// back within 30 s of the broker's return. Each delay is shortened by up to
// a fifth at random so a fleet of gateways cut off together does not
// reconnect in lockstep.

export const MIN_RECONNECT_MS = 1_000;
export const MAX_RECONNECT_MS = 30_000;

export class ReconnectBackoff {
  private failures = 0;

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const full = Math.min(MAX_RECONNECT_MS, MIN_RECONNECT_MS * 2 ** Math.min(this.failures, 16));
    this.failures++;
    return Math.max(MIN_RECONNECT_MS, Math.round(full * (1 - Math.random() * 0.2)));
  }

  /** A connection succeeded: the next loss starts again at 1 s. */
  reset(): void {
    this.failures = 0;
  }
}
