// The hash of the CurveZMQ server key a LogServer's pods mount, put on the pod template so that a new key in
// the referenced Secret rolls the pods (the collector reads its server key once, at start; the client keys are
// reloaded live and need no roll). Only the item the pods mount (server.key_secret) is hashed, so other keys
// in the same Secret roll nothing. The hash is a digest: the key itself is never logged or copied anywhere.
import { createHash } from 'node:crypto';
import { CURVE_SERVER_SECRET_KEY } from '../api/collector-config.js';

export const SERVER_KEY_HASH_ANNOTATION = 'logging.zlog.dev/curve-server-key-hash';

/** The annotation value when the Secret or its item does not exist (the pod cannot start until it does). */
export const SERVER_KEY_MISSING = 'missing';

/**
 * sha256 prefix (16 hex characters) of the Secret's `server.key_secret` item as stored (base64 `data`), or
 * SERVER_KEY_MISSING. `secret` undefined means the Secret was not found.
 */
export function serverKeyHash(secret: { data?: Record<string, string> } | undefined): string {
  const item = secret?.data?.[CURVE_SERVER_SECRET_KEY];
  if (item === undefined) return SERVER_KEY_MISSING;
  return createHash('sha256').update(item).digest('hex').slice(0, 16);
}
