// Where a topic frame is: the one framing rule the decoders and the processor share.

/** Longest first frame still taken as a topic (omczmq and PUBHandler topics are short names). */
export const MAX_TOPIC_BYTES = 255;

/**
 * Whether the first of two frames is a topic: 1..255 bytes, not starting like a JSON or syslog record, and
 * without whitespace or control bytes (topics are names such as "INFO.db" or "app.audit"; a frame with a
 * space is a record, so PUSH senders' two-record messages stay two records).
 */
export function isTopicFrame(f: Uint8Array): boolean {
  const len = f.length;
  if (len === 0 || len > MAX_TOPIC_BYTES) return false;
  const c = f[0];
  if (c === 0x7b || c === 0x3c) return false;
  for (let i = 0; i < len; i++) if (f[i] <= 0x20 || f[i] === 0x7f) return false;
  return true;
}
