import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionReason, describeUnready, podCounts, podView, readyzReasons, unreadyPods, unreadySince, unschedulableMessage, type PodView } from './pod-health.js';

test('unready pods are named with the failing checks their /readyz lists', () => {
  const body = '[-]sink:file failed: writing, no progress for 12.0 s\n[-]memory failed: rss 900.0 MiB of 1024.0 MiB cgroup limit (87.9%)\nreadiness check failed\n';
  assert.deepEqual(readyzReasons(body), ['sink:file', 'memory']);
  assert.deepEqual(readyzReasons('ok\n'), []);
  const pod = (name: string, ready: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready }] } });
  assert.deepEqual(unreadyPods([pod('b', 'False'), pod('a', 'True'), pod('c', 'False'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd' } }]).map((p) => p.metadata.name), ['b', 'c', 'd']);
  assert.equal(describeUnready([{ pod: 'b', reason: 'sink:file (stalled)' }], 4), 'pod b not ready: sink:file (stalled); 3 more not ready');
});

test('a pod the scheduler cannot place is told by its PodScheduled condition', () => {
  const pod = (conds: Array<{ type: string; status: string; reason?: string; message?: string }>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Pending', conditions: conds } });
  const msg = '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.';
  assert.equal(unschedulableMessage(pod([{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: msg }])), msg);
  assert.equal(unschedulableMessage(pod([{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }])), 'SchedulingGated');
  assert.equal(unschedulableMessage(pod([{ type: 'PodScheduled', status: 'True' }])), undefined);
  assert.equal(unschedulableMessage(pod([])), undefined);
});

test('the pod cache keeps what the readiness reasons read and drops the spec', () => {
  const full = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', uid: 'u', resourceVersion: '7', labels: { 'app.kubernetes.io/instance': 'web' }, annotations: { big: 'x'.repeat(1000) }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'collector', image: 'zlog' }] },
    status: { podIP: '10.0.0.1', phase: 'Running', hostIP: '10.1.1.1', containerStatuses: [{ name: 'collector' }], conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'm', lastTransitionTime: '2026-01-01T00:00:01Z', lastProbeTime: null }] },
  };
  const kept = podView(full as unknown as Parameters<typeof podView>[0]) as unknown as Record<string, any>;
  assert.equal(kept.spec, undefined);
  assert.equal(kept.metadata.annotations, undefined);
  assert.deepEqual(kept.status, { podIP: '10.0.0.1', phase: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'm', lastTransitionTime: '2026-01-01T00:00:01Z' }] });
  assert.deepEqual(kept.metadata.labels, { 'app.kubernetes.io/instance': 'web' });
  assert.equal(conditionReason(kept as PodView), 'ContainersNotReady: m');
  assert.equal(unreadySince(kept as PodView), Date.parse('2026-01-01T00:00:01Z'));
});

test('pods are counted by template: ready ones of the current template, and any of another', () => {
  const ANN = 'logging.zlog.dev/template-hash';
  const pod = (name: string, hash: string | undefined, ready: boolean, deleting = false) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(hash ? { annotations: { [ANN]: hash } } : {}), ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  assert.deepEqual(podCounts([pod('a', 'new', true), pod('b', 'new', false), pod('c', 'old', true), pod('d', undefined, true), pod('e', 'old', true, true)], 'new'), { ready: 1, stale: 2 });
  // The cache keeps the template hash (and no other annotation).
  const kept = podView({ ...pod('a', 'new', true), metadata: { name: 'a', annotations: { [ANN]: 'new', other: 'x' } } } as unknown as Parameters<typeof podView>[0]);
  assert.deepEqual(kept.metadata.annotations, { [ANN]: 'new' });
});
