import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConditions, transitions, workloadConditions } from './status.js';

const byType = (cs: Array<{ type: string; status: string; reason: string }>) => Object.fromEntries(cs.map((c) => [c.type, `${c.status}/${c.reason}`]));

test('rolled-out Deployment: Ready, not progressing, not degraded', () => {
  const cs = workloadConditions(2, 3, { generation: 5, status: { observedGeneration: 5, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } });
  assert.deepEqual(byType(cs), { Ready: 'True/AllReplicasReady', Progressing: 'False/RolloutComplete', Degraded: 'False/AsExpected' });
  assert.ok(cs.every((c) => c.observedGeneration === 3));
});

test('rolling update in flight: old pods remain, or the controller has not seen the new generation', () => {
  const surge = workloadConditions(2, 1, { generation: 2, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 } });
  assert.deepEqual(byType(surge).Progressing, 'True/RollingUpdate');
  assert.deepEqual(byType(surge).Ready, 'False/ReplicasNotReady');
  const unobserved = workloadConditions(1, 1, { generation: 3, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } });
  assert.deepEqual(byType(unobserved).Progressing, 'True/RollingUpdate');
});

test('a fresh Deployment with no status is not ready; zero replicas is', () => {
  assert.equal(byType(workloadConditions(1, 1, { generation: 1 })).Ready, 'False/ReplicasNotReady');
  assert.equal(byType(workloadConditions(0, 1, { generation: 1, status: { observedGeneration: 1 } })).Ready, 'True/ScaledToZero');
});

test('progress deadline exceeded is Degraded', () => {
  const cs = workloadConditions(1, 1, {
    generation: 1,
    status: { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' }] },
  });
  assert.equal(byType(cs).Degraded, 'True/ProgressDeadlineExceeded');
});

test('lastTransitionTime moves only when status changes; transitions report status or reason changes', () => {
  const a = mergeConditions([], [{ type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: '0/1' }], 't1');
  const b = mergeConditions(a, [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'x' }], 't2');
  assert.equal(b[0].lastTransitionTime, 't1');
  const c = mergeConditions(b, [{ type: 'Ready', status: 'True', reason: 'AllReplicasReady', message: '1/1' }], 't3');
  assert.equal(c[0].lastTransitionTime, 't3');
  assert.deepEqual(transitions(a, b).map((t) => [t.reason, t.warning]), [['InvalidSpec', true]]);
  assert.deepEqual(transitions(b, c), [], 'no Event for a condition that says all is well');
  assert.deepEqual(transitions([], a).map((t) => [t.reason, t.warning]), [['ReplicasNotReady', true]], 'not ready outside a rollout is a warning');
  assert.deepEqual(transitions(c, mergeConditions(c, [{ type: 'Ready', status: 'True', reason: 'AllReplicasReady', message: '2/2' }], 't4')), []);
});

test('a created LogServer: one Event (the rollout), none once everything is well', () => {
  const creating = mergeConditions([], workloadConditions(2, 1, { generation: 1 }), 't1');
  assert.deepEqual(transitions([], creating).map((t) => `${t.type}=${t.status}/${t.reason}`), ['Progressing=True/RollingUpdate']);
  const done = mergeConditions(creating, workloadConditions(2, 1, { generation: 1, status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } }), 't2');
  assert.deepEqual(transitions(creating, done), []);
});

test('Ready=False messages say why, never contradicting the counts', () => {
  const surge = workloadConditions(2, 1, { generation: 2, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 } });
  assert.match(surge[0].message, /^rolling out: 2\/2 ready, 1 updated, 3 total$/);
  const unobserved = workloadConditions(2, 1, { generation: 3, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 } });
  assert.match(unobserved[0].message, /has not yet seen generation 3/);
  const lost = workloadConditions(3, 1, { generation: 1, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 1, availableReplicas: 3 } });
  assert.equal(lost[0].message, '1/3 replicas ready');
});
