// The shapes the health monitor passes around: a check's result, the thresholds from the configuration, and
// the readings the monitor's edge collects (cgroup, process, event loop, pipeline, sinks, sockets).

/** ok: nothing to do; warning: stop sending new traffic (readiness); critical: a restart may fix it. */
export type CheckStatus = 'ok' | 'warning' | 'critical';

/** Numeric form of a status for the `zlog_health_check_status{check}` gauge. */
export const STATUS_VALUE: Record<CheckStatus, number> = { ok: 0, warning: 1, critical: 2 };

export interface CheckResult {
  /** Stable name, also the `check` label: `memory`, `heap`, `event-loop`, `queue`, `oldest-record`,
   * `sink:<id>`, `errors:<component>`, `connections:<input>`, `draining`. */
  name: string;
  status: CheckStatus;
  /** The measured value in `unit`. */
  value: number;
  /** The threshold the value was compared against for the status shown (the warning one while ok); null for a
   * check that is reported only and has no limit (`connections:<input>`). */
  threshold: number | null;
  unit: 'bytes' | 'ratio' | 'ms' | 'seconds' | 'per_second' | 'peers' | 'bool';
  /** Which probes fail while this check is not ok. A check affecting neither is reported only. */
  affects: { readiness: boolean; liveness: boolean };
  detail: string;
}

export interface HealthThresholds {
  intervalMs: number;
  memory: { budgetBytes: number; warningRatio: number; criticalRatio: number };
  eventLoop: { warningMs: number; criticalMs: number };
  errors: { windowSeconds: number; warningPerSecond: number };
  queue: { warningRatio: number };
  backlog: { warningAgeSeconds: number };
  /** storeOutageFailsReadinessSeconds: 0 (off) or how long a sink held up by its store may go without progress before it fails readiness. */
  sinks: { stalledSeconds: number; stuckSeconds: number; storeOutageFailsReadinessSeconds: number };
}

export interface MemoryReading {
  rssBytes: number;
  heapUsedBytes: number;
  /** V8's heap size limit (`v8.getHeapStatistics().heap_size_limit`). */
  heapLimitBytes: number;
  /** The container's limit from the cgroup (v1 memory.limit_in_bytes or v2 memory.max); null when unlimited. */
  cgroupLimitBytes: number | null;
  /** Physical memory, the last resort when neither a cgroup limit nor a budget is set. */
  totalBytes: number;
}

export interface SinkReading {
  id: string;
  /** ms since the sink's current write (with its retries) began; null when it has nothing in flight. */
  busyForMs: number | null;
  /** The last error while the sink is failing; null when its last attempt succeeded. */
  failing: string | null;
  /** Sink.remoteStore: its writes wait on a store every replica shares (an HTTP sink without a disk buffer). */
  remote: boolean;
  /** Its disk buffer is full (writes wait for room) while sending the buffer to the store fails. */
  bufferWaitsForStore: boolean;
}

export interface InputReading {
  id: string;
  peers: number;
  /** Cumulative socket monitor events: accepted, connected, disconnected, handshake_failed. */
  events: Record<string, number>;
}

/** The pipeline queue against its bounds, and what in it waits only for sinks held up by their store. */
export interface QueueReading {
  records: number;
  bytes: number;
  maxRecords: number;
  maxBytes: number;
  /** Of records/bytes: at least this much waits only for sinks their store holds up (health/sinks.ts heldByStore). */
  storeRecords: number;
  storeBytes: number;
}

export interface Readings {
  /** Monotonic ms (performance.now()). */
  now: number;
  memory: MemoryReading;
  /** Largest event-loop delay over the last interval (ms). */
  loopLagMs: number;
  queue: QueueReading;
  /** Age of the oldest record waiting for a sink not held up by its store (ms); 0 when none waits. */
  oldestRecordMs: number;
  /** Age of the oldest record waiting for any sink, those held up by their store included (ms); 0 when none. */
  oldestAnyRecordMs: number;
  sinks: SinkReading[];
  /** Errors per second over the window, by component. */
  errorRates: Map<string, number>;
  inputs: InputReading[];
  draining: boolean;
}

export interface HealthReport {
  /** Wall-clock time of the evaluation (ISO 8601). */
  at: string;
  checks: CheckResult[];
}
