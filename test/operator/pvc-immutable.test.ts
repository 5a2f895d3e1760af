// The CRD's transition rule on spec.storage, against a real API server: once a LogServer runs on claims, the
// claim template (size, storageClassName, accessModes) is refused at apply time, naming the field, while the
// retention policy, an unused block and a switch of storage.type stay allowed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useCluster } from '../cluster/harness.js';
import { repoRoot } from '../cluster/bins.js';
import { join } from 'node:path';
import { getJson, logServer, type Obj } from './env.js';

const NS = 'claims';

const claims = (pvc: Obj): Obj => ({ storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: pvc } });

test('storage.persistentVolumeClaim is immutable on an existing LogServer (CRD transition rule)', { timeout: 300_000 }, async (t) => {
  const c = await useCluster(t, { name: 'pvc-immutable' });
  await c.kubectlOk(['apply', '-f', join(repoRoot(), 'crds/logging.zlog.dev_logservers.yaml')]);
  await c.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/logservers.logging.zlog.dev'], { timeoutMs: 70_000 });
  await c.createNamespace(NS);
  const apply = (name: string, spec: Obj) => c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(logServer(name, NS, spec)) });

  const base = { size: '10Gi', storageClassName: 'fast', accessModes: ['ReadWriteOnce'] };
  assert.equal((await apply('a', claims(base))).code, 0, 'created with claims');

  const refused: Array<[string, Obj]> = [
    ['size', { ...base, size: '20Gi' }],
    ['storageClassName changed', { ...base, storageClassName: 'slow' }],
    ['storageClassName removed', { size: base.size, accessModes: base.accessModes }],
    ['accessModes', { ...base, accessModes: ['ReadWriteMany'] }],
  ];
  for (const [what, pvc] of refused) {
    const r = await apply('a', claims(pvc));
    assert.notEqual(r.code, 0, `${what}: accepted`);
    assert.match(r.stderr, /spec\.storage\.persistentVolumeClaim: Invalid value: .*size, storageClassName and accessModes cannot change/, what);
  }
  const stored = await getJson(c, ['get', 'zls', 'a', '-n', NS]);
  assert.deepEqual(stored.spec.storage.persistentVolumeClaim.size, '10Gi', 'the refused changes left the object as it was');

  // The StatefulSet's retention policy is mutable, so the LogServer's is too.
  const r1 = await apply('a', claims({ ...base, retentionPolicy: { whenScaled: 'Delete' } }));
  assert.equal(r1.code, 0, r1.stderr);
  // Switching to emptyDir replaces the workload: allowed, and so is changing the block while it is unused.
  const r2 = await apply('a', { storage: { type: 'emptyDir', persistentVolumeClaim: { ...base, size: '30Gi' } } });
  assert.equal(r2.code, 0, r2.stderr);
  // A LogServer that never ran on claims may take any claim template.
  assert.equal((await apply('b', {})).code, 0);
  const r3 = await apply('b', claims({ size: '5Gi' }));
  assert.equal(r3.code, 0, r3.stderr);
});
