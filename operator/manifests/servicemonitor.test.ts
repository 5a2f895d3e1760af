import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServiceMonitor } from './servicemonitor.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

test('scrapes the metrics port with the configured labels and interval', () => {
  const sm = buildServiceMonitor(owner, specOf({ monitoring: { serviceMonitor: { enabled: true, labels: { release: 'kps' }, interval: '15s' } } }));
  validateUpstream(sm);
  assert.equal(sm.metadata.labels.release, 'kps');
  assert.equal(sm.metadata.labels['app.kubernetes.io/instance'], 'demo');
  assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '15s', scheme: 'http' }]);
  assert.deepEqual(sm.spec.namespaceSelector.matchNames, ['logs']);
});

test('operator labels win over user labels of the same key', () => {
  const sm = buildServiceMonitor(owner, specOf({ monitoring: { serviceMonitor: { enabled: true, labels: { 'app.kubernetes.io/managed-by': 'me' } } } }));
  assert.equal(sm.metadata.labels['app.kubernetes.io/managed-by'], 'zlog-operator');
});
