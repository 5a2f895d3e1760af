// Which LogServers read which Secrets and ConfigMaps (the CURVE keys, the sinks' credentials), so that a change of
// one of them requeues exactly the LogServers whose pod template carries its digest (manifests/secret-hash.ts),
// within seconds instead of at the next resync. Filled by the reconciler, which knows each valid spec's sources;
// bounded by the LogServers the operator has reconciled and the sources each names (a handful).
import type { HashSource } from '../manifests/secret-hash.js';

/** `Secret` or `ConfigMap`, namespace and name: one referenced object. */
function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export class ReferenceIndex {
  /** LogServer key (namespace/name) -> the object keys it reads. */
  private readonly byOwner = new Map<string, Set<string>>();
  /** Object key -> the LogServer keys that read it. */
  private readonly byObject = new Map<string, Set<string>>();

  /** Replaces what LogServer `namespace/owner` reads (an empty list forgets it). */
  set(namespace: string, owner: string, sources: readonly HashSource[]): void {
    const key = `${namespace}/${owner}`;
    const next = new Set(sources.map((s) => objectKey(s.kind, namespace, s.name)));
    const prev = this.byOwner.get(key);
    if (prev && prev.size === next.size && [...next].every((o) => prev.has(o))) return;
    this.delete(key);
    if (next.size === 0) return;
    this.byOwner.set(key, next);
    for (const o of next) {
      const owners = this.byObject.get(o) ?? new Set<string>();
      owners.add(key);
      this.byObject.set(o, owners);
    }
  }

  /** Forgets LogServer `key` (namespace/name), deleted. */
  delete(key: string): void {
    const prev = this.byOwner.get(key);
    if (!prev) return;
    this.byOwner.delete(key);
    for (const o of prev) {
      const owners = this.byObject.get(o);
      owners?.delete(key);
      if (owners?.size === 0) this.byObject.delete(o);
    }
  }

  /** The LogServer keys (namespace/name) that read the object. */
  ownersOf(kind: string, namespace: string, name: string): string[] {
    return [...(this.byObject.get(objectKey(kind, namespace, name)) ?? [])];
  }

  /** Objects referenced, for tests that check the index shrinks again. */
  get size(): number {
    return this.byObject.size;
  }
}
