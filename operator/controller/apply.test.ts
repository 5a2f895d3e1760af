import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPLIED_HASH_ANNOTATION, contains, upToDate, withAppliedHash } from './apply.js';
import type { KubeObject } from './kube.js';

type ConfigMap = KubeObject & { data: Record<string, string> };
const hashOf = (o: KubeObject) => o.metadata.annotations?.[APPLIED_HASH_ANNOTATION];

const desired: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'shop', labels: { a: '1' }, ownerReferences: [{ apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', name: 'web', uid: 'u1', controller: true }] },
  data: { 'zlog.yaml': 'x: 1\n' },
};

/** What the API server returns after applying `obj`: the same fields plus its own. */
function served(obj: ConfigMap): ConfigMap {
  return { ...obj, metadata: { ...obj.metadata, uid: 'c1', resourceVersion: '7', creationTimestamp: '2026-11-30T00:00:00Z', labels: { ...obj.metadata.labels, extra: 'theirs' } } };
}

test('the applied hash ignores key order and changes with any value', () => {
  const a = withAppliedHash(desired);
  const reordered = withAppliedHash<ConfigMap>({ data: desired.data, metadata: { labels: desired.metadata.labels, ownerReferences: desired.metadata.ownerReferences, namespace: 'shop', name: 'web-config' }, kind: 'ConfigMap', apiVersion: 'v1' });
  assert.equal(hashOf(a), hashOf(reordered));
  assert.match(hashOf(a) ?? '', /^[0-9a-f]{16}$/);
  const changed = withAppliedHash({ ...desired, data: { 'zlog.yaml': 'x: 2\n' } });
  assert.notEqual(hashOf(changed), hashOf(a));
});

test('a child is up to date only when it carries the same hash and every applied field unchanged', () => {
  const toApply = withAppliedHash(desired);
  const live = served(toApply);
  assert.equal(upToDate(toApply, live), true, 'fields the server adds do not count');
  assert.equal(upToDate(toApply, undefined), false);
  // Drift: someone edited a field the operator sets.
  const edited: ConfigMap = { ...live, data: { 'zlog.yaml': 'edited' } };
  assert.equal(upToDate(toApply, edited), false);
  assert.equal(upToDate(toApply, { ...live, metadata: { ...live.metadata, labels: { extra: 'theirs' } } }), false);
  // The desired object changed (a field dropped): only an apply removes the field, so the hash differs.
  const smaller = withAppliedHash({ ...desired, metadata: { ...desired.metadata, labels: {} } });
  assert.equal(contains(live, smaller), false, 'the annotation differs');
  assert.equal(upToDate(smaller, live), false);
  // No hash on the live object (applied by an older operator, or removed by hand).
  const { [APPLIED_HASH_ANNOTATION]: _, ...rest } = live.metadata.annotations ?? {};
  assert.equal(upToDate(toApply, { ...live, metadata: { ...live.metadata, annotations: rest } }), false);
});

test('contains compares lists item by item and scalars strictly', () => {
  assert.equal(contains({ a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] }), true);
  assert.equal(contains({ a: [{ x: 1 }, { x: 2 }] }, { a: [{ x: 1 }] }), false, 'an extra item is a difference');
  assert.equal(contains({ a: '1' }, { a: 1 }), false);
  assert.equal(contains({ a: null }, { a: null }), true);
  assert.equal(contains({}, { a: undefined }), true);
  assert.equal(contains({ a: [] }, { a: {} }), false);
});
