import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CHILD_KINDS, desiredState } from './children.js';
import { owner, specOf, validateUpstream } from './fixtures.js';
import { validSpec } from '../../test/operator/spec-arbitrary.js';
import { validateSpec } from '../api/validate.js';

test('default spec: SA, ConfigMap, Service, Deployment, NetworkPolicy; PVC, PDB, HPA and ServiceMonitor unwanted', () => {
  const d = desiredState(owner, specOf({}));
  assert.deepEqual(d.apply.map((c) => c.object.kind), ['ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'NetworkPolicy']);
  assert.deepEqual(d.unwanted.map((u) => u.ref.kind), ['PersistentVolumeClaim', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ServiceMonitor']);
  assert.deepEqual(d.unwanted.map((u) => u.ref.name), ['demo-data', 'demo', 'demo', 'demo']);
  assert.equal(d.endpoint, 'tcp://demo.logs.svc:5555');
});

test('every optional child when the spec asks for it', () => {
  const d = desiredState(owner, specOf({
    replicas: 2,
    storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi', accessModes: ['ReadWriteMany'] } },
    monitoring: { serviceMonitor: { enabled: true } },
    resources: { requests: { cpu: '100m' } },
    autoscaler: { maxReplicas: 4, targetCPUUtilizationPercentage: 60 },
  }));
  assert.deepEqual(d.apply.map((c) => c.object.kind), [
    'ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim', 'Service', 'Deployment', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor',
  ]);
  assert.deepEqual(d.unwanted, []);
  // The NetworkPolicy is opt-out: turned off, it is pruned.
  const off = desiredState(owner, specOf({ security: { networkPolicy: { enabled: false } } }));
  assert.ok(off.unwanted.some((u) => u.ref.kind === 'NetworkPolicy' && u.ref.name === 'demo'));
});

test('table entries are consistent: unique kinds, names and builders agree, one workload, prunable kinds may delete', () => {
  assert.equal(new Set(CHILD_KINDS.map((k) => k.kind)).size, CHILD_KINDS.length);
  assert.equal(CHILD_KINDS.filter((k) => k.workload).length, 1, 'exactly one kind reports the rollout');
  const full = specOf({
    replicas: 2,
    storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi', accessModes: ['ReadWriteMany'] } },
    monitoring: { serviceMonitor: { enabled: true } },
    resources: { requests: { cpu: '100m' } },
    autoscaler: { maxReplicas: 4, targetCPUUtilizationPercentage: 60 },
  });
  const d = desiredState(owner, full);
  assert.equal(d.apply.length, CHILD_KINDS.length, 'the fixture spec wants every kind');
  for (const { kind, object } of d.apply) {
    assert.equal(object.kind, kind.kind);
    assert.equal(object.apiVersion, kind.apiVersion);
    assert.equal(object.metadata.name, kind.name(owner), `${kind.kind}: build() and name() disagree`);
    assert.equal(object.metadata.namespace, owner.namespace);
    for (const v of ['get', 'list', 'watch', 'create', 'patch'] as const) assert.ok(kind.verbs.includes(v), `${kind.kind} lacks ${v}`);
  }
  // A kind some valid spec does not want is pruned, so it needs delete.
  for (const u of desiredState(owner, specOf({})).unwanted) assert.ok(u.kind.verbs.includes('delete'), `${u.kind.kind} can be unwanted but lacks delete`);
});

test('property: every valid spec yields children that validate against the upstream schemas', () => {
  fc.assert(
    fc.property(validSpec, (raw) => {
      const r = validateSpec(raw);
      assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
      const d = desiredState(owner, r.spec);
      for (const { kind, object } of [...d.apply]) {
        validateUpstream(object);
        assert.equal(object.metadata.ownerReferences[0].uid, owner.uid);
        assert.equal(object.metadata.name, kind.name(owner));
      }
      for (const u of d.unwanted) assert.ok(u.kind.verbs.includes('delete'), `${u.kind.kind} can be unwanted but lacks delete`);
    }),
    { numRuns: 150 },
  );
});
