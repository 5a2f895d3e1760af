// Shared by the builder unit tests (never imported by the operator): a LogServer identity, a defaulted spec,
// and validation against the upstream schemas (kubernetes-models, a dev dependency).
import { validateSpec } from '../api/validate.js';
import type { LogServerSpec } from '../api/types.js';
import type { Owner } from './common.js';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

export const owner: Owner = { name: 'demo', namespace: 'logs', uid: '7f1c7a5e-2d7b-4f39-9a57-2b0c8f3f1a11' };

export function specOf(raw: unknown = {}): LogServerSpec {
  const r = validateSpec(raw);
  if (!r.ok) throw new Error(`fixture spec invalid: ${JSON.stringify(r.errors)}`);
  return r.spec;
}

type UpstreamModel = new (data: never) => { validate(): void };
const upstream: Record<string, UpstreamModel> = {
  ServiceAccount: ServiceAccount as unknown as UpstreamModel,
  ConfigMap: ConfigMap as unknown as UpstreamModel,
  PersistentVolumeClaim: PersistentVolumeClaim as unknown as UpstreamModel,
  Service: Service as unknown as UpstreamModel,
  Deployment: Deployment as unknown as UpstreamModel,
  PodDisruptionBudget: PodDisruptionBudget as unknown as UpstreamModel,
  ServiceMonitor: ServiceMonitor as unknown as UpstreamModel,
};

/** Throws (with ajv's errors) when a built child does not validate against its upstream OpenAPI schema. */
export function validateUpstream(obj: { kind: string }): void {
  const Model = upstream[obj.kind];
  if (!Model) throw new Error(`no upstream model for ${obj.kind}`);
  // The JSON round trip is what the API server receives; the client types differ from the models' types.
  new Model(JSON.parse(JSON.stringify(obj)) as never).validate();
}
