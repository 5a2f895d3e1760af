import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNetworkPolicy } from './networkpolicy.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

test('default: input ports from the own namespace, metrics port from the own namespace, nothing else; selects the pods', () => {
  const np = buildNetworkPolicy(owner, specOf({}));
  validateUpstream(np);
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  assert.deepEqual(np.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': 'zlog', 'app.kubernetes.io/instance': 'demo' });
  const own = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logs' } } };
  assert.deepEqual(np.spec.ingress, [
    { from: [own], ports: [5555, 5556, 5557].map((port) => ({ protocol: 'TCP', port })) },
    { from: [own], ports: [{ protocol: 'TCP', port: 9090 }] },
  ]);
  // The wire name is `from` (client-node's `_from` would be dropped by the API server).
  assert.match(JSON.stringify(np), /"from":\[/);
  assert.doesNotMatch(JSON.stringify(np), /_from|9091/);
});

test('the spec names who may send and which namespace may scrape', () => {
  const senders = [{ namespaceSelector: { matchLabels: { team: 'web' } }, podSelector: { matchLabels: { app: 'shop' } } }, { ipBlock: { cidr: '10.9.0.0/16' } }];
  const np = buildNetworkPolicy(owner, specOf({ metricsPort: 9100, inputs: [{ name: 'native', type: 'zmq-router', port: 6000 }], security: { networkPolicy: { inputsFrom: senders, metricsNamespace: 'monitoring' } } }));
  validateUpstream(np);
  assert.deepEqual(np.spec.ingress[0], { from: senders, ports: [{ protocol: 'TCP', port: 6000 }] });
  assert.deepEqual(np.spec.ingress[1].from.map((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']), ['logs', 'monitoring']);
  assert.deepEqual(np.spec.ingress[1].ports, [{ protocol: 'TCP', port: 9100 }]);
});

test("the operator's namespace may ask the metrics port (/readyz, /sinks); once, and not when it is the LogServer's own", () => {
  const names = (spec: object, operatorNamespace?: string) =>
    buildNetworkPolicy(owner, specOf(spec), operatorNamespace).spec.ingress[1].from.map((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']);
  assert.deepEqual(names({}, 'zlog-system'), ['logs', 'zlog-system']);
  assert.deepEqual(names({ security: { networkPolicy: { metricsNamespace: 'monitoring' } } }, 'zlog-system'), ['logs', 'monitoring', 'zlog-system']);
  assert.deepEqual(names({ security: { networkPolicy: { metricsNamespace: 'zlog-system' } } }, 'zlog-system'), ['logs', 'zlog-system']);
  assert.deepEqual(names({}, 'logs'), ['logs']);
  assert.deepEqual(names({}), ['logs']);
});
