import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeUnready, readyzReasons, unreadyPods, unschedulableMessage } from './pod-health.js';

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
