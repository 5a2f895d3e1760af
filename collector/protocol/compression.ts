// Payload compression. Decompression is bounded with zlib's maxOutputLength, so a compression bomb costs at most
// the declared (already limit-checked) size in memory and is refused as too_large.

import zlib from 'node:zlib';
import { ProtocolError } from '../errors.js';
import type { Compression } from './header.js';

export type CompressionChoice = Compression | 'auto';

/** Payloads at or above this size are compressed when the choice is 'auto'. Small batches gain little. */
export const AUTO_COMPRESS_THRESHOLD = 4096;
/** What 'auto' uses: deflate at level 1 gives most of the ratio on log text at a fraction of the CPU. */
export const AUTO_COMPRESSION: Compression = 'deflate';
const AUTO_LEVEL = 1;
/** Brotli's default quality (11) is far too slow for a log shipper; 4 is close to gzip -6 speed with a better ratio. */
const BROTLI_QUALITY = 4;

export function compress(data: Uint8Array, kind: Compression, level?: number): Buffer {
  switch (kind) {
    case 'none':
      return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'gzip':
      return zlib.gzipSync(data, level === undefined ? {} : { level });
    case 'deflate':
      return zlib.deflateSync(data, level === undefined ? {} : { level });
    case 'brotli':
      return zlib.brotliCompressSync(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: level ?? BROTLI_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      });
  }
}

/**
 * Resolves 'auto': below the threshold nothing; above it deflate at level 1, falling back to none when that does
 * not make the payload smaller (already-compressed or random data).
 */
export function compressAuto(
  data: Uint8Array,
  choice: CompressionChoice,
  threshold: number = AUTO_COMPRESS_THRESHOLD,
): { compression: Compression; body: Buffer } {
  if (choice !== 'auto') return { compression: choice, body: compress(data, choice) };
  if (data.length < threshold) return { compression: 'none', body: compress(data, 'none') };
  const body = compress(data, AUTO_COMPRESSION, AUTO_LEVEL);
  if (body.length >= data.length) return { compression: 'none', body: compress(data, 'none') };
  return { compression: AUTO_COMPRESSION, body };
}

function isTooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * Above this, decompress() inflates into zlib's default 16 KiB chunks: a single output buffer would be reserved
 * whole. zlog's callers stay under it (limits.maxDecompressedBytes defaults to 32 MiB).
 */
const MAX_SINGLE_OUTPUT = 256 * 1024 * 1024;

/**
 * Decompresses `data`, producing at most `maxOutputBytes` bytes. Output beyond that is refused with
 * ProtocolError `too_large`; corrupt or truncated streams with `malformed`.
 *
 * The output goes into one buffer of `maxOutputBytes + 1` bytes (zlib's chunkSize; untouched pages of it are never
 * resident), not into 16 KiB chunks that zlib joins at the end: the join held every payload twice until the
 * garbage collector ran (15 MiB bombs: about 15 MiB more peak RSS per payload being inflated; bomb-kinds test).
 * The extra byte lets an honest stream end without zlib reserving a second buffer.
 */
export function decompress(data: Buffer, kind: Compression, maxOutputBytes: number, limitName = 'the limit'): Buffer {
  if (kind === 'none') {
    if (data.length > maxOutputBytes) {
      throw new ProtocolError('too_large', `payload is ${data.length} bytes; ${limitName} is ${maxOutputBytes}`);
    }
    return data;
  }
  // zlib rejects maxOutputLength 0; a stream that decompresses to nothing still fits in 1.
  const maxOutputLength = Math.max(1, maxOutputBytes);
  const chunkSize = maxOutputLength < MAX_SINGLE_OUTPUT ? Math.max(zlib.constants.Z_MIN_CHUNK, maxOutputLength + 1) : undefined;
  let out: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // `info: true` returns the engine too: its bytesWritten is the input the stream consumed, which is how
    // trailing bytes after the end of a deflate or brotli stream show (zlib stops there and ignores them).
    switch (kind) {
      case 'gzip':
        out = zlib.gunzipSync(data, { maxOutputLength, chunkSize, info: true }) as unknown as typeof out;
        break;
      case 'deflate':
        out = zlib.inflateSync(data, { maxOutputLength, chunkSize, info: true }) as unknown as typeof out;
        break;
      case 'brotli':
        out = zlib.brotliDecompressSync(data, { maxOutputLength, chunkSize, info: true } as zlib.BrotliOptions) as unknown as typeof out;
        break;
    }
  } catch (err) {
    if (isTooLarge(err)) {
      throw new ProtocolError('too_large', `${kind} payload decompresses to more than ${maxOutputBytes} bytes (${limitName})`, { cause: err });
    }
    const what = err instanceof Error ? err.message : String(err);
    throw new ProtocolError('malformed', `${kind} payload does not decompress: ${what}`, { cause: err });
  }
  const consumed = out.engine.bytesWritten;
  if (consumed !== data.length) {
    throw new ProtocolError('malformed', `${kind} payload has ${data.length - consumed} bytes after the end of its compressed stream`);
  }
  return out.buffer;
}
