// Stuck sinks. A sink whose current write (with its retries) has made no progress for `sinks.stalledSeconds`
// while records wait, or whose last attempt failed, takes the collector out of the Service (readiness); past
// `sinks.stuckSeconds` without progress it fails liveness, because a restart reopens the file or connection.
// Not so when what holds it up is its store, which every replica shares (an HTTP sink's VictoriaLogs or
// Elasticsearch down or slow): taking every replica out of the Service, or restarting them all, would stop the
// healthy sinks too and help nothing, so that is reported (status warning, the sink's /sinks state, the
// LogServer's SinksHealthy) and fails no probe, as Vector's /health and the OpenTelemetry Collector's health
// check (recoverable exporter errors, by default) do. Senders are still pushed back per batch (busy NACKs).
// An operator who wants the pods out of the Service during an outage anyway (the OpenTelemetry Collector's
// health check opts in the same way, with a recovery duration) sets `sinks.storeOutageFailsReadinessSeconds`:
// a sink its store has held up without progress that long then fails readiness, never liveness.
import type { CheckResult, HealthThresholds, SinkReading } from './types.js';

/**
 * Whether the sink's store holds it up now: a remote sink (Sink.remoteStore) whose last attempt failed or whose
 * write has made no progress for `stalledSeconds`, or a disk buffer full while sending to its store fails.
 */
export function heldByStore(s: SinkReading, t: HealthThresholds['sinks']): boolean {
  return (s.remote && (s.failing !== null || (s.busyForMs ?? 0) / 1000 >= t.stalledSeconds)) || s.bufferWaitsForStore;
}

/**
 * `sink:<id>`: a write without progress for `stalledSeconds`, or a failing last attempt, fails readiness; for
 * `stuckSeconds`, liveness. A sink held up by its store (heldByStore) fails neither, unless the operator opted in
 * with `storeOutageFailsReadinessSeconds` (> 0): then it fails readiness once its write has made no progress that
 * long (`busyForMs`: from the start of the write the store holds up, with its retries), and never liveness.
 */
export function sinkCheck(s: SinkReading, t: HealthThresholds['sinks']): CheckResult {
  const busy = (s.busyForMs ?? 0) / 1000;
  const stuck = busy >= t.stuckSeconds;
  const stalled = busy >= t.stalledSeconds;
  const store = heldByStore(s, t);
  const optIn = t.storeOutageFailsReadinessSeconds > 0;
  const outage = store && optIn && busy >= t.storeOutageFailsReadinessSeconds;
  // Critical means a restart may fix it: never so for a store.
  const status = stuck && !store ? 'critical' : stalled || s.failing || store ? 'warning' : 'ok';
  const what = s.failing ? `failing (${s.failing})` : s.bufferWaitsForStore ? 'disk buffer full, its store failing' : s.busyForMs === null ? 'idle' : 'writing';
  const held = !store
    ? ''
    : outage
      ? `; held up by its store for ${t.storeOutageFailsReadinessSeconds} s or more: fails readiness (health.sinks.storeOutageFailsReadinessSeconds), not liveness`
      : optIn
        ? `; held up by its store, which every replica shares: fails readiness after ${t.storeOutageFailsReadinessSeconds} s without progress (health.sinks.storeOutageFailsReadinessSeconds)`
        : '; held up by its store, which every replica shares: reported, fails no probe';
  return {
    name: `sink:${s.id}`,
    status,
    value: Math.round(busy * 1000) / 1000,
    threshold: store && optIn ? t.storeOutageFailsReadinessSeconds : stalled || s.failing ? t.stuckSeconds : t.stalledSeconds,
    unit: 'seconds',
    affects: { readiness: !store || outage, liveness: stuck && !store },
    detail: (s.busyForMs === null ? what : `${what}, no progress for ${busy.toFixed(1)} s`) + held,
  };
}
