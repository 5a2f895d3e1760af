// What every child object shares: names, labels, the owner reference, the field manager.
import { API_VERSION, KIND } from '../api/schema.js';

/** The LogServer a child belongs to. */
export interface Owner {
  name: string;
  namespace: string;
  uid: string;
}

export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }>;
}

export const FIELD_MANAGER = 'zlog-operator';
export const MANAGED_BY = 'zlog-operator';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const CONFIG_HASH_ANNOTATION = 'logging.zlog.dev/config-hash';
export const METRICS_PORT_NAME = 'metrics';
/** On the headless Service only (the ServiceMonitor selects Services without it). */
export const HEADLESS_LABEL = 'logging.zlog.dev/headless';

/** Labels that select the pods of one LogServer (immutable in a Deployment: never add to these). */
export function selectorLabels(owner: Owner): Record<string, string> {
  return { 'app.kubernetes.io/name': 'zlog', [INSTANCE_LABEL]: owner.name };
}

export function selectorString(owner: Owner): string {
  return Object.entries(selectorLabels(owner)).map(([k, v]) => `${k}=${v}`).join(',');
}

/** Labels on every child; the operator's informers watch only objects carrying managed-by. */
export function commonLabels(owner: Owner): Record<string, string> {
  return {
    ...selectorLabels(owner),
    'app.kubernetes.io/component': 'collector',
    'app.kubernetes.io/part-of': 'zlog',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

export function childMeta(owner: Owner, name: string, extraLabels?: Record<string, string>): ChildMeta {
  return {
    name,
    namespace: owner.namespace,
    labels: { ...extraLabels, ...commonLabels(owner) },
    ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
  };
}

export const childNames = {
  configMap: (o: Owner) => `${o.name}-config`,
  headless: (o: Owner) => `${o.name}-headless`,
  workload: (o: Owner) => o.name,
};

/** A built child: the upstream type with its identity fields required and typed. */
export type Built<T, A extends string, K extends string> = Omit<T, 'apiVersion' | 'kind' | 'metadata'> & {
  apiVersion: A;
  kind: K;
  metadata: ChildMeta;
};
