import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConditions, readyFromPods, transitions, workloadConditions } from './status.js';

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

test('the pods\' own readiness completes a rollout the workload status has not caught up with, and nothing else', () => {
  const byType = (cs: ReturnType<typeof workloadConditions>) => Object.fromEntries(cs.map((c) => [c.type, `${c.status}/${c.reason}`]));
  // Created: the Deployment controller has not written a status yet, but the one pod of the current template is Ready.
  const fresh = { generation: 1 };
  assert.equal(byType(workloadConditions(1, 1, fresh)).Ready, 'False/ReplicasNotReady');
  const fromPods = readyFromPods(fresh, 1, { ready: 1, stale: 0 });
  assert.equal(byType(workloadConditions(1, 1, fromPods)).Ready, 'True/AllReplicasReady');
  assert.equal(byType(workloadConditions(1, 1, fromPods)).Progressing, 'False/RolloutComplete');
  assert.equal(fromPods.status?.readyReplicas, 1);
  // Not enough ready pods of the current template, or any pod of another template left: the workload decides.
  assert.deepEqual(readyFromPods(fresh, 2, { ready: 1, stale: 0 }), fresh);
  assert.deepEqual(readyFromPods(fresh, 1, { ready: 1, stale: 1 }), fresh, 'an old pod still running: the rollout is not done');
  assert.deepEqual(readyFromPods(fresh, 1, undefined), fresh);
  assert.deepEqual(readyFromPods(fresh, 0, { ready: 0, stale: 0 }), fresh, 'scaled to zero: the workload says so');
  // The workload already says it all: its view stays, with its own conditions.
  const done = { generation: 2, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [] } };
  assert.equal(readyFromPods(done, 2, { ready: 2, stale: 0 }), done);
  // A failure condition the workload reported is kept when the pods complete the rollout.
  const failed = { generation: 1, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'quota' }] } };
  assert.equal(byType(workloadConditions(1, 1, readyFromPods(failed, 1, { ready: 1, stale: 0 }))).Degraded, 'True/ReplicaFailure');
});
