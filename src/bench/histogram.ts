// A log-linear latency histogram in nanoseconds: fixed memory (one
// Float64Array) however long a run lasts, ~3% relative error per value.
// Values below 2^SUB_BITS ns are counted exactly; above, each power of two
// is split into 2^SUB_BITS equal buckets (HdrHistogram's idea, kept small).

const SUB_BITS = 5;
const SUB_COUNT = 1 << SUB_BITS;
/** Latencies are clamped to 2^40 ns (~18 minutes): a longer one is a hang, not a figure. */
const MAX_EXPONENT = 40;
const BUCKETS = SUB_COUNT + (MAX_EXPONENT - SUB_BITS + 1) * SUB_COUNT;
const MAX_VALUE = 2 ** (MAX_EXPONENT + 1) - 1;

export interface HistogramBucket {
  /** Lower bound, inclusive, in ns. */
  fromNs: number;
  /** Upper bound, exclusive, in ns. */
  toNs: number;
  count: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  minNs = Infinity;
  maxNs = 0;
  sumNs = 0;

  record(ns: number): void {
    const value = Math.min(Math.max(0, Math.round(ns)), MAX_VALUE);
    this.counts[bucketOf(value)]! += 1;
    this.count++;
    this.sumNs += value;
    if (value < this.minNs) this.minNs = value;
    if (value > this.maxNs) this.maxNs = value;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.minNs = Infinity;
    this.maxNs = 0;
    this.sumNs = 0;
  }

  /**
   * The q-quantile (0 < q <= 1) by nearest rank: the middle of the bucket
   * holding it, kept within the exact min and max. 0 when empty.
   */
  quantileNs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    // The top rank is known exactly: report it rather than its bucket's middle.
    if (rank >= this.count) return this.maxNs;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [from, to] = boundsOf(i);
        return Math.min(this.maxNs, Math.max(this.minNs, (from + to - 1) / 2));
      }
    }
    return this.maxNs;
  }

  meanNs(): number {
    return this.count === 0 ? 0 : this.sumNs / this.count;
  }

  /** The non-empty buckets, in ascending order. */
  buckets(): HistogramBucket[] {
    const out: HistogramBucket[] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const count = this.counts[i]!;
      if (count === 0) continue;
      const [fromNs, toNs] = boundsOf(i);
      out.push({ fromNs, toNs, count });
    }
    return out;
  }
}

function bucketOf(value: number): number {
  if (value < SUB_COUNT) return value;
  let exponent = Math.floor(Math.log2(value));
  // log2 of a value just below a power of two can round up: correct it.
  if (2 ** exponent > value) exponent--;
  const width = 2 ** (exponent - SUB_BITS);
  return SUB_COUNT + (exponent - SUB_BITS) * SUB_COUNT + (Math.floor(value / width) - SUB_COUNT);
}

function boundsOf(index: number): [number, number] {
  if (index < SUB_COUNT) return [index, index + 1];
  const exponent = SUB_BITS + Math.floor((index - SUB_COUNT) / SUB_COUNT);
  const sub = (index - SUB_COUNT) % SUB_COUNT;
  const width = 2 ** (exponent - SUB_BITS);
  const from = (SUB_COUNT + sub) * width;
  return [from, from + width];
}
