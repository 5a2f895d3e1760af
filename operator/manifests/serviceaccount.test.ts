import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServiceAccount } from './serviceaccount.js';
import { owner, validateUpstream } from './fixtures.js';

test('no token, owned by the LogServer', () => {
  const sa = buildServiceAccount(owner);
  validateUpstream(sa);
  assert.equal(sa.automountServiceAccountToken, false);
  assert.deepEqual(sa.metadata.ownerReferences[0], {
    apiVersion: 'logging.zlog.dev/v1alpha1',
    kind: 'LogServer',
    name: 'demo',
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  });
});
