// Where a topic is in a ZeroMQ message: the framing rules the decoders and the processor share.

/** Longest prefix taken as a topic glued to a record (omczmq and PUBHandler topics are short names). */
export const MAX_TOPIC_BYTES = 255;

/**
 * The topic frame and the record frames of a message from a PUB socket. ZeroMQ's PUB/SUB matches subscriptions
 * against the first frame, so on a SUB input every multi-frame message is `[topic, body...]` whatever the topic
 * holds (PUBHandler's `INFO.a b` after `log.info("a b::text")` has a space): one log call is one record. An empty
 * frame right after the topic is the envelope delimiter several frameworks send (`[topic, "", body]`), not a
 * record. A single frame has no topic frame (a topic may be glued to it: record.ts).
 */
export function splitTopicFrame(frames: readonly Uint8Array[]): { topic: Uint8Array | undefined; body: readonly Uint8Array[] } {
  if (frames.length < 2) return { topic: undefined, body: frames };
  const body = frames.length > 2 && frames[1].length === 0 ? frames.slice(2) : frames.slice(1);
  return { topic: frames[0], body };
}

/**
 * Whether bytes b[s..e) may start with a topic glued to a syslog record: a '<' within the first
 * MAX_TOPIC_BYTES + 1 bytes with no whitespace or control byte before it. A cheap pre-check on raw bytes that lets
 * plain text keep the processor's fast path; record.ts topicPrefixEnd decides on the text.
 */
export function mayHaveGluedTopic(b: Uint8Array, s: number, e: number): boolean {
  const n = Math.min(e, s + MAX_TOPIC_BYTES + 1);
  for (let i = s + 1; i < n; i++) {
    const c = b[i];
    if (c === 0x3c) return true;
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return false;
}
