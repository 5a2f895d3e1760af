// The operator's permissions, two lists: cluster-wide rules (operator/generate.ts renders them into
// operator/rbac/clusterrole.yaml and the chart's templates/rbac.yaml) and the leader-election Lease, which the
// operator only ever touches in its own namespace (operator/rbac/leader-election-role.yaml, a namespaced Role).
// The child-kind rules come from the table of child kinds, so a new child kind brings its permissions along.
import { GROUP, PLURAL } from '../api/schema.js';
import { CHILD_KINDS, type ChildKind, type Verb } from '../manifests/children.js';

/** Verbs in the order rules list them (the order of ChildKind.verbs). */
const ALL_VERBS: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> the core group ""). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * One rule per (group, verbs) pair, in table order: kinds that need the same verbs share a rule. A resource
 * listed by several kinds (the client and the headless Service) gets the union of their verbs, once.
 */
export function childRules(kinds: readonly ChildKind[]): PolicyRule[] {
  const verbsOf = new Map<string, { group: string; plural: string; verbs: Set<string> }>();
  for (const k of kinds) {
    const group = groupOf(k.apiVersion);
    const key = `${group}/${k.plural}`;
    const entry = verbsOf.get(key) ?? { group, plural: k.plural, verbs: new Set<string>() };
    for (const v of k.verbs) entry.verbs.add(v);
    verbsOf.set(key, entry);
  }
  const out: PolicyRule[] = [];
  for (const { group, plural, verbs: set } of verbsOf.values()) {
    const verbs = ALL_VERBS.filter((v) => set.has(v));
    const same = out.find((r) => r.apiGroups[0] === group && r.verbs.join() === verbs.join());
    if (same) same.resources.push(plural);
    else out.push({ apiGroups: [group], resources: [plural], verbs });
  }
  return out;
}

export const operatorRules: readonly PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'patch'] },
  // OwnerReferencesPermissionEnforcement: blockOwnerDeletion needs update on the owner's finalizers.
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  ...childRules(CHILD_KINDS),
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  // The Secrets a LogServer names (CURVE keys, sink credentials): get, to hash their content onto the pod template
  // so new content rolls the pods (manifests/secret-hash.ts); list and watch with metadata only (identity and
  // resourceVersion, nothing else kept), to requeue the LogServers that read a Secret when it changes.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  // Read-only: the LogServers' pods are watched to say which are not ready and why (controller/pod-health.ts).
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
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
