// Storage for the real node: a default StorageClass and pre-created local PersistentVolumes, one directory each
// under the cluster's directory. This is static provisioning as Kubernetes documents it for local volumes
// (StorageClass provisioner `kubernetes.io/no-provisioner`, `volumeBindingMode: WaitForFirstConsumer`, PVs of
// type `local` with node affinity; https://kubernetes.io/docs/concepts/storage/volumes/#local), which is what
// the sig-storage local static provisioner automates: the scheduler picks a free volume when it places a pod,
// the PV controller binds the claim, and the kubelet applies the pod's fsGroup to the directory (the `local`
// plugin manages ownership; `hostPath` would not). Capacity is declared, not enforced: every directory shares
// the cluster directory's filesystem, as with kind's local-path provisioner.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const STORAGE_CLASS = 'local';
/** Volumes made at start: enough for every journey's claims (each StatefulSet replica takes one, and keeps it). */
export const LOCAL_VOLUMES = 24;
/** Declared size of each volume: at least what examples/logserver.yaml asks for. */
export const LOCAL_VOLUME_CAPACITY = '64Gi';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * The StorageClass (marked the cluster default) and `count` local PVs on `nodeName`, their directories made under
 * `dir` (`<dir>/pv-NN`). Reclaim policy Retain: a released volume keeps its data and is not reused, as claims
 * are kept unless a user deletes them.
 */
export function localStorage(nodeName: string, dir: string, count = LOCAL_VOLUMES): Obj[] {
  const out: Obj[] = [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    },
  ];
  for (let i = 0; i < count; i++) {
    const name = `${nodeName}-pv-${String(i).padStart(2, '0')}`;
    const path = join(dir, `pv-${String(i).padStart(2, '0')}`);
    mkdirSync(path, { recursive: true, mode: 0o755 });
    out.push({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, labels: { 'zlog.dev/local-volume': 'true' } },
      spec: {
        capacity: { storage: LOCAL_VOLUME_CAPACITY },
        volumeMode: 'Filesystem',
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: STORAGE_CLASS,
        local: { path },
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] },
        },
      },
    });
  }
  return out;
}
