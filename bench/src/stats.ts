// Summary statistics for benchmark rounds and a compact latency histogram.

/**
 * The median of some numbers (the mean of the middle two for an even count).
 * @param values the numbers, in any order; not modified.
 * @returns the median.
 * @throws RangeError if `values` is empty.
 * @example
 * median([3, 1, 2]); // 2
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * A quantile by linear interpolation between closest ranks (q = 0.5 is the median).
 * @param values the numbers, in any order; not modified.
 * @param q the quantile, 0 to 1.
 * @returns the interpolated value.
 * @throws RangeError if `values` is empty or `q` is outside [0, 1].
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("no values");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/**
 * The spread of repeated measurements: (max - min) / median, e.g. 0.04 for ±2%.
 * @param values the measurements (one per round).
 * @returns the relative spread; 0 for a single value.
 * @throws RangeError if `values` is empty.
 */
export function spread(values: readonly number[]): number {
  const middle = median(values);
  if (middle === 0) return 0;
  return (Math.max(...values) - Math.min(...values)) / middle;
}

/** Relative width of a histogram bucket: each bucket is 1% wider than the one before. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets up to 1.01^2400 µs (hours): no real latency falls outside. */
const BUCKETS = 2400;

/**
 * A latency histogram with logarithmic buckets 1% wide, in microseconds: recording is one
 * `Math.log` and an increment, so millions of samples cost a fixed 19 KiB and merge by addition.
 * Quantiles are accurate to 1%.
 * @example
 * const h = new LatencyHistogram();
 * h.record(0.25); // milliseconds
 * h.quantileMs(0.99);
 */
export class LatencyHistogram {
  /** Samples recorded. */
  count = 0;
  private readonly counts = new Float64Array(BUCKETS);

  /**
   * Record one latency.
   * @param ms the latency in milliseconds (values below 1 µs count as 1 µs).
   */
  record(ms: number): void {
    const micros = ms * 1000;
    const index = micros <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
    this.counts[index]++;
    this.count++;
  }

  /** Forget every sample. */
  reset(): void {
    this.counts.fill(0);
    this.count = 0;
  }

  /**
   * Add another histogram's samples to this one.
   * @param other the histogram to add (unchanged).
   */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
  }

  /**
   * The latency below which a fraction `q` of the samples fall (the upper edge of its bucket).
   * @param q the quantile, 0 to 1.
   * @returns milliseconds, or NaN with no samples.
   * @throws RangeError if `q` is outside [0, 1].
   */
  quantileMs(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
    if (this.count === 0) return Number.NaN;
    const target = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= target) return GROWTH ** i / 1000;
    }
    return GROWTH ** (BUCKETS - 1) / 1000;
  }

  /**
   * The non-empty buckets as [index, count] pairs, to send to another process.
   * @returns a JSON-safe list.
   */
  toPairs(): [number, number][] {
    const pairs: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] > 0) pairs.push([i, this.counts[i]]);
    return pairs;
  }

  /**
   * Rebuild a histogram from `toPairs()` output.
   * @param pairs [bucket index, count] pairs.
   * @returns the histogram.
   * @throws RangeError if an index is out of range.
   */
  static fromPairs(pairs: readonly (readonly [number, number])[]): LatencyHistogram {
    const histogram = new LatencyHistogram();
    for (const [index, count] of pairs) {
      if (!(index >= 0 && index < BUCKETS)) throw new RangeError(`bucket ${index} is out of range`);
      histogram.counts[index] += count;
      histogram.count += count;
    }
    return histogram;
  }
}
