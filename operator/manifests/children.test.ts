import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CHILD_KINDS, desiredState } from './children.js';
import { owner, specOf, validateUpstream } from './fixtures.js';
import { validSpec } from '../../test/operator/spec-arbitrary.js';
import { validateSpec } from '../api/validate.js';

test('default spec: SA, ConfigMap, Service, Deployment, NetworkPolicy; headless Service, StatefulSet, PDB, HPA and ServiceMonitor unwanted', () => {
  const d = desiredState(owner, specOf({}));
  assert.deepEqual(d.apply.map((c) => c.object.kind), ['ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'NetworkPolicy']);
  assert.deepEqual(d.unwanted.map((u) => u.ref.kind), ['Service', 'StatefulSet', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ServiceMonitor']);
  assert.deepEqual(d.unwanted.map((u) => u.ref.name), ['demo-headless', 'demo', 'demo', 'demo', 'demo']);
  assert.equal(d.endpoint, 'tcp://demo.logs.svc:5555');
});

test('every optional child when the spec asks for it', () => {
  const d = desiredState(owner, specOf({
    replicas: 2,
    storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi' } },
    monitoring: { serviceMonitor: { enabled: true } },
    resources: { requests: { cpu: '100m' } },
    autoscaler: { maxReplicas: 4, targetCPUUtilizationPercentage: 60 },
  }));
  assert.deepEqual(d.apply.map((c) => `${c.object.kind}/${c.object.metadata.name}`), [
    'ServiceAccount/demo', 'ConfigMap/demo-config', 'Service/demo', 'Service/demo-headless', 'StatefulSet/demo', 'PodDisruptionBudget/demo',
    'HorizontalPodAutoscaler/demo', 'NetworkPolicy/demo', 'ServiceMonitor/demo',
  ]);
  // Per-replica claims replace the Deployment, which is pruned if it exists (switching storage type).
  assert.deepEqual(d.unwanted.map((u) => `${u.ref.kind}/${u.ref.name}`), ['Deployment/demo']);
  // The NetworkPolicy is opt-out: turned off, it is pruned.
  const off = desiredState(owner, specOf({ security: { networkPolicy: { enabled: false } } }));
  assert.ok(off.unwanted.some((u) => u.ref.kind === 'NetworkPolicy' && u.ref.name === 'demo'));
});

test('table entries are consistent: unique kind and name, names and builders agree, one workload per spec, prunable kinds may delete', () => {
  assert.equal(new Set(CHILD_KINDS.map((k) => `${k.kind}/${k.name(owner)}`)).size, CHILD_KINDS.length);
  for (const spec of [specOf({}), specOf({ storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi' } } })]) {
    assert.equal(desiredState(owner, spec).apply.filter((c) => c.kind.workload).length, 1, 'exactly one wanted kind reports the rollout');
  }
  const full = specOf({
    replicas: 2,
    storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi' } },
    monitoring: { serviceMonitor: { enabled: true } },
    resources: { requests: { cpu: '100m' } },
    autoscaler: { maxReplicas: 4, targetCPUUtilizationPercentage: 60 },
  });
  const d = desiredState(owner, full);
  const both = [...d.apply, ...desiredState(owner, specOf({})).apply.filter((c) => c.kind.kind === 'Deployment')];
  assert.equal(both.length, CHILD_KINDS.length, 'the fixture specs want every kind between them');
  for (const { kind, object } of both) {
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
