// The collector's own identity: it calls no Kubernetes API, so no token is mounted.
import type { V1ServiceAccount } from '@kubernetes/client-node';
import { childMeta, childNames, type Built, type Owner } from './common.js';

export function buildServiceAccount(owner: Owner): Built<V1ServiceAccount, 'v1', 'ServiceAccount'> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: childMeta(owner, childNames.workload(owner)), automountServiceAccountToken: false };
}
