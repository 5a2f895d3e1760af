// The digest of every Secret item a LogServer's collector reads once, at start: the CurveZMQ server key and the
// sinks' credentials (tls.caSecret, auth.passwordSecret, ...). It goes on the pod template so that new content
// in any of them rolls the pods. The client keys are reloaded live and need no roll; other items of the same
// Secrets roll nothing. Only a digest: the items themselves are never logged or copied anywhere.
import { createHash } from 'node:crypto';
import { CURVE_SERVER_SECRET_KEY } from '../api/collector-config.js';
import { sinkSecretItems, type SecretItem } from '../api/kinds.js';
import type { LogServerSpec } from '../api/types.js';

export const SECRET_HASH_ANNOTATION = 'logging.zlog.dev/secret-hash';

/** The annotation value while a Secret or item does not exist (the pod cannot start until it does). */
export const SECRET_MISSING = 'missing';

/** A Secret as read from the API server: `data` holds base64 values. */
export interface SecretData {
  data?: Record<string, string>;
}

/** The Secret items the pods of `spec` mount and read at start, each once, in spec order. */
export function podSecretItems(spec: LogServerSpec): SecretItem[] {
  const items: SecretItem[] = [];
  if (spec.security.curve) items.push({ name: spec.security.curve.serverKeySecret, key: CURVE_SERVER_SECRET_KEY });
  for (const s of spec.sinks) items.push(...sinkSecretItems(s).map((i) => i.item));
  return items.filter((a, n) => items.findIndex((b) => b.name === a.name && b.key === a.key) === n);
}

/**
 * sha256 prefix (16 hex characters) over each item's Secret name, key and stored (base64) value, or
 * SECRET_MISSING when any item is absent. `secrets` maps a Secret name to what was read (undefined: not found).
 */
export function secretItemsHash(items: readonly SecretItem[], secrets: ReadonlyMap<string, SecretData | undefined>): string {
  const h = createHash('sha256');
  for (const i of items) {
    const value = secrets.get(i.name)?.data?.[i.key];
    if (value === undefined) return SECRET_MISSING;
    h.update(`${i.name}\0${i.key}\0${value}\n`);
  }
  return h.digest('hex').slice(0, 16);
}
