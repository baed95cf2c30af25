// Sequential latency measurement for the demo: one call at a time, each
// timed with hrtime, summarised as percentiles in microseconds.

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  /** Completed calls per second over the whole run. */
  rate: number;
}

/** Run `call` n times in sequence; rejects on the first failing call. */
export async function measureSequential(n: number, call: (i: number) => Promise<void>): Promise<LatencySummary> {
  const samples = new Float64Array(n);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await call(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  return { count: n, p50: rank(samples, 0.5), p99: rank(samples, 0.99), p999: rank(samples, 0.999), rate: n / seconds };
}

/** Nearest-rank percentile of sorted samples. */
function rank(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function formatSummary(s: LatencySummary): string {
  const us = (v: number): string => `${v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} µs`;
  return (
    `p50 ${us(s.p50)}  p99 ${us(s.p99)}  p99.9 ${us(s.p999)}  ` +
    `${Math.round(s.rate).toLocaleString('en-US')} invokes/s (${s.count.toLocaleString('en-US')} invokes)`
  );
}
