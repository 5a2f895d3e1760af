// Cross-field rules of the LogServer spec, each written once: the CEL expression goes into the CRD as an
// `x-kubernetes-validations` entry (so the API server rejects the object), and the TypeScript check runs in
// the operator (so an object admitted under an older CRD, or a rule CEL cannot express, still ends in
// Ready=False reason=InvalidSpec). Rules without `cel` are operator-only. The CEL guards with has() because
// the API server also checks the rules against the spec's own default ({}), before nested defaults exist.
import type { LogServerSpec } from './types.js';
import { parseQuantity } from './quantity.js';
import { healthIssues } from '../../collector/health/schema.js';
import { ADMIN_PORT } from '../../collector/config/schema.js';
import { batchMaxBytes, queueMaxBytes } from './collector-config.js';
import { KIND_RULES } from './kinds.js';

/** The smallest memory limit a collector pod can be Ready under (the rule on resources.limits.memory says why). */
export const MEMORY_FLOOR = '160Mi';

export interface SpecRule {
  /** Field the rule is about, relative to spec, dotted (also the CEL fieldPath). */
  field: string;
  message: string;
  cel?: string;
  /**
   * The same rule as a ValidatingAdmissionPolicy expression over `object.spec` (operator/api/admission.ts),
   * for a rule the CRD's CEL cannot afford: a policy's CEL is costed at run time against the object admitted,
   * not estimated at CRD creation from the largest object the schema allows.
   */
  admission?: string;
  holds(spec: LogServerSpec): boolean;
}

export const specRules: readonly SpecRule[] = [
  // Which per-kind fields an entry of each kind may set, generated from the collector's kind lists.
  ...KIND_RULES.map((r) => ({ ...r, holds: (s: LogServerSpec) => r.holds(r.field === 'inputs' ? s.inputs : s.sinks) })),
  {
    // The collector refuses such a config at start (collector/routing); here it is an InvalidSpec instead of a
    // crash-looping pod. Operator-only: CEL's cost estimate of the nested loops would exceed the budget.
    field: 'sinks',
    message: 'sinks[].match.inputs and routing.drop[].inputs may only name inputs[].name of this LogServer',
    holds: (s) =>
      [...s.sinks.map((k) => k.match?.inputs), ...s.routing.drop.map((d) => d.inputs)].every((names) => (names ?? []).every((n) => s.inputs.some((i) => i.name === n))),
  },
  {
    field: 'inputs',
    message: 'inputs[].port values must be distinct',
    cel: '!has(self.inputs) || self.inputs.all(a, self.inputs.filter(b, b.port == a.port).size() == 1)',
    holds: (s) => new Set(s.inputs.map((i) => i.port)).size === s.inputs.length,
  },
  {
    field: 'inputs',
    message: 'inputs[].name must not be metrics (the metrics port has that name)',
    cel: "!has(self.inputs) || self.inputs.all(i, i.name != 'metrics')",
    holds: (s) => s.inputs.every((i) => i.name !== 'metrics'),
  },
  {
    field: 'metricsPort',
    message: 'metricsPort must differ from every inputs[].port',
    cel: '!has(self.inputs) || !has(self.metricsPort) || self.inputs.all(i, i.port != self.metricsPort)',
    holds: (s) => s.inputs.every((i) => i.port !== s.metricsPort),
  },
  {
    // The collector's loopback admin listener (POST /drain for the preStop hook) holds this port in the pod.
    field: 'inputs',
    message: `inputs[].port and metricsPort must not be ${ADMIN_PORT} (the collector's loopback admin port)`,
    cel: `(!has(self.inputs) || self.inputs.all(i, i.port != ${ADMIN_PORT})) && (!has(self.metricsPort) || self.metricsPort != ${ADMIN_PORT})`,
    holds: (s) => s.inputs.every((i) => i.port !== ADMIN_PORT) && s.metricsPort !== ADMIN_PORT,
  },
  {
    field: 'security.curve.clientKeys',
    message: 'security.curve.clientKeys needs exactly one of secret or configMap',
    cel: '!has(self.security) || !has(self.security.curve) || (has(self.security.curve.clientKeys.secret) != has(self.security.curve.clientKeys.configMap))',
    holds: (s) => s.security.curve === undefined || (s.security.curve.clientKeys.secret === undefined) !== (s.security.curve.clientKeys.configMap === undefined),
  },
  {
    field: 'storage.persistentVolumeClaim',
    message: 'storage.persistentVolumeClaim is required when storage.type is persistentVolumeClaim',
    cel: "!has(self.storage) || !has(self.storage.type) || self.storage.type != 'persistentVolumeClaim' || has(self.storage.persistentVolumeClaim)",
    holds: (s) => s.storage.type !== 'persistentVolumeClaim' || s.storage.persistentVolumeClaim !== undefined,
  },
  {
    field: 'pipeline.batch.maxBytes',
    message: 'pipeline.batch.maxBytes must not exceed pipeline.queue.maxBytes',
    cel: '!has(self.pipeline) || !has(self.pipeline.batch) || !has(self.pipeline.queue) || !has(self.pipeline.batch.maxBytes) || !has(self.pipeline.queue.maxBytes) || self.pipeline.batch.maxBytes <= self.pipeline.queue.maxBytes',
    holds: (s) => batchMaxBytes(s) <= queueMaxBytes(s),
  },
  {
    field: 'autoscaler',
    message: 'autoscaler needs targetCPUUtilizationPercentage or metric (what to scale on)',
    cel: '!has(self.autoscaler) || has(self.autoscaler.targetCPUUtilizationPercentage) || has(self.autoscaler.metric)',
    holds: (s) => !s.autoscaler || s.autoscaler.targetCPUUtilizationPercentage !== undefined || s.autoscaler.metric !== undefined,
  },
  {
    field: 'autoscaler.minReplicas',
    message: 'autoscaler.minReplicas must not exceed autoscaler.maxReplicas',
    cel: '!has(self.autoscaler) || !has(self.autoscaler.minReplicas) || self.autoscaler.minReplicas <= self.autoscaler.maxReplicas',
    holds: (s) => !s.autoscaler || s.autoscaler.minReplicas <= s.autoscaler.maxReplicas,
  },
  {
    field: 'autoscaler.targetCPUUtilizationPercentage',
    message: 'autoscaler.targetCPUUtilizationPercentage needs resources.requests.cpu (utilization is a percentage of the request)',
    cel:
      '!has(self.autoscaler) || !has(self.autoscaler.targetCPUUtilizationPercentage) || ' +
      "(has(self.resources) && has(self.resources.requests) && 'cpu' in self.resources.requests)",
    holds: (s) => s.autoscaler?.targetCPUUtilizationPercentage === undefined || s.resources.requests?.cpu !== undefined,
  },
  {
    field: 'pipeline.batch.maxRecords',
    message: 'pipeline.batch.maxRecords must not exceed pipeline.queue.maxRecords',
    cel: '!has(self.pipeline) || !has(self.pipeline.batch) || !has(self.pipeline.queue) || !has(self.pipeline.batch.maxRecords) || !has(self.pipeline.queue.maxRecords) || self.pipeline.batch.maxRecords <= self.pipeline.queue.maxRecords',
    holds: (s) => s.pipeline.batch.maxRecords <= s.pipeline.queue.maxRecords,
  },
  {
    // Not in the CRD: the CEL quantity library could compare the two, but the API server sizes an
    // x-kubernetes-int-or-string value as the largest request (maxLength does not apply to it), so it estimates
    // such a rule at more than 100 times the cost budget and refuses the CRD (measured on Kubernetes 1.35).
    // A ValidatingAdmissionPolicy (the chart's) refuses it at admission instead; the operator's check stays for
    // clusters without the policy. Quantities that do not parse are left to the schema's own pattern.
    field: 'pipeline.queue.maxBytes',
    // Unset, the operator derives a queue that fits (queueMaxBytes); only an explicit value can be too big.
    message: 'pipeline.queue.maxBytes must be less than resources.limits.memory (the queue alone would exhaust the container)',
    admission:
      '!has(object.spec.pipeline) || !has(object.spec.pipeline.queue) || !has(object.spec.pipeline.queue.maxBytes) || ' +
      "!has(object.spec.resources) || !has(object.spec.resources.limits) || !('memory' in object.spec.resources.limits) || " +
      '!isQuantity(string(object.spec.resources.limits.memory)) || ' +
      'quantity(string(object.spec.pipeline.queue.maxBytes)).isLessThan(quantity(string(object.spec.resources.limits.memory)))',
    holds: (s) => {
      const limit = s.resources.limits?.memory;
      if (limit === undefined) return true;
      const bytes = parseQuantity(limit);
      return bytes === undefined || queueMaxBytes(s) < bytes;
    },
  },
  {
    // A collector under a smaller limit never becomes Ready: its readiness fails while RSS is above
    // health.memory.warningRatio (0.8) of the cgroup limit, and an idle collector's RSS is 104-110 MiB (Node 20,
    // native addon, the default three inputs; bench/operator-memory-floor.ts, 2026-11-30 07:20 UTC: idle 108.4,
    // after 20,000 1 KiB records 120.2 MiB at a 128Mi limit, whose readiness line is 102.4 MiB). So 160Mi (line
    // 128 MiB) is the smallest limit under which a pod is Ready idle and under a small load. Admission, not CRD CEL, for the quantity-cost reason given with the queue rule below.
    field: 'resources.limits.memory',
    message: `resources.limits.memory must be at least ${MEMORY_FLOOR} (an idle collector's RSS is about 110 MiB, and readiness fails above health.memory.warningRatio, 0.8 by default, of the limit)`,
    admission:
      "!has(object.spec.resources) || !has(object.spec.resources.limits) || !('memory' in object.spec.resources.limits) || " +
      '!isQuantity(string(object.spec.resources.limits.memory)) || ' +
      `!quantity(string(object.spec.resources.limits.memory)).isLessThan(quantity('${MEMORY_FLOOR}'))`,
    holds: (s) => {
      const limit = s.resources.limits?.memory;
      const bytes = limit === undefined ? undefined : parseQuantity(limit);
      return bytes === undefined || bytes >= parseQuantity(MEMORY_FLOOR)!;
    },
  },
  {
    // Operator-only, from the collector's own check (collector/health/schema.ts), so the two cannot disagree.
    field: 'health',
    message: 'health: a critical threshold is below its warning one (memory.criticalRatio, eventLoop.criticalMs or sinks.stuckSeconds)',
    holds: (s) => healthIssues(s.health).length === 0,
  },
];
