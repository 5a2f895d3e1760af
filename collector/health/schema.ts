// The `health` section of the collector's configuration schema (collector/config/schema.ts includes it):
// thresholds of every check, with the defaults that apply when it is left out.

// minimum rather than exclusiveMinimum: the LogServer CRD reuses this schema, and a CRD's OpenAPI v3.0 schema
// reads exclusiveMinimum as a boolean.
const ratio = { type: 'number', minimum: 0.01, maximum: 1 } as const;

export const healthSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'health checks behind /healthz and /readyz (docs/operations.md: what to do when one fires)',
  properties: {
    intervalMs: { type: 'integer', minimum: 100, maximum: 60_000, default: 1000, description: 'how often the checks run' },
    memory: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'memory use against the limit',
      properties: {
        budgetBytes: { type: 'integer', minimum: 0, default: 0, description: 'memory limit when the cgroup sets none; 0: physical memory' },
        warningRatio: { ...ratio, default: 0.8, description: 'RSS (or V8 heap) share of the limit that fails readiness' },
        criticalRatio: { ...ratio, default: 0.95, description: 'RSS (or V8 heap) share of the limit that fails liveness' },
      },
    },
    eventLoop: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'event-loop delay',
      properties: {
        warningMs: { type: 'integer', minimum: 1, default: 500, description: 'event-loop delay reported as a warning' },
        criticalMs: { type: 'integer', minimum: 1, default: 5000, description: 'event-loop delay (or monitor overdue) that fails liveness' },
      },
    },
    errors: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'error rate per component',
      properties: {
        windowSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 60, description: 'sliding window of the error rate' },
        warningPerSecond: { type: 'number', minimum: 0.001, default: 1, description: 'errors/s of one component reported as a warning' },
      },
    },
    queue: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'pipeline queue fill',
      properties: { warningRatio: { ...ratio, default: 0.9, description: 'queue fill (records or bytes) that fails readiness, not counting what waits only for a sink held up by its store' } },
    },
    backlog: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'age of the oldest record not yet written',
      properties: { warningAgeSeconds: { type: 'number', minimum: 0.1, default: 60, description: 'age of the oldest unwritten record that fails readiness, not counting those that wait only for a sink held up by its store' } },
    },
    sinks: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'sink writes that make no progress; a sink held up by its store (an HTTP sink failing or stalled) is reported and fails no probe unless storeOutageFailsReadinessSeconds says otherwise (docs/operations.md)',
      properties: {
        stalledSeconds: { type: 'number', minimum: 0.1, default: 10, description: 'a sink write without progress this long fails readiness, unless its store holds it up' },
        stuckSeconds: { type: 'number', minimum: 0.1, default: 120, description: 'a sink write without progress this long fails liveness, unless its store holds it up' },
        storeOutageFailsReadinessSeconds: {
          type: 'number',
          minimum: 0,
          default: 0,
          description: 'opt-in: a sink held up by its store whose write has made no progress this long fails readiness (never liveness: a restart brings no store back); 0: a store outage fails no probe',
        },
      },
    },
  },
} as const;

/** Threshold pairs that must be ordered; load.ts reports a violation naming both fields. */
export function healthIssues(h: {
  memory: { warningRatio: number; criticalRatio: number };
  eventLoop: { warningMs: number; criticalMs: number };
  sinks: { stalledSeconds: number; stuckSeconds: number };
}): string[] {
  const issues: string[] = [];
  if (h.memory.criticalRatio < h.memory.warningRatio) issues.push(`health.memory.criticalRatio: ${h.memory.criticalRatio} is below health.memory.warningRatio (${h.memory.warningRatio})`);
  if (h.eventLoop.criticalMs < h.eventLoop.warningMs) issues.push(`health.eventLoop.criticalMs: ${h.eventLoop.criticalMs} is below health.eventLoop.warningMs (${h.eventLoop.warningMs})`);
  if (h.sinks.stuckSeconds < h.sinks.stalledSeconds) issues.push(`health.sinks.stuckSeconds: ${h.sinks.stuckSeconds} is below health.sinks.stalledSeconds (${h.sinks.stalledSeconds})`);
  return issues;
}
