// The digest of everything a LogServer's pods read from Secrets and ConfigMaps it names: the CurveZMQ server key,
// the allowed client keys and the sinks' credentials (tls.caSecret, auth.passwordSecret, ...). It goes on the pod
// template, so new content in any of them rolls the pods within seconds of the change (the operator watches
// those objects' metadata: controller/references.ts). The client keys are also reloaded live by the collector,
// but only once the kubelet refreshes the mounted volume (its sync period plus its cache TTL, a minute or more):
// a revoked key must not wait that long. Other items of a Secret whose single items are mounted roll nothing.
// Only a digest: the content is never logged or copied anywhere.
import { createHash } from 'node:crypto';
import { CURVE_SERVER_SECRET_KEY } from '../api/collector-config.js';
import { sinkSecretItems, type SecretItem } from '../api/kinds.js';
import type { LogServerSpec } from '../api/types.js';

export const SECRET_HASH_ANNOTATION = 'logging.zlog.dev/secret-hash';

/** The annotation value while a Secret, ConfigMap or item does not exist (the pod cannot start until it does). */
export const SECRET_MISSING = 'missing';

/** A Secret or ConfigMap as read from the API server (Secret `data` and ConfigMap `binaryData` hold base64). */
export interface SecretData {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/**
 * One input of the digest: a single item of a Secret (`key` set), or every key of a Secret or ConfigMap (a
 * directory the pods mount whole, such as the allowed client keys).
 */
export interface HashSource {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key?: string;
}

/** The Secret items the pods of `spec` mount one by one, each once, in spec order. */
export function podSecretItems(spec: LogServerSpec): SecretItem[] {
  const items: SecretItem[] = [];
  if (spec.security.curve) items.push({ name: spec.security.curve.serverKeySecret, key: CURVE_SERVER_SECRET_KEY });
  for (const s of spec.sinks) items.push(...sinkSecretItems(s).map((i) => i.item));
  return items.filter((a, n) => items.findIndex((b) => b.name === a.name && b.key === a.key) === n);
}

/** Everything the digest of `spec` covers: the single Secret items, then the client keys' Secret or ConfigMap. */
export function podHashSources(spec: LogServerSpec): HashSource[] {
  const sources: HashSource[] = podSecretItems(spec).map((i) => ({ kind: 'Secret', name: i.name, key: i.key }));
  const clients = spec.security.curve?.clientKeys;
  if (clients?.secret !== undefined) sources.push({ kind: 'Secret', name: clients.secret });
  else if (clients?.configMap !== undefined) sources.push({ kind: 'ConfigMap', name: clients.configMap });
  return sources;
}

/** The key under which `sourcesHash` looks an object up: `Secret/NAME` or `ConfigMap/NAME`. */
export function sourceKey(s: { kind: string; name: string }): string {
  return `${s.kind}/${s.name}`;
}

/**
 * sha256 prefix (16 hex characters) over each source, or SECRET_MISSING when any object or item is absent.
 * `objects` maps sourceKey(...) to what was read (undefined: not found). A single item contributes its Secret
 * name, key and stored (base64) value, so a digest of single items alone is the same as before whole sources
 * existed; a whole object contributes its kind, name and every key and value, in key order.
 */
export function sourcesHash(sources: readonly HashSource[], objects: ReadonlyMap<string, SecretData | undefined>): string {
  const h = createHash('sha256');
  for (const s of sources) {
    const obj = objects.get(sourceKey(s));
    if (s.key !== undefined) {
      const value = obj?.data?.[s.key];
      if (value === undefined) return SECRET_MISSING;
      h.update(`${s.name}\0${s.key}\0${value}\n`);
      continue;
    }
    if (obj === undefined) return SECRET_MISSING;
    h.update(`${s.kind}\0${s.name}\0*\n`);
    for (const [field, values] of [['data', obj.data], ['binaryData', obj.binaryData]] as const) {
      for (const k of Object.keys(values ?? {}).sort()) h.update(`${field}\0${k}\0${values![k]}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}
