// When a child needs no apply. Most reconciles are woken by the workload's status moving (a pod started, a
// rollout advanced) and change nothing in the children; re-applying them all would cost one request per child
// per event. A child is left alone when the informer's copy (1) carries the hash of the very object the operator
// would apply now, so the desired object has not changed since it was last applied (a field the spec dropped
// changes the hash, and only an apply removes it), and (2) still holds every field of that object with the same
// value, so nobody edited the operator's fields since (drift). Either failing means an apply, as before: a
// false "changed" costs one request, never a missed repair. prometheus-operator skips unchanged StatefulSets
// with an input-hash annotation the same way; the field comparison adds the drift check.
import { createHash } from 'node:crypto';
import type { KubeObject } from './kube.js';

/** Annotation on every child: sha256 (first 16 hex digits) of the object the operator applied, without it. */
export const APPLIED_HASH_ANNOTATION = 'logging.zlog.dev/applied-hash';

// Key order must not change the hash (the builders and the API server order keys differently).
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
  );
}

/** JSON with sorted keys: equal for equal values whatever the key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v));
}

/** The object to apply: the desired object with its own hash in APPLIED_HASH_ANNOTATION. */
export function withAppliedHash<T extends KubeObject>(obj: T): T {
  const hash = createHash('sha256').update(canonicalJson(obj)).digest('hex').slice(0, 16);
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
}

/**
 * Every field of `want` is in `have` with an equal value (objects: a subset, key by key; lists: the same length,
 * item by item; scalars: equal). Fields only `have` has (defaults, status, other managers' fields) do not count.
 */
export function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, w]) => w === undefined || contains((have as Record<string, unknown>)[k], w));
  }
  return have === want;
}

/** `live` (from the informer) is what applying `toApply` (from withAppliedHash) would make it: no request needed. */
export function upToDate(toApply: KubeObject, live: KubeObject | undefined): boolean {
  if (!live) return false;
  const want = toApply.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  return want !== undefined && live.metadata.annotations?.[APPLIED_HASH_ANNOTATION] === want && contains(live, toApply);
}
