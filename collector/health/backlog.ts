// Backlog: how full the pipeline queue is, and how long the oldest record has waited for the sinks.
// A queue near full means the inputs are about to push back: new traffic belongs on another replica, unless
// what fills it waits only for a store every replica shares (a down VictoriaLogs): another replica would fill
// the same way, so that part is reported and fails no probe (docs/operations.md, "Health checks and probes").
import type { CheckResult, HealthThresholds, QueueReading } from './types.js';

/**
 * `queue`: fill ratio (the larger of records and bytes), reported at `queue.warningRatio`. Readiness fails
 * only while the fill without what waits only for sinks held up by their store (`stores`) is at the ratio too.
 */
export function queueCheck(q: QueueReading, t: HealthThresholds['queue'], stores: readonly string[] = []): CheckResult {
  const fill = Math.max(q.records / q.maxRecords, q.bytes / q.maxBytes);
  const own = Math.max((q.records - q.storeRecords) / q.maxRecords, (q.bytes - q.storeBytes) / q.maxBytes);
  const full = fill >= t.warningRatio;
  const ownFull = own >= t.warningRatio;
  const held = full && !ownFull ? `; ${q.storeRecords} records wait only for ${stores.join(', ') || 'sinks'} held up by the store every replica shares (reported, not failing readiness)` : '';
  return {
    name: 'queue',
    status: full ? 'warning' : 'ok',
    value: round(fill),
    threshold: t.warningRatio,
    unit: 'ratio',
    affects: { readiness: !full || ownFull, liveness: false },
    detail: `${q.records}/${q.maxRecords} records, ${q.bytes}/${q.maxBytes} bytes queued${held}`,
  };
}

/**
 * `oldest-record`: seconds the oldest record has waited for the sinks (`anyAgeMs`), reported past the limit;
 * readiness fails only while the oldest waiting for a sink not held up by its store (`ownAgeMs`) is past it.
 */
export function oldestRecordCheck(ownAgeMs: number, t: HealthThresholds['backlog'], anyAgeMs = ownAgeMs, stores: readonly string[] = []): CheckResult {
  const age = Math.max(ownAgeMs, anyAgeMs) / 1000;
  const late = age >= t.warningAgeSeconds;
  const ownLate = ownAgeMs / 1000 >= t.warningAgeSeconds;
  const held = late && !ownLate ? ` for ${stores.join(', ') || 'sinks'} held up by the store every replica shares (reported, not failing readiness)` : '';
  return {
    name: 'oldest-record',
    status: late ? 'warning' : 'ok',
    value: round(age),
    threshold: t.warningAgeSeconds,
    unit: 'seconds',
    affects: { readiness: !late || ownLate, liveness: false },
    detail: age > 0 ? `oldest unwritten record waited ${age.toFixed(1)} s${held}` : 'nothing waits for the sinks',
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
