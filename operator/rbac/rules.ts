// The operator's permissions, one list: generate.ts renders it into operator/rbac/clusterrole.yaml (which the
// chart copies), and the control-plane tests bind exactly this role to the ServiceAccount they impersonate.
import { GROUP, PLURAL } from '../../crds/logserver.schema.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

// Children are written with server-side apply (patch; create when the object is new). delete only where
// the operator prunes: a ServiceMonitor turned off, a PDB no longer wanted, a claim no longer used.
const apply = ['get', 'list', 'watch', 'create', 'patch'];
const applyAndPrune = [...apply, 'delete'];

export const operatorRules: readonly PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'patch'] },
  // OwnerReferencesPermissionEnforcement: blockOwnerDeletion needs update on the owner's finalizers.
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  { apiGroups: [''], resources: ['configmaps', 'services', 'serviceaccounts'], verbs: apply },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: applyAndPrune },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: apply },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: applyAndPrune },
  { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: applyAndPrune },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

export const CLUSTER_ROLE_NAME = 'zlog-operator';

export function buildClusterRole(): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: CLUSTER_ROLE_NAME, labels: { 'app.kubernetes.io/name': 'zlog-operator', 'app.kubernetes.io/part-of': 'zlog' } },
    rules: operatorRules.map((r) => ({ ...r })),
  };
}
