// HorizontalPodAutoscaler for spec.autoscaler. It targets the LogServer's own scale subresource, not the
// Deployment: the HPA writes LogServer spec.replicas, the operator carries that into the Deployment as with
// `kubectl scale`, and nothing fights over the Deployment's replicas (an HPA on the Deployment would be
// undone by the operator's next apply).
import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../api/schema.js';
import type { LogServerSpec } from '../api/types.js';
import { childMeta, childNames, type Built, type Owner } from './common.js';

export function wantsHorizontalPodAutoscaler(spec: LogServerSpec): boolean {
  return spec.autoscaler !== undefined;
}

export function buildHorizontalPodAutoscaler(
  owner: Owner,
  spec: LogServerSpec,
): Built<V2HorizontalPodAutoscaler, 'autoscaling/v2', 'HorizontalPodAutoscaler'> {
  const a = spec.autoscaler;
  if (!a) throw new Error('buildHorizontalPodAutoscaler: spec.autoscaler is not set');
  const metrics: V2MetricSpec[] = [];
  if (a.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCPUUtilizationPercentage } } });
  }
  if (a.metric) {
    metrics.push({ type: 'Pods', pods: { metric: { name: a.metric.name }, target: { type: 'AverageValue', averageValue: String(a.metric.averageValue) } } });
  }
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(owner, childNames.workload(owner)),
    spec: {
      scaleTargetRef: { apiVersion: API_VERSION, kind: KIND, name: owner.name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics,
    },
  };
}
