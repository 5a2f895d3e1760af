// The one table of child kinds: everything the operator knows about a kind of object it creates for a
// LogServer. The informers, the prune list, the RBAC rules (operator/rbac/rules.ts, and from there the
// generated ClusterRole and the chart's rbac.yaml), the optional-API discovery and the upstream-schema test
// fixtures are all derived from CHILD_KINDS. A new child is one entry here (plus its builder file), nothing
// else; the design follows the list-of-factories shape of the OpenTelemetry operator's manifest builder.
import type { LogServerSpec } from '../api/types.js';
import type { ChildMeta, Owner } from './common.js';
import { childNames } from './common.js';
import { buildConfigMap, renderConfig } from './configmap.js';
import { buildDeployment } from './deployment.js';
import { buildHorizontalPodAutoscaler, wantsHorizontalPodAutoscaler } from './hpa.js';
import { buildNetworkPolicy, wantsNetworkPolicy } from './networkpolicy.js';
import { buildPodDisruptionBudget, wantsPodDisruptionBudget } from './pdb.js';
import { buildHeadlessService, buildService, clientEndpoint } from './service.js';
import { buildServiceAccount } from './serviceaccount.js';
import { SERVICE_MONITOR_API_VERSION, buildServiceMonitor } from './servicemonitor.js';
import { buildStatefulSet, wantsStatefulSet } from './statefulset.js';

export interface ChildObject {
  apiVersion: string;
  kind: string;
  metadata: ChildMeta;
}

/** A child identified without its content, for deletion. */
export interface ChildRef {
  apiVersion: string;
  kind: string;
  plural: string;
  namespace: string;
  name: string;
}

/** What every builder gets: the owner, the validated and defaulted spec, and values computed once. */
export interface BuildContext {
  owner: Owner;
  spec: LogServerSpec;
  /** sha256 prefix of the rendered collector config; the pod template carries it so a change rolls pods. */
  configHash: string;
  /** Digest of the Secret items the pods read at start (secret-hash.ts), read by the reconciler. */
  secretHash?: string;
  /** The operator's own namespace (its POD_NAMESPACE): the NetworkPolicy lets it ask the pods' metrics port. */
  operatorNamespace?: string;
}

/** RBAC verbs (rbac.authorization.k8s.io/v1 PolicyRule.verbs). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** What a workload child reports, read from the object the server-side apply returns. */
export interface WorkloadView {
  generation?: number;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export interface ChildKind {
  apiVersion: string;
  kind: string;
  /** Resource name in the API path (no discovery round trip needed). */
  plural: string;
  /**
   * Verbs the operator needs. Informer (list, watch), read before first write (get), server-side apply
   * (create, patch); delete only for kinds the operator prunes when the spec stops wanting them.
   */
  verbs: readonly Verb[];
  /**
   * Served only while some CRD is installed (the ServiceMonitor of prometheus-operator): discovered at run
   * time, watched only while served, and reported through the `<Kind>Ready` condition instead of failing.
   */
  optional: boolean;
  /**
   * Apply wave: all children of one wave are applied concurrently, waves in ascending order. The workload
   * goes last so what its pods mount and run as exists before the first pod is created.
   */
  wave: number;
  /** Upstream model that validates a built object in unit tests: kubernetes-models module and export name. */
  model: { module: string; export: string };
  name(owner: Owner): string;
  wants(spec: LogServerSpec): boolean;
  build(ctx: BuildContext): ChildObject;
  /** Set on the kind that runs the pods: how far its rollout is, from the applied object. */
  workload?(applied: ChildObject): WorkloadView;
}

const READ_AND_APPLY: readonly Verb[] = ['get', 'list', 'watch', 'create', 'patch'];
const READ_APPLY_AND_PRUNE: readonly Verb[] = [...READ_AND_APPLY, 'delete'];
const always = () => true;

/** Deployment and StatefulSet report a rollout in the same status fields. */
function workloadView(applied: ChildObject): WorkloadView {
  const d = applied as ChildObject & { metadata: { generation?: number }; status?: WorkloadView['status'] };
  return { generation: d.metadata.generation, status: d.status };
}

/** Every kind the operator creates. Order is the order of the lists derived from it (RBAC rules, docs). */
export const CHILD_KINDS: readonly ChildKind[] = [
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    verbs: READ_AND_APPLY,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/v1', export: 'ServiceAccount' },
    name: childNames.workload,
    wants: always,
    build: ({ owner }) => buildServiceAccount(owner),
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    verbs: READ_AND_APPLY,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/v1', export: 'ConfigMap' },
    name: childNames.configMap,
    wants: always,
    build: ({ owner, spec }) => buildConfigMap(owner, spec).object,
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    plural: 'services',
    verbs: READ_AND_APPLY,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/v1', export: 'Service' },
    name: childNames.workload,
    wants: always,
    build: ({ owner, spec }) => buildService(owner, spec),
  },
  {
    // Per-replica storage: the headless Service that governs the StatefulSet (a pod DNS name per replica).
    apiVersion: 'v1',
    kind: 'Service',
    plural: 'services',
    verbs: READ_APPLY_AND_PRUNE,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/v1', export: 'Service' },
    name: childNames.headless,
    wants: wantsStatefulSet,
    build: ({ owner, spec }) => buildHeadlessService(owner, spec),
  },
  {
    // emptyDir storage: nothing per pod to keep, so a Deployment, whose surge rollout keeps every replica serving.
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    plural: 'deployments',
    verbs: READ_APPLY_AND_PRUNE,
    optional: false,
    wave: 1,
    model: { module: 'kubernetes-models/apps/v1', export: 'Deployment' },
    name: childNames.workload,
    wants: (spec) => !wantsStatefulSet(spec),
    build: ({ owner, spec, configHash, secretHash }) => buildDeployment(owner, spec, configHash, secretHash),
    workload: workloadView,
  },
  {
    // persistentVolumeClaim storage: every replica owns a claim and a stable name. The claims themselves are the
    // StatefulSet controller's (created from volumeClaimTemplates, kept or deleted by its retention policy): the
    // operator never creates or deletes one.
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    verbs: READ_APPLY_AND_PRUNE,
    optional: false,
    wave: 1,
    model: { module: 'kubernetes-models/apps/v1', export: 'StatefulSet' },
    name: childNames.workload,
    wants: wantsStatefulSet,
    build: ({ owner, spec, configHash, secretHash }) => buildStatefulSet(owner, spec, configHash, secretHash),
    workload: workloadView,
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    verbs: READ_APPLY_AND_PRUNE,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/policy/v1', export: 'PodDisruptionBudget' },
    name: childNames.workload,
    wants: wantsPodDisruptionBudget,
    build: ({ owner, spec }) => buildPodDisruptionBudget(owner, spec),
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    verbs: READ_APPLY_AND_PRUNE,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/autoscaling/v2', export: 'HorizontalPodAutoscaler' },
    name: childNames.workload,
    wants: wantsHorizontalPodAutoscaler,
    build: ({ owner, spec }) => buildHorizontalPodAutoscaler(owner, spec),
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    verbs: READ_APPLY_AND_PRUNE,
    optional: false,
    wave: 0,
    model: { module: 'kubernetes-models/networking.k8s.io/v1', export: 'NetworkPolicy' },
    name: childNames.workload,
    wants: wantsNetworkPolicy,
    build: ({ owner, spec, operatorNamespace }) => buildNetworkPolicy(owner, spec, operatorNamespace),
  },
  {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: 'ServiceMonitor',
    plural: 'servicemonitors',
    verbs: READ_APPLY_AND_PRUNE,
    optional: true,
    wave: 0,
    model: { module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1', export: 'ServiceMonitor' },
    name: childNames.workload,
    wants: (spec) => spec.monitoring.serviceMonitor.enabled,
    build: ({ owner, spec }) => buildServiceMonitor(owner, spec),
  },
];

/** The condition through which an optional kind reports itself (`ServiceMonitorReady`). */
export function optionalCondition(kind: ChildKind): string {
  return `${kind.kind}Ready`;
}

export function childRef(kind: ChildKind, owner: Owner): ChildRef {
  return { apiVersion: kind.apiVersion, kind: kind.kind, plural: kind.plural, namespace: owner.namespace, name: kind.name(owner) };
}

export interface DesiredChild {
  kind: ChildKind;
  object: ChildObject;
}

export interface DesiredState {
  /** Every child the spec wants, optional kinds included (the reconciler skips those whose API is absent). */
  apply: DesiredChild[];
  /** Children the spec does not want: deleted if they exist and this LogServer owns them. */
  unwanted: Array<{ kind: ChildKind; ref: ChildRef }>;
  configHash: string;
  endpoint: string;
}

/** What the reconciler read outside the spec that the children depend on. */
export interface Observed {
  secretHash?: string;
  operatorNamespace?: string;
}

/** The whole desired state of one LogServer. Pure. */
export function desiredState(owner: Owner, spec: LogServerSpec, kinds: readonly ChildKind[] = CHILD_KINDS, observed: Observed = {}): DesiredState {
  const ctx: BuildContext = { owner, spec, configHash: renderConfig(spec).configHash, secretHash: observed.secretHash, operatorNamespace: observed.operatorNamespace };
  const apply: DesiredChild[] = [];
  const unwanted: DesiredState['unwanted'] = [];
  for (const kind of kinds) {
    if (kind.wants(spec)) apply.push({ kind, object: kind.build(ctx) });
    else unwanted.push({ kind, ref: childRef(kind, owner) });
  }
  return { apply, unwanted, configHash: ctx.configHash, endpoint: clientEndpoint(owner, spec) };
}

/** The desired object of one kind, if wanted (tests and tools). */
export function desiredObject(d: DesiredState, kind: string): ChildObject | undefined {
  return d.apply.find((c) => c.kind.kind === kind)?.object;
}
