import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { desiredState } from './index.js';
import { owner, specOf, validateUpstream } from './fixtures.js';
import { validSpec } from '../../test/operator/spec-arbitrary.js';
import { validateSpec } from '../api/validate.js';

test('default spec: SA, ConfigMap, Service, Deployment; PVC, PDB and ServiceMonitor unwanted', () => {
  const d = desiredState(owner, specOf({}));
  assert.deepEqual(d.apply.map((o) => o.kind), ['ServiceAccount', 'ConfigMap', 'Service', 'Deployment']);
  assert.deepEqual(d.unwanted.map((o) => o.kind), ['PersistentVolumeClaim', 'PodDisruptionBudget', 'ServiceMonitor']);
  assert.equal(d.serviceMonitor, undefined);
  assert.equal(d.endpoint, 'tcp://demo.logs.svc:5555');
});

test('every optional child when the spec asks for it', () => {
  const d = desiredState(owner, specOf({
    replicas: 2,
    storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi', accessModes: ['ReadWriteMany'] } },
    monitoring: { serviceMonitor: { enabled: true } },
  }));
  assert.deepEqual(d.apply.map((o) => o.kind), ['ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim', 'Service', 'Deployment', 'PodDisruptionBudget']);
  assert.equal(d.serviceMonitor?.kind, 'ServiceMonitor');
  assert.deepEqual(d.unwanted, []);
});

test('property: every valid spec yields children that validate against the upstream schemas', () => {
  fc.assert(
    fc.property(validSpec, (raw) => {
      const r = validateSpec(raw);
      assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
      const d = desiredState(owner, r.spec);
      for (const o of [...d.apply, ...(d.serviceMonitor ? [d.serviceMonitor] : [])]) {
        validateUpstream(o);
        assert.equal(o.metadata.ownerReferences[0].uid, owner.uid);
      }
    }),
    { numRuns: 150 },
  );
});
