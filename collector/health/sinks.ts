// Stuck sinks. A sink whose current write (with its retries) has made no progress for `sinks.stalledSeconds`
// while records wait, or whose last attempt failed, takes the collector out of the Service (readiness); past
// `sinks.stuckSeconds` without progress it fails liveness, because a restart reopens the file or connection.
// Not so when what holds it up is its store, which every replica shares (an HTTP sink's VictoriaLogs or
// Elasticsearch down or slow): taking every replica out of the Service, or restarting them all, would stop the
// healthy sinks too and help nothing, so that is reported (status warning, the sink's /sinks state, the
// LogServer's SinksHealthy) and fails no probe, as Vector's /health and the OpenTelemetry Collector's health
// check (recoverable exporter errors, by default) do. Senders are still pushed back per batch (busy NACKs).
import type { CheckResult, HealthThresholds, SinkReading } from './types.js';

/**
 * Whether the sink's store holds it up now: a remote sink (Sink.remoteStore) whose last attempt failed or whose
 * write has made no progress for `stalledSeconds`, or a disk buffer full while sending to its store fails.
 */
export function heldByStore(s: SinkReading, t: HealthThresholds['sinks']): boolean {
  return (s.remote && (s.failing !== null || (s.busyForMs ?? 0) / 1000 >= t.stalledSeconds)) || s.bufferWaitsForStore;
}

export function sinkCheck(s: SinkReading, t: HealthThresholds['sinks']): CheckResult {
  const busy = (s.busyForMs ?? 0) / 1000;
  const stuck = busy >= t.stuckSeconds;
  const stalled = busy >= t.stalledSeconds;
  const store = heldByStore(s, t);
  // Critical means a restart may fix it: never so for a store.
  const status = stuck && !store ? 'critical' : stalled || s.failing || store ? 'warning' : 'ok';
  const what = s.failing ? `failing (${s.failing})` : s.bufferWaitsForStore ? 'disk buffer full, its store failing' : s.busyForMs === null ? 'idle' : 'writing';
  return {
    name: `sink:${s.id}`,
    status,
    value: Math.round(busy * 1000) / 1000,
    threshold: stalled || s.failing ? t.stuckSeconds : t.stalledSeconds,
    unit: 'seconds',
    affects: { readiness: !store, liveness: stuck && !store },
    detail: (s.busyForMs === null ? what : `${what}, no progress for ${busy.toFixed(1)} s`) + (store ? '; held up by its store, which every replica shares: reported, fails no probe' : ''),
  };
}
