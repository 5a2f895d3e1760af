// The whole desired state of one LogServer: every child object to apply, and the kinds that must not exist.
import type { LogServerSpec } from '../api/types.js';
import type { ChildMeta, Owner } from './common.js';
import { childNames } from './common.js';
import { buildConfigMap } from './configmap.js';
import { buildDeployment } from './deployment.js';
import { buildPodDisruptionBudget, wantsPodDisruptionBudget } from './pdb.js';
import { buildPersistentVolumeClaim, wantsPersistentVolumeClaim } from './pvc.js';
import { buildService, clientEndpoint } from './service.js';
import { buildServiceAccount } from './serviceaccount.js';
import { SERVICE_MONITOR_API_VERSION, buildServiceMonitor } from './servicemonitor.js';

export interface ChildObject {
  apiVersion: string;
  kind: string;
  metadata: ChildMeta;
}

/** A child identified without its content, for deletion. */
export interface ChildRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Every kind the operator creates, in apply order (what a pod mounts exists before the Deployment). */
export const CHILD_KINDS = [
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  { apiVersion: SERVICE_MONITOR_API_VERSION, kind: 'ServiceMonitor', plural: 'servicemonitors' },
] as const;

export interface DesiredState {
  apply: ChildObject[];
  /** Optional children the spec does not want (deleted if they exist). */
  unwanted: ChildRef[];
  /** Set when the spec wants a ServiceMonitor: applied only while its CRD is installed. */
  serviceMonitor?: ChildObject;
  configHash: string;
  endpoint: string;
}

export function desiredState(owner: Owner, spec: LogServerSpec): DesiredState {
  const { object: configMap, configHash } = buildConfigMap(owner, spec);
  const apply: ChildObject[] = [buildServiceAccount(owner), configMap];
  const unwanted: ChildRef[] = [];
  const ref = (apiVersion: string, kind: string, name: string): ChildRef => ({ apiVersion, kind, namespace: owner.namespace, name });
  if (wantsPersistentVolumeClaim(spec)) apply.push(buildPersistentVolumeClaim(owner, spec));
  else unwanted.push(ref('v1', 'PersistentVolumeClaim', childNames.pvc(owner)));
  apply.push(buildService(owner, spec), buildDeployment(owner, spec, configHash));
  if (wantsPodDisruptionBudget(spec)) apply.push(buildPodDisruptionBudget(owner, spec));
  else unwanted.push(ref('policy/v1', 'PodDisruptionBudget', childNames.workload(owner)));
  let serviceMonitor: ChildObject | undefined;
  if (spec.monitoring.serviceMonitor.enabled) serviceMonitor = buildServiceMonitor(owner, spec);
  else unwanted.push(ref(SERVICE_MONITOR_API_VERSION, 'ServiceMonitor', childNames.workload(owner)));
  return { apply, unwanted, serviceMonitor, configHash, endpoint: clientEndpoint(owner, spec) };
}
