// ACK/NACK reply frames. The reply layout is the same for every protocol version, so a client of any version can
// read the `version` NACK that tells it which versions the server speaks.

import { ProtocolError, REJECT_REASONS, type RejectReason } from '../errors.js';
import { MAGIC_0, MAGIC_1, PROTOCOL_VERSION, checkSeq } from './header.js';

export const REPLY_HEADER_BYTES = 13;
export const REPLY_ACK = 1;
export const REPLY_NACK = 2;
/** Details are for humans and logs; capping them keeps replies small whatever the error text is. */
export const MAX_DETAIL_BYTES = 512;

/** Wire code = index; 0 is "no reason" (ACK). */
export const REASON_CODES: readonly (RejectReason | null)[] = [null, ...REJECT_REASONS];

export function reasonCode(reason: RejectReason): number {
  const code = REASON_CODES.indexOf(reason);
  if (code <= 0) throw new RangeError(`unknown reject reason ${JSON.stringify(reason)}`);
  return code;
}

export type Reply =
  | { type: 'ack'; seq: bigint }
  | {
      type: 'nack';
      seq: bigint;
      /** The wire code; kept so a client can log codes a newer server added. */
      code: number;
      /** undefined for a code this client does not know (treat as permanent). */
      reason: RejectReason | undefined;
      detail: string;
    };

function replyHeader(type: number, seq: bigint, code: number, detailBytes: number): Buffer {
  checkSeq(seq);
  const b = Buffer.allocUnsafe(REPLY_HEADER_BYTES + detailBytes);
  b[0] = MAGIC_0;
  b[1] = MAGIC_1;
  b[2] = PROTOCOL_VERSION;
  b[3] = type;
  b.writeBigUInt64BE(seq, 4);
  b[12] = code;
  return b;
}

export function encodeAck(seq: bigint): Buffer {
  return replyHeader(REPLY_ACK, seq, 0, 0);
}

export function encodeNack(seq: bigint, reason: RejectReason, detail = ''): Buffer {
  const code = reasonCode(reason);
  let text = Buffer.from(detail, 'utf8');
  if (text.length > MAX_DETAIL_BYTES) {
    // Cut at a character boundary so the detail stays valid UTF-8.
    let n = MAX_DETAIL_BYTES;
    while (n > 0 && (text[n] & 0xc0) === 0x80) n--;
    text = text.subarray(0, n);
  }
  const b = replyHeader(REPLY_NACK, seq, code, text.length);
  text.copy(b, REPLY_HEADER_BYTES);
  return b;
}

/** Parses a reply frame (client side). Throws ProtocolError `malformed` for anything that is not a zlog reply. */
export function decodeReply(frame: Uint8Array): Reply {
  if (frame.length < REPLY_HEADER_BYTES) {
    throw new ProtocolError('malformed', `reply is ${frame.length} bytes; at least ${REPLY_HEADER_BYTES} expected`);
  }
  if (frame[0] !== MAGIC_0 || frame[1] !== MAGIC_1) {
    throw new ProtocolError('malformed', 'reply does not start with magic "ZL"');
  }
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const seq = buf.readBigUInt64BE(4);
  const type = buf[3];
  const code = buf[12];
  if (type === REPLY_ACK) {
    if (code !== 0) throw new ProtocolError('malformed', `ACK for seq ${seq} carries reason code ${code}; expected 0`);
    return { type: 'ack', seq };
  }
  if (type === REPLY_NACK) {
    const reason = code > 0 ? (REASON_CODES[code] ?? undefined) : undefined;
    if (code === 0) throw new ProtocolError('malformed', `NACK for seq ${seq} carries reason code 0`);
    return { type: 'nack', seq, code, reason, detail: buf.toString('utf8', REPLY_HEADER_BYTES) };
  }
  throw new ProtocolError('malformed', `reply type ${type} is neither 1 (ACK) nor 2 (NACK)`);
}
