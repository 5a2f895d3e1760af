import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildConfigMap } from './configmap.js';
import { owner, specOf, validateUpstream } from './fixtures.js';
import { collectorConfigErrors } from '../api/collector-config.js';

test('renders a collector config the collector schema accepts, with the pod-side bind addresses', () => {
  const { object } = buildConfigMap(owner, specOf({ sinks: [{ name: 'f', type: 'file', file: { filename: 'a.log' } }, { name: 'out', type: 'stdout' }] }));
  validateUpstream(object);
  const cfg = parse(object.data?.['config.yaml'] ?? '');
  assert.deepEqual(collectorConfigErrors(cfg), []);
  assert.deepEqual(cfg.inputs.map((i: { bind: string[] }) => i.bind[0]), ['tcp://*:5555', 'tcp://*:5556', 'tcp://*:5557']);
  assert.equal(cfg.http.host, '0.0.0.0');
  assert.equal(cfg.sinks[0].path, '/var/lib/zlog/f');
  assert.equal(cfg.sinks[0].filename, 'a.log');
  assert.deepEqual(cfg.sinks[1], { id: 'out', type: 'stdout' });
  assert.equal(object.metadata.name, 'demo-config');
  assert.equal(object.metadata.ownerReferences[0].uid, owner.uid);
});

test('the config hash follows the rendered config and nothing else', () => {
  const a = buildConfigMap(owner, specOf({}));
  assert.equal(buildConfigMap(owner, specOf({ replicas: 3, image: 'other:1' })).configHash, a.configHash);
  assert.notEqual(buildConfigMap(owner, specOf({ sinks: [{ name: 'file', type: 'file', file: { compress: false } }] })).configHash, a.configHash);
  assert.notEqual(buildConfigMap(owner, specOf({ drainTimeoutSeconds: 60 })).configHash, a.configHash);
  assert.match(a.configHash, /^[0-9a-f]{16}$/);
});
