// The decompressed payload: `count` records, each a u32 big-endian length then that many bytes.
// unpackRecords is on the server's hot path, so it makes one Uint32Array of offsets and no per-record objects;
// a record becomes a Buffer (a subarray, no copy) only when someone asks for it.

import { ProtocolError } from '../errors.js';
import { MAX_U32 } from './header.js';

export type RecordInput = Uint8Array | string;

/** Bytes packRecords will produce for these records. */
export function packedSize(records: readonly RecordInput[]): number {
  let total = 0;
  for (const r of records) total += 4 + (typeof r === 'string' ? Buffer.byteLength(r, 'utf8') : r.length);
  return total;
}

/** Packs records into one payload buffer. Strings are written as UTF-8 straight into the buffer. */
export function packRecords(records: readonly RecordInput[]): Buffer {
  const total = packedSize(records);
  if (total > MAX_U32) throw new RangeError(`payload of ${total} bytes exceeds the u32 length field`);
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (const r of records) {
    if (typeof r === 'string') {
      // Write the text first, then its length in front of it, so each string is encoded once.
      const n = out.write(r, off + 4, 'utf8');
      out.writeUInt32BE(n, off);
      off += 4 + n;
    } else {
      out.writeUInt32BE(r.length, off);
      out.set(r, off + 4);
      off += 4 + r.length;
    }
  }
  return out;
}

/**
 * A read-only view over the records of one payload. `record(i)` returns a subarray of the payload (no copy),
 * cut to `maxRecordBytes` (at a UTF-8 character boundary) when the record is longer; `isTruncated(i)` says so.
 */
export class RecordBatch implements Iterable<Buffer> {
  readonly payload: Buffer;
  readonly count: number;
  /** Records longer than the limit; the record itself is kept, cut to the limit. */
  readonly truncatedCount: number;
  readonly maxRecordBytes: number;
  /** [start0, length0, start1, length1, ...], lengths as sent (before truncation). */
  private readonly spans: Uint32Array;

  constructor(payload: Buffer, count: number, spans: Uint32Array, maxRecordBytes: number, truncatedCount: number) {
    this.payload = payload;
    this.count = count;
    this.spans = spans;
    this.maxRecordBytes = maxRecordBytes;
    this.truncatedCount = truncatedCount;
  }

  /** Start offset of record i inside `payload`. */
  start(i: number): number {
    return this.spans[2 * i];
  }

  /** Length of record i as sent (may exceed maxRecordBytes). */
  sentLength(i: number): number {
    return this.spans[2 * i + 1];
  }

  isTruncated(i: number): boolean {
    return this.spans[2 * i + 1] > this.maxRecordBytes;
  }

  /** Length of record i as delivered by record(i). */
  length(i: number): number {
    const len = this.spans[2 * i + 1];
    if (len <= this.maxRecordBytes) return len;
    return utf8Cut(this.payload, this.spans[2 * i], this.maxRecordBytes);
  }

  record(i: number): Buffer {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`record index ${i} out of range 0..${this.count - 1}`);
    const start = this.spans[2 * i];
    return this.payload.subarray(start, start + this.length(i));
  }

  *[Symbol.iterator](): Iterator<Buffer> {
    for (let i = 0; i < this.count; i++) yield this.record(i);
  }

  toArray(): Buffer[] {
    const out = new Array<Buffer>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.record(i);
    return out;
  }
}

/**
 * Longest prefix of at most `max` bytes at `start` that does not split a UTF-8 sequence. Binary (non-UTF-8)
 * records lose at most 3 extra bytes, which is acceptable for a record that is being truncated anyway.
 */
function utf8Cut(buf: Buffer, start: number, max: number): number {
  let n = max;
  // While the first byte left out is a continuation byte (10xxxxxx) the cut splits a character: move it back
  // to that character's lead byte (a UTF-8 character has at most 3 continuation bytes).
  let back = 0;
  while (back < 3 && n > 0 && (buf[start + n] & 0xc0) === 0x80) {
    n--;
    back++;
  }
  return n;
}

/**
 * Splits a decompressed payload into exactly `expectedCount` records. Throws ProtocolError `malformed` when a
 * length runs past the end, the count does not match, or bytes are left over.
 */
export function unpackRecords(payload: Buffer, expectedCount: number, limits: { maxRecordBytes: number }): RecordBatch {
  const { spans, truncated } = walkRecords(payload, expectedCount, true, limits.maxRecordBytes);
  return new RecordBatch(payload, expectedCount, spans!, limits.maxRecordBytes, truncated);
}

/**
 * Checks that an uncompressed payload holds exactly `expectedCount` length-prefixed records, as unpackRecords
 * would, without keeping anything: what a server checks before it acknowledges a batch that no worker has opened
 * yet. Throws the same ProtocolError `malformed`.
 */
export function checkRecordFraming(payload: Uint8Array, expectedCount: number): void {
  walkRecords(payload, expectedCount, false, Infinity);
}

/**
 * The payload's framing rule, in one place: with `keep`, each record's [start, length] in `spans`; `truncated`:
 * how many records are longer than `max`.
 */
function walkRecords(payload: Uint8Array, expectedCount: number, keep: boolean, max: number): { spans?: Uint32Array; truncated: number } {
  const end = payload.length;
  // Every record needs at least its 4-byte length, so this bounds the offsets array by the payload size.
  if (expectedCount * 4 > end) {
    throw new ProtocolError('malformed', `header declares ${expectedCount} records but the payload has only ${end} bytes (at least 4 per record)`);
  }
  const spans = keep ? new Uint32Array(expectedCount * 2) : undefined;
  let truncated = 0;
  let off = 0;
  for (let i = 0; i < expectedCount; i++) {
    if (off + 4 > end) {
      throw new ProtocolError('malformed', `payload ends at byte ${end} inside the length of record ${i} of ${expectedCount}`);
    }
    const len = ((payload[off] << 24) | (payload[off + 1] << 16) | (payload[off + 2] << 8) | payload[off + 3]) >>> 0;
    off += 4;
    if (len > end - off) {
      throw new ProtocolError('malformed', `record ${i} declares ${len} bytes at offset ${off} but only ${end - off} remain in the payload`);
    }
    if (spans) {
      spans[2 * i] = off;
      spans[2 * i + 1] = len;
    }
    if (len > max) truncated++;
    off += len;
  }
  if (off !== end) {
    throw new ProtocolError('malformed', `${end - off} bytes left over after the ${expectedCount} records the header declares`);
  }
  return { spans, truncated };
}
