// Stuck sinks. A sink whose current write (with its retries) has made no progress for `sinks.stalledSeconds`
// while records wait, or whose last attempt failed, takes the collector out of the Service (readiness); past
// `sinks.stuckSeconds` without progress it fails liveness, because a restart reopens the file or connection.
import type { CheckResult, HealthThresholds, SinkReading } from './types.js';

export function sinkCheck(s: SinkReading, t: HealthThresholds['sinks']): CheckResult {
  const busy = (s.busyForMs ?? 0) / 1000;
  const stuck = busy >= t.stuckSeconds;
  const stalled = busy >= t.stalledSeconds;
  const status = stuck ? 'critical' : stalled || s.failing ? 'warning' : 'ok';
  const what = s.failing ? `failing (${s.failing})` : s.busyForMs === null ? 'idle' : 'writing';
  return {
    name: `sink:${s.id}`,
    status,
    value: Math.round(busy * 1000) / 1000,
    threshold: stalled || s.failing ? t.stuckSeconds : t.stalledSeconds,
    unit: 'seconds',
    affects: { readiness: true, liveness: stuck },
    detail: s.busyForMs === null ? what : `${what}, no progress for ${busy.toFixed(1)} s`,
  };
}
