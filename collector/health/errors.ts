// Error rate per component over a sliding window: sink write failures, decode rejections (discarded messages
// with a rejection reason, which is also every NACK except "busy" and "draining"), internal errors. Reported
// and exported; it does not fail a probe, because one misbehaving client would otherwise take every replica
// out of the Service at once. A failing sink fails readiness through its own `sink:<id>` check.
import type { CheckResult, HealthThresholds } from './types.js';

/**
 * Cumulative counts sampled over time; rate() is the increase per second across the window. Holds at most
 * `maxSamples` samples per key and only the keys it is given, so it stays bounded.
 */
export class RateWindow {
  private samples = new Map<string, { t: number; n: number }[]>();

  constructor(
    private readonly windowMs: number,
    private readonly maxSamples = 1024,
  ) {}

  /** Records cumulative counts at monotonic time `t` (ms) and returns each key's rate per second. */
  add(t: number, counts: Map<string, number>): Map<string, number> {
    const rates = new Map<string, number>();
    for (const [key, n] of counts) {
      let s = this.samples.get(key);
      if (!s) this.samples.set(key, (s = []));
      s.push({ t, n });
      while (s.length > 1 && (s[1].t <= t - this.windowMs || s.length > this.maxSamples)) s.shift();
      const first = s[0];
      // A counter that went down was reset (a new registry): count from the new value.
      const inc = Math.max(0, n - first.n);
      const span = Math.max(t - first.t, 1);
      rates.set(key, s.length > 1 ? (inc * 1000) / span : 0);
    }
    for (const key of this.samples.keys()) if (!counts.has(key)) this.samples.delete(key);
    return rates;
  }
}

export function errorRateCheck(component: string, perSecond: number, t: HealthThresholds['errors']): CheckResult {
  const high = perSecond >= t.warningPerSecond;
  return {
    name: `errors:${component}`,
    status: high ? 'warning' : 'ok',
    value: Math.round(perSecond * 1000) / 1000,
    threshold: t.warningPerSecond,
    unit: 'per_second',
    affects: { readiness: false, liveness: false },
    detail: `${perSecond.toFixed(2)} errors/s over the last ${t.windowSeconds} s`,
  };
}
