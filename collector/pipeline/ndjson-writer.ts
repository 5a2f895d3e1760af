// Builds NDJSON output into a growable byte buffer. The hot path (plain text records) writes bytes straight
// from the received frame with JSON escaping done byte by byte, never materialising a JS string.
import { isUtf8 } from 'node:buffer';

const HEX = '0123456789abcdef';
const enc = new TextEncoder();

export class NdjsonWriter {
  buf: Uint8Array;
  pos = 0;
  /** Buffers allocated because the given one was too small (reported as pool misses). */
  grew = 0;

  constructor(initial: ArrayBufferLike) {
    this.buf = new Uint8Array(initial);
  }

  /** Makes room for `extra` more bytes at pos (a larger buffer holding what was written, counted in `grew`). */
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.grew++;
  }

  /** Raw bytes already known to be valid JSON text (pre-encoded prefixes). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A JS string written as UTF-8 (already JSON, e.g. from JSON.stringify). */
  str(s: string): void {
    this.ensure(s.length * 3);
    this.pos += enc.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  /** Bytes known to need no JSON escaping (see FLAG_JSON_PLAIN in chunk.ts), copied as they are. */
  bytes(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    this.pos = copyRun(src, start, end, this.buf, this.pos);
  }

  /**
   * The body of a JSON string (no quotes) from UTF-8 bytes. Returns false, writing nothing, when the bytes are
   * not valid UTF-8 so the caller can take the slow path that replaces bad sequences and flags the record.
   */
  escapedBytes(src: Uint8Array, start: number, end: number): boolean {
    // Worst case every byte becomes \u00XX.
    this.ensure((end - start) * 6);
    const out = this.buf;
    let p = this.pos;
    // OR of every byte: >= 0x80 when any is non-ASCII, which is when UTF-8 validity needs checking.
    let seen = 0;
    const plain = end - start < LONG_RECORD ? plainBytes(src, start, end) : -1;
    if (plain >= 0) {
      // Short text that needs no escaping (most log lines): a read-only scan, then one memmove.
      out.set(src.subarray(start, end), p);
      p += end - start;
      seen = plain;
    } else if (end - start < LONG_RECORD) {
      // Short text: copy while scanning, one pass.
      for (let i = start; i < end; i++) {
        const c = src[i];
        seen |= c;
        if (c >= 0x20 && c !== 0x22 && c !== 0x5c) out[p++] = c;
        else p = writeEscape(out, p, c);
      }
    } else {
      // Long text: scan, and copy each run of bytes that need no escaping in one go (a memmove). Copying byte
      // by byte was most of the worker's time for 1 KiB records.
      let run = start;
      for (let i = start; i < end; i++) {
        const c = src[i];
        seen |= c;
        if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
        p = copyRun(src, run, i, out, p);
        p = writeEscape(out, p, c);
        run = i + 1;
      }
      p = copyRun(src, run, end, out, p);
    }
    if (seen >= 0x80 && !isUtf8(src.subarray(start, end))) return false;
    this.pos = p;
    return true;
  }

  take(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Below this length a record is escaped in one pass, byte by byte; above it, plain runs are copied with set():
 * a subarray and a set() cost about as much as ~200 bytes copied one by one (measured on Node 20).
 */
const LONG_RECORD = 256;

/** Short runs byte by byte, longer ones as one memmove. */
/** The OR of the bytes when none needs escaping, else -1. */
function plainBytes(src: Uint8Array, start: number, end: number): number {
  let seen = 0;
  for (let i = start; i < end; i++) {
    const c = src[i];
    if (c < 0x20 || c === 0x22 || c === 0x5c) return -1;
    seen |= c;
  }
  return seen;
}

function copyRun(src: Uint8Array, from: number, to: number, out: Uint8Array, p: number): number {
  if (to - from < LONG_RECORD) {
    for (let i = from; i < to; i++) out[p++] = src[i];
    return p;
  }
  out.set(src.subarray(from, to), p);
  return p + (to - from);
}

/** The JSON escape of a byte that cannot appear as itself in a JSON string: `"`, `\\`, or a control byte. */
function writeEscape(out: Uint8Array, p: number, c: number): number {
  out[p++] = 0x5c;
  if (c === 0x22 || c === 0x5c) {
    out[p++] = c;
  } else if (c === 0x0a) {
    out[p++] = 0x6e;
  } else if (c === 0x09) {
    out[p++] = 0x74;
  } else if (c === 0x0d) {
    out[p++] = 0x72;
  } else {
    out[p++] = 0x75;
    out[p++] = 0x30;
    out[p++] = 0x30;
    out[p++] = HEX.charCodeAt(c >> 4);
    out[p++] = HEX.charCodeAt(c & 15);
  }
  return p;
}

export function ascii(s: string): Uint8Array {
  return enc.encode(s);
}
