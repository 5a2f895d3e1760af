// Backlog: how full the pipeline queue is, and how long the oldest record has waited for the sinks.
// A queue near full means the inputs are about to push back: new traffic belongs on another replica.
import type { CheckResult, HealthThresholds, Readings } from './types.js';

/** `queue`: fill ratio (the larger of records and bytes); at `queue.warningRatio` readiness fails. */
export function queueCheck(q: Readings['queue'], t: HealthThresholds['queue']): CheckResult {
  const fill = Math.max(q.records / q.maxRecords, q.bytes / q.maxBytes);
  const full = fill >= t.warningRatio;
  return {
    name: 'queue',
    status: full ? 'warning' : 'ok',
    value: round(fill),
    threshold: t.warningRatio,
    unit: 'ratio',
    affects: { readiness: true, liveness: false },
    detail: `${q.records}/${q.maxRecords} records, ${q.bytes}/${q.maxBytes} bytes queued`,
  };
}

/** `oldest-record`: seconds the oldest record has waited for the sinks; past the limit readiness fails. */
export function oldestRecordCheck(ageMs: number, t: HealthThresholds['backlog']): CheckResult {
  const age = ageMs / 1000;
  return {
    name: 'oldest-record',
    status: age >= t.warningAgeSeconds ? 'warning' : 'ok',
    value: round(age),
    threshold: t.warningAgeSeconds,
    unit: 'seconds',
    affects: { readiness: true, liveness: false },
    detail: ageMs > 0 ? `oldest unwritten record waited ${age.toFixed(1)} s` : 'nothing waits for the sinks',
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
