import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildService, clientEndpoint } from './service.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

test('named ZeroMQ and metrics ports; annotations and type from the spec', () => {
  const spec = specOf({ service: { type: 'LoadBalancer', annotations: { 'lb/x': 'y' } }, metricsPort: 9100 });
  const s = buildService(owner, spec);
  validateUpstream(s);
  assert.deepEqual(s.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]), [
    ['pull', 5555, 'pull'],
    ['sub', 5556, 'sub'],
    ['native', 5557, 'native'],
    ['metrics', 9100, 'metrics'],
  ]);
  assert.equal(s.spec?.type, 'LoadBalancer');
  assert.deepEqual(s.metadata.annotations, { 'lb/x': 'y' });
  assert.equal(clientEndpoint(owner, spec), 'tcp://demo.logs.svc:5555');
});
