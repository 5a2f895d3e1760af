import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPersistentVolumeClaim } from './pvc.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

test('size, class and access modes from the spec; RWO by default', () => {
  const p = buildPersistentVolumeClaim(owner, specOf({ storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '10Gi', storageClassName: 'fast' } } }));
  validateUpstream(p);
  assert.deepEqual(p.spec?.accessModes, ['ReadWriteOnce']);
  assert.equal(p.spec?.resources?.requests?.storage, '10Gi');
  assert.equal(p.spec?.storageClassName, 'fast');
  assert.equal(p.metadata.name, 'demo-data');
});

test('refuses a spec without a claim', () => {
  assert.throws(() => buildPersistentVolumeClaim(owner, specOf({})), /persistentVolumeClaim/);
});
