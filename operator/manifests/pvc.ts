// The claim behind the file sinks when storage.type is persistentVolumeClaim.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { LogServerSpec } from '../api/types.js';
import { childMeta, childNames, type Built, type Owner } from './common.js';

export function wantsPersistentVolumeClaim(spec: LogServerSpec): boolean {
  return spec.storage.type === 'persistentVolumeClaim';
}

export function buildPersistentVolumeClaim(
  owner: Owner,
  spec: LogServerSpec,
): Built<V1PersistentVolumeClaim, 'v1', 'PersistentVolumeClaim'> {
  const claim = spec.storage.persistentVolumeClaim;
  if (!claim) throw new Error('buildPersistentVolumeClaim: storage.persistentVolumeClaim is not set');
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: childMeta(owner, childNames.pvc(owner)),
    spec: {
      accessModes: claim.accessModes && claim.accessModes.length > 0 ? [...claim.accessModes] : ['ReadWriteOnce'],
      resources: { requests: { storage: String(claim.size) } },
      ...(claim.storageClassName !== undefined ? { storageClassName: claim.storageClassName } : {}),
    },
  };
}
