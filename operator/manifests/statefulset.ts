// The collectors with persistent storage: a StatefulSet in which every replica owns a claim (volumeClaimTemplates)
// and a stable name (<name>-<ordinal>, resolvable through the headless Service). Pods start and stop in parallel
// (collectors do not depend on each other's order); a rolling update replaces one pod at a time, each draining
// through its preStop hook first; the claims outlive the pods and, by default, scale-downs and the LogServer
// itself (persistentVolumeClaimRetentionPolicy, https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/).
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { LogServerSpec } from '../api/types.js';
import { collectorPodTemplate } from './deployment.js';
import { childMeta, childNames, selectorLabels, type Built, type Owner } from './common.js';

/** The volumeClaimTemplate's name; the StatefulSet controller names each claim <this>-<pod name>. */
export const CLAIM_TEMPLATE = 'data';

export function wantsStatefulSet(spec: LogServerSpec): boolean {
  return spec.storage.type === 'persistentVolumeClaim';
}

/** Claim name of replica `ordinal` (what the StatefulSet controller creates). */
export function claimName(owner: Owner, ordinal: number): string {
  return `${CLAIM_TEMPLATE}-${childNames.workload(owner)}-${ordinal}`;
}

export function buildStatefulSet(owner: Owner, spec: LogServerSpec, configHash: string, secretHash?: string): Built<V1StatefulSet, 'apps/v1', 'StatefulSet'> {
  const claim = spec.storage.persistentVolumeClaim;
  if (!claim) throw new Error('buildStatefulSet: storage.persistentVolumeClaim is not set');
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(owner, childNames.workload(owner)),
    spec: {
      replicas: spec.replicas,
      serviceName: childNames.headless(owner),
      selector: { matchLabels: selectorLabels(owner) },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenScaled: claim.retentionPolicy.whenScaled, whenDeleted: claim.retentionPolicy.whenDeleted },
      template: collectorPodTemplate(owner, spec, configHash, secretHash),
      volumeClaimTemplates: [
        {
          metadata: { name: CLAIM_TEMPLATE, labels: selectorLabels(owner) },
          spec: {
            accessModes: claim.accessModes && claim.accessModes.length > 0 ? [...claim.accessModes] : ['ReadWriteOnce'],
            resources: { requests: { storage: String(claim.size) } },
            ...(claim.storageClassName !== undefined ? { storageClassName: claim.storageClassName } : {}),
          },
        },
      ],
    },
  };
}

/** status.storage: where the files are and what becomes of them, in one sentence. */
export function describeStorage(owner: Owner, spec: LogServerSpec): string {
  const claim = spec.storage.persistentVolumeClaim;
  if (!wantsStatefulSet(spec) || !claim) return 'emptyDir: each pod\'s files are lost with the pod';
  const n = spec.replicas;
  const names = n === 0 ? 'none while scaled to zero' : n === 1 ? claimName(owner, 0) : `${claimName(owner, 0)} .. ${claimName(owner, n - 1)}`;
  const fate = (p: 'Retain' | 'Delete') => (p === 'Retain' ? 'kept' : 'deleted');
  return (
    `each replica owns a claim (${names}); claims are ${fate(claim.retentionPolicy.whenScaled)} on scale-down (whenScaled: ${claim.retentionPolicy.whenScaled}) ` +
    `and ${fate(claim.retentionPolicy.whenDeleted)} when the LogServer is deleted (whenDeleted: ${claim.retentionPolicy.whenDeleted})`
  );
}
