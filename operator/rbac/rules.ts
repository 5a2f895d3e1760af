// The operator's permissions, two lists: cluster-wide rules (generate.ts renders them into
// operator/rbac/clusterrole.yaml) and the leader-election Lease, which the operator only ever touches in its own
// namespace (operator/rbac/leader-election-role.yaml, a namespaced Role). The chart and the control-plane tests
// grant exactly these to the operator's ServiceAccount.
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
  // Read-only, only while a LogServer is not Ready: which of its pods are not ready (controller/pod-health.ts).
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
];

/** Granted by a Role in the operator's own namespace (--leader-election-namespace), not cluster-wide. */
export const leaderElectionRules: readonly PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

export const LEADER_ELECTION_ROLE_NAME = 'zlog-operator-leader-election';
export const CLUSTER_ROLE_NAME = 'zlog-operator';

function role(kind: 'Role' | 'ClusterRole', name: string, rules: readonly PolicyRule[]): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, labels: { 'app.kubernetes.io/name': 'zlog-operator', 'app.kubernetes.io/part-of': 'zlog' } },
    rules: rules.map((r) => ({ ...r })),
  };
}

/** The Role without a namespace: it is applied into the operator's namespace (`kubectl apply -n NS`). */
export function buildLeaderElectionRole(): Record<string, unknown> {
  return role('Role', LEADER_ELECTION_ROLE_NAME, leaderElectionRules);
}

export function buildClusterRole(): Record<string, unknown> {
  return role('ClusterRole', CLUSTER_ROLE_NAME, operatorRules);
}
