// Human units for the terminal table and the SVG axes.

/** A latency given in µs: "38.2 µs", "1.25 ms", "2.10 s". */
export function formatMicros(us: number): string {
  if (us < 1000) return `${us < 100 ? us.toFixed(1) : Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function formatKb(kb: number): string {
  return kb < 10_240 ? `${kb} KB` : `${(kb / 1024).toFixed(1)} MB`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
