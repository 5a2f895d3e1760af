// Fixed-size reservoir of recent latencies: memory stays constant however long the client runs, and the
// percentiles describe the most recent `capacity` samples.

export interface LatencySummary {
  /** Samples recorded since the start (not only those kept). */
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LatencyRecorder {
  private readonly samples: Float64Array;
  private next = 0;
  private total = 0;

  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`latency capacity must be a positive integer, got ${capacity}`);
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.total++;
  }

  /** Percentiles of the kept samples (nearest-rank); all zero when there are none. */
  summary(): LatencySummary {
    const kept = Math.min(this.total, this.samples.length);
    if (kept === 0) return { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 };
    const sorted = this.samples.slice(0, kept).sort();
    const at = (q: number) => sorted[Math.min(kept - 1, Math.ceil(q * kept) - 1)];
    return { count: this.total, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: sorted[kept - 1] };
  }

  reset(): void {
    this.next = 0;
    this.total = 0;
  }
}
