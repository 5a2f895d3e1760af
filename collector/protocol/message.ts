// The two steps a server takes with a native message, split by cost: checkMessage is cheap (no decompression, one
// CRC pass) and runs on the thread that receives; openPayload decompresses and splits, on a worker thread.
// encodeMessage is the client side.

import zlib from 'node:zlib';
import { ProtocolError } from '../errors.js';
import { type CompressionChoice, compressAuto, decompress } from './compression.js';
import { type MessageHeader, encodeHeader, parseHeader, peekSequence } from './header.js';
import { type RecordBatch, type RecordInput, packRecords, unpackRecords } from './payload.js';

export interface CheckLimits {
  /** Both frames together, as received. */
  maxMessageBytes: number;
  maxBatchRecords: number;
  /** When given, a header declaring a larger uncompressed payload is refused here, before any work is queued. */
  maxDecompressedBytes?: number;
}

export interface OpenLimits {
  maxDecompressedBytes: number;
  /** Longer records are delivered cut to this size and flagged (RecordBatch.isTruncated). */
  maxRecordBytes: number;
}

export interface CheckedMessage {
  header: MessageHeader;
  payload: Buffer;
}

/**
 * Validates a message as the ROUTER hands it over without the identity frame: `[header, payload]`.
 * `crcChecked`: the caller already found the payload's CRC-32 equal to the header's (the native receive thread
 * does, chunk.ts FLAG_CRC_CHECKED), so it is not computed again; every other check still runs.
 * Throws ProtocolError: `malformed` (frames, header fields, lengths), `version`, `too_large`, `checksum`.
 */
export function checkMessage(frames: readonly Buffer[], limits: CheckLimits, crcChecked = false): CheckedMessage {
  if (frames.length !== 2) {
    throw new ProtocolError('malformed', `expected 2 frames [header, payload], got ${frames.length}`);
  }
  const [headerFrame, payload] = frames;
  const size = headerFrame.length + payload.length;
  // Size first: it is free, and a message over the limit is refused as too_large whatever else is wrong with it.
  if (size > limits.maxMessageBytes) {
    throw new ProtocolError('too_large', `message is ${size} bytes; the limit is ${limits.maxMessageBytes}`);
  }
  const header = parseHeader(headerFrame);
  if (header.recordCount > limits.maxBatchRecords) {
    throw new ProtocolError('too_large', `batch has ${header.recordCount} records; the limit is ${limits.maxBatchRecords}`);
  }
  if (limits.maxDecompressedBytes !== undefined && header.uncompressedLength > limits.maxDecompressedBytes) {
    throw new ProtocolError(
      'too_large',
      `payload declares ${header.uncompressedLength} bytes uncompressed; the limit is ${limits.maxDecompressedBytes}`,
    );
  }
  if (header.compression === 'none' && header.uncompressedLength !== payload.length) {
    throw new ProtocolError(
      'malformed',
      `header declares ${header.uncompressedLength} payload bytes but the uncompressed payload frame is ${payload.length}`,
    );
  }
  if (header.recordCount * 4 > header.uncompressedLength) {
    throw new ProtocolError(
      'malformed',
      `header declares ${header.recordCount} records in ${header.uncompressedLength} bytes (at least 4 per record)`,
    );
  }
  if (crcChecked) return { header, payload };
  const crc = zlib.crc32(payload);
  if (crc !== header.crc) {
    throw new ProtocolError(
      'checksum',
      `payload CRC-32 is ${hex32(crc)} but the header says ${hex32(header.crc)} (payload corrupted in transit?)`,
    );
  }
  return { header, payload };
}

function hex32(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** Decompresses and splits a checked message. Throws ProtocolError `too_large` or `malformed`. */
export function openPayload(header: MessageHeader, payload: Buffer, limits: OpenLimits): RecordBatch {
  if (header.uncompressedLength > limits.maxDecompressedBytes) {
    throw new ProtocolError(
      'too_large',
      `payload declares ${header.uncompressedLength} bytes uncompressed; the limit is ${limits.maxDecompressedBytes}`,
    );
  }
  // Bound the output by what the header declares (already within the limit): a stream that inflates beyond its
  // declaration is a bomb or a lie, and either way must not cost more memory than an honest message would.
  const body = decompress(payload, header.compression, header.uncompressedLength, 'the length the header declares');
  if (body.length !== header.uncompressedLength) {
    throw new ProtocolError(
      'malformed',
      `payload decompresses to ${body.length} bytes but the header declares ${header.uncompressedLength}`,
    );
  }
  return unpackRecords(body, header.recordCount, limits);
}

/** The sequence number to NACK a message with, whatever is wrong with it (0 when there is none to read). */
export function sequenceOf(frames: readonly Buffer[]): bigint {
  return peekSequence(frames[0]);
}

/**
 * Whether a message asks for no reply (header flag bit 0, docs/protocol.md): then it gets none, not even a NACK.
 * Only a header that parses counts; a header that does not cannot be trusted with its flags, so it is answered.
 */
export function noAckOf(frames: readonly Buffer[]): boolean {
  if (frames.length === 0) return false;
  try {
    return parseHeader(frames[0]).noAck;
  } catch {
    return false;
  }
}

export interface EncodeOptions {
  /** Default 'auto': compress above AUTO_COMPRESS_THRESHOLD bytes when it helps. */
  compression?: CompressionChoice;
  /** Payload size from which 'auto' compresses. */
  autoThreshold?: number;
  noAck?: boolean;
}

/** Builds the two frames of one message. `seq` must fit in u64. */
export function encodeMessage(seq: bigint | number, records: readonly RecordInput[], opts: EncodeOptions = {}): [Buffer, Buffer] {
  const raw = packRecords(records);
  const { compression, body } = compressAuto(raw, opts.compression ?? 'auto', opts.autoThreshold);
  const header = encodeHeader({
    seq: BigInt(seq),
    recordCount: records.length,
    crc: zlib.crc32(body),
    uncompressedLength: raw.length,
    compression,
    noAck: opts.noAck ?? false,
  });
  return [header, body];
}
