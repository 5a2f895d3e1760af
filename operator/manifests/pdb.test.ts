import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPodDisruptionBudget, wantsPodDisruptionBudget } from './pdb.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

test('only above one replica and when enabled', () => {
  assert.equal(wantsPodDisruptionBudget(specOf({ replicas: 1 })), false);
  assert.equal(wantsPodDisruptionBudget(specOf({ replicas: 2 })), true);
  assert.equal(wantsPodDisruptionBudget(specOf({ replicas: 3, podDisruptionBudget: { enabled: false } })), false);
});

test('selects the pods and allows maxUnavailable', () => {
  const p = buildPodDisruptionBudget(owner, specOf({ replicas: 3, podDisruptionBudget: { maxUnavailable: 2 } }));
  validateUpstream(p);
  assert.equal(p.spec?.maxUnavailable, 2);
  assert.equal(p.spec?.selector?.matchLabels?.['app.kubernetes.io/instance'], 'demo');
});
