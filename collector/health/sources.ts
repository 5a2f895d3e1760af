// Where the collector's health readings come from: the admission queue, the sink stage, the socket watches and
// the error counters (zlog_component_errors_total plus messages discarded for a rejection reason).
import type { CollectorConfig } from '../config/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { Admission } from '../pipeline/admission.js';
import type { Sink } from '../sinks/sink.js';
import type { SinkStage } from '../sinks/sink-stage.js';
import type { HealthSources } from './monitor.js';
import type { ConnectionWatch } from './socket-events.js';

/**
 * Discard reasons that are not errors: back-pressure (busy, draining), empty frames, resends not admitted again,
 * and replies to a client's connection that ended (it reconnected; it resends the batch).
 */
const NOT_ERRORS = new Set(['busy', 'draining', 'empty', 'resent_pending', 'reply_to_ended_connection']);

export function collectorHealthSources(c: {
  cfg: CollectorConfig;
  admission: Admission;
  stage: SinkStage;
  /** The running sinks, in config order (their remoteStore and disk-buffer health). */
  sinks: readonly Sink[];
  watches: ConnectionWatch[];
  metrics: Metrics;
  draining: () => boolean;
}): HealthSources {
  const { cfg, admission, stage, watches, metrics } = c;
  const components = [...cfg.inputs.map((i) => i.id), ...cfg.sinks.map((s) => s.id)];
  return {
    queue: (stores) => {
      const held = stage.heldOnlyBy(stores);
      return {
        records: admission.records,
        bytes: admission.bytes,
        maxRecords: admission.maxRecords,
        maxBytes: admission.maxBytes,
        storeRecords: Math.min(held.records, admission.records),
        storeBytes: Math.min(held.bytes, admission.bytes),
      };
    },
    oldestWaitingSince: (skip) => stage.oldestWaitingSince(skip),
    sinks: (now) =>
      c.sinks.map((s) => {
        const since = stage.busySince.get(s.id);
        const self = s.health?.();
        return {
          id: s.id,
          busyForMs: since === undefined ? null : Math.max(0, now - since),
          failing: stage.failing.get(s.id) ?? null,
          remote: s.remoteStore === true,
          bufferWaitsForStore: self?.buffer?.full === true && self.retrying,
        };
      }),
    async errorCounts() {
      // Every configured component has a rate (0 until it errs); internal components appear once they err.
      const counts = new Map<string, number>(components.map((id) => [id, 0]));
      const add = (id: unknown, n: number): void => {
        if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + n);
      };
      for (const v of (await metrics.errors.get()).values) add(v.labels.component_id, v.value);
      for (const v of (await metrics.discarded.get()).values) if (!NOT_ERRORS.has(String(v.labels.reason))) add(v.labels.component_id, v.value);
      return counts;
    },
    inputs: () => watches.map((w) => w.reading()),
    draining: c.draining,
  };
}
