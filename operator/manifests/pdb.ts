// PodDisruptionBudget: with one replica a PDB would block node drains forever, so it exists only above one.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { LogServerSpec } from '../api/types.js';
import { childMeta, childNames, selectorLabels, type Built, type Owner } from './common.js';

export function wantsPodDisruptionBudget(spec: LogServerSpec): boolean {
  return spec.podDisruptionBudget.enabled && spec.replicas > 1;
}

export function buildPodDisruptionBudget(
  owner: Owner,
  spec: LogServerSpec,
): Built<V1PodDisruptionBudget, 'policy/v1', 'PodDisruptionBudget'> {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(owner, childNames.workload(owner)),
    spec: { maxUnavailable: spec.podDisruptionBudget.maxUnavailable, selector: { matchLabels: selectorLabels(owner) } },
  };
}
