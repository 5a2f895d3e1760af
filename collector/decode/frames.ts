// How the frames of one ZeroMQ message become record texts (InputConfig.framing), and where a topic frame is.
// Works on bytes: '\n' (0x0A) never occurs inside a multi-byte UTF-8 sequence, so lines are split before decoding
// and invalid UTF-8 can be attributed to the one line that holds it.

import { isUtf8 } from 'node:buffer';
import type { Framing } from '../config/types.js';

export interface FramedTexts {
  /** The topic frame's text, when the message had one. */
  topic?: string;
  /** One entry per record, decoded as UTF-8 (invalid sequences replaced by U+FFFD). */
  texts: string[];
  /** Indexes into texts whose bytes were not valid UTF-8. Absent when all were valid (the common case). */
  invalidUtf8?: number[];
  /** Empty frames (or empty lines under `lines`) that produced no record: a count for the discard metric. */
  skippedEmpty: number;
}

/** Longest first frame still taken as a topic (omczmq and PUBHandler topics are short names). */
export const MAX_TOPIC_BYTES = 255;

/**
 * Splits one message into record texts.
 * - With topicFrame, a 2-frame message whose first frame is 1..255 bytes without '\n' is [topic, payload]: the
 *   payload alone is then framed as below (under `frame`, one record). A first frame that starts with '{' or '<'
 *   is a JSON or syslog record, never a topic, so two single-record frames are not mistaken for [topic, record].
 * - `frame`: each frame is one record. `lines`: each frame split on '\n' (a trailing '\r' and the empty piece
 *   after a final '\n' dropped). `message`: all frames concatenated into one record (a record split over frames,
 *   even inside a UTF-8 sequence, comes back whole).
 * NUL bytes are kept as U+0000: the text is never cut short.
 */
export function framesToTexts(frames: readonly Buffer[], framing: Framing, topicFrame: boolean): FramedTexts {
  const out: FramedTexts = { texts: [], skippedEmpty: 0 };
  let first = 0;
  if (topicFrame && frames.length === 2 && isTopicFrame(frames[0])) {
    out.topic = frames[0].toString('utf8');
    first = 1;
  }
  if (framing === 'message') {
    const count = frames.length - first;
    const whole = count === 1 ? frames[first] : Buffer.concat(first === 0 ? frames : frames.slice(first));
    if (whole.length === 0) out.skippedEmpty++;
    else pushText(out, whole, 0, whole.length);
    return out;
  }
  for (let f = first; f < frames.length; f++) {
    const buf = frames[f];
    const len = buf.length;
    if (len === 0) {
      out.skippedEmpty++;
    } else if (framing === 'frame') {
      pushText(out, buf, 0, len);
    } else {
      let a = 0;
      while (a < len) {
        let nl = buf.indexOf(10, a);
        if (nl < 0) nl = len;
        const e = nl > a && buf[nl - 1] === 13 ? nl - 1 : nl;
        if (e === a) out.skippedEmpty++;
        else pushText(out, buf, a, e);
        a = nl + 1;
      }
    }
  }
  return out;
}

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

function pushText(out: FramedTexts, buf: Buffer, start: number, end: number): void {
  const text = buf.toString('utf8', start, end);
  // U+FFFD in the output is rare; only then check whether the sender wrote it or the decoder replaced bytes.
  if (text.indexOf('\uFFFD') >= 0 && !isUtf8(buf.subarray(start, end))) (out.invalidUtf8 ??= []).push(out.texts.length);
  out.texts.push(text);
}
