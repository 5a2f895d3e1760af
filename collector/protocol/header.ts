// The 28-byte header frame of the native protocol v1 (layout in docs/protocol.md).
// Bytes 0-15 (magic, version, flags, compression, reserved, sequence) keep their place in every future version,
// so a server can always NACK a message of a version it does not speak with the sender's own sequence number.

import { ProtocolError } from '../errors.js';

export const MAGIC_0 = 0x5a; // 'Z'
export const MAGIC_1 = 0x4c; // 'L'
export const PROTOCOL_VERSION = 1;
/** Versions this code can decode; listed in the detail of a `version` NACK. */
export const SUPPORTED_VERSIONS: readonly number[] = [1];
export const HEADER_BYTES = 28;
/** Offset of the sequence number, fixed across versions. */
export const SEQ_OFFSET = 8;

/** bit0: the sender does not want a reply. */
export const FLAG_NO_ACK = 0x01;
const KNOWN_FLAGS = FLAG_NO_ACK;

export type Compression = 'none' | 'gzip' | 'deflate' | 'brotli';
/** Wire code = index. */
export const COMPRESSION_CODES: readonly Compression[] = ['none', 'gzip', 'deflate', 'brotli'];

export const MAX_U32 = 0xffff_ffff;
export const MAX_SEQ = 0xffff_ffff_ffff_ffffn;

export interface MessageHeader {
  version: number;
  /** Raw flag byte (only FLAG_NO_ACK is defined). */
  flags: number;
  noAck: boolean;
  compression: Compression;
  seq: bigint;
  recordCount: number;
  /** CRC-32 of the payload frame as sent (after compression). */
  crc: number;
  /** Payload length after decompression (equals the frame length when compression is none). */
  uncompressedLength: number;
}

export interface HeaderFields {
  seq: bigint;
  recordCount: number;
  crc: number;
  uncompressedLength: number;
  compression: Compression;
  noAck?: boolean;
}

export function compressionCode(c: Compression): number {
  const code = COMPRESSION_CODES.indexOf(c);
  if (code < 0) throw new RangeError(`unknown compression ${JSON.stringify(c)}; expected one of ${COMPRESSION_CODES.join(', ')}`);
  return code;
}

function checkU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_U32) throw new RangeError(`${name} must be an integer in 0..${MAX_U32}, got ${v}`);
}

export function checkSeq(seq: bigint): void {
  if (seq < 0n || seq > MAX_SEQ) throw new RangeError(`sequence number must be in 0..2^64-1, got ${seq}`);
}

export function encodeHeader(h: HeaderFields): Buffer {
  checkSeq(h.seq);
  checkU32('record count', h.recordCount);
  checkU32('crc', h.crc);
  checkU32('uncompressed length', h.uncompressedLength);
  const b = Buffer.alloc(HEADER_BYTES);
  b[0] = MAGIC_0;
  b[1] = MAGIC_1;
  b[2] = PROTOCOL_VERSION;
  b[3] = h.noAck ? FLAG_NO_ACK : 0;
  b[4] = compressionCode(h.compression);
  b.writeBigUInt64BE(h.seq, SEQ_OFFSET);
  b.writeUInt32BE(h.recordCount, 16);
  b.writeUInt32BE(h.crc, 20);
  b.writeUInt32BE(h.uncompressedLength, 24);
  return b;
}

function hex(b: number): string {
  return '0x' + b.toString(16).padStart(2, '0');
}

/** The versions list as it appears in NACK details: "1" or "1, 2". */
export function supportedVersionsText(): string {
  return SUPPORTED_VERSIONS.join(', ');
}

/**
 * Parses and validates a header frame. Throws ProtocolError `version` for a version this code does not speak
 * and `malformed` for anything else that is wrong, naming the byte and value.
 */
export function parseHeader(frame: Uint8Array): MessageHeader {
  if (frame.length < 3) {
    throw new ProtocolError('malformed', `header frame is ${frame.length} bytes; a v${PROTOCOL_VERSION} header is ${HEADER_BYTES} bytes`);
  }
  if (frame[0] !== MAGIC_0 || frame[1] !== MAGIC_1) {
    throw new ProtocolError('malformed', `header does not start with magic "ZL" (got ${hex(frame[0])} ${hex(frame[1])})`);
  }
  const version = frame[2];
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new ProtocolError('version', `unsupported version ${version}; this server speaks ${supportedVersionsText()}`);
  }
  if (frame.length !== HEADER_BYTES) {
    throw new ProtocolError('malformed', `header frame is ${frame.length} bytes; a v${version} header is ${HEADER_BYTES} bytes`);
  }
  const flags = frame[3];
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new ProtocolError('malformed', `header flags ${hex(flags)} set reserved bits (only bit0 no-ack is defined)`);
  }
  const compression = COMPRESSION_CODES[frame[4]];
  if (compression === undefined) {
    throw new ProtocolError('malformed', `unknown compression code ${frame[4]} (0 none, 1 gzip, 2 deflate, 3 brotli)`);
  }
  if (frame[5] !== 0 || frame[6] !== 0 || frame[7] !== 0) {
    throw new ProtocolError('malformed', `reserved header bytes 5-7 must be 0 (got ${hex(frame[5])} ${hex(frame[6])} ${hex(frame[7])})`);
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    version,
    flags,
    noAck: (flags & FLAG_NO_ACK) !== 0,
    compression,
    seq: view.getBigUint64(SEQ_OFFSET),
    recordCount: view.getUint32(16),
    crc: view.getUint32(20),
    uncompressedLength: view.getUint32(24),
  };
}

/**
 * The sequence number to put in a NACK for a message that may not even parse: the header's bytes 8-15 when the
 * frame is long enough and carries the magic, else 0.
 */
export function peekSequence(frame: Uint8Array | undefined): bigint {
  if (frame === undefined || frame.length < SEQ_OFFSET + 8 || frame[0] !== MAGIC_0 || frame[1] !== MAGIC_1) return 0n;
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getBigUint64(SEQ_OFFSET);
}
