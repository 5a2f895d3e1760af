// The addon's NDJSON line writer and shared-memory copies (native/src/ndjson.cc), for the worker's fast path, the
// main thread's copy of small outputs and its packing of ROUTER batches into chunks. Both are optional: without the addon (not built, or an older build without
// them) the JavaScript paths do the same work, byte for byte.
import { loadNativeReceive } from '../inputs/zmq/native-receive.js';

/**
 * Writes the lines of a run of plain messages of a packed chunk (chunk.ts layout). `state` is [chunk offset,
 * output position, entries of perMessage used, records] and is updated in place; the writer stops at the first
 * message it cannot write (see native/src/ndjson.cc) and leaves it to the caller.
 */
export interface PlainLineWriter {
  write(chunk: Uint8Array, out: Uint8Array, perMessage: Int32Array, state: Int32Array): void;
}

/**
 * `before` + ISO time + `after[input]` + record + `end` per record; `modes[input]`: 0 not written here, 1 any first
 * byte (format text), 2 not '{' or '<' (format auto); records above maxRecordBytes are left to the caller. With
 * `maxDecompressedBytes` (limits.maxDecompressedBytes) it also writes uncompressed native protocol batches (ROUTER
 * inputs), each record's line ending with the batch's sender and routing id; without it they are left to the caller.
 */
export type PlainLineWriterClass = new (before: Uint8Array, after: (Uint8Array | null)[], modes: Uint8Array, end: Uint8Array, maxRecordBytes: number, maxDecompressedBytes?: number) => PlainLineWriter;

interface NdjsonAddon {
  PlainLines?: PlainLineWriterClass;
  copyOf?: (bytes: Uint8Array) => Uint8Array;
  copyInto?: (target: Uint8Array, offset: number, source: Uint8Array) => void;
}

function addon(): NdjsonAddon | undefined {
  const a = loadNativeReceive();
  return a instanceof Error ? undefined : (a as unknown as NdjsonAddon);
}

/** The native writer class, or undefined without the addon. */
export function plainLineWriterClass(): PlainLineWriterClass | undefined {
  return addon()?.PlainLines;
}

let copy: ((bytes: Uint8Array) => Uint8Array) | undefined | null = null;

/**
 * A copy of `bytes` in plain (unshared) memory. A slice of a SharedArrayBuffer is copied by V8 with relaxed atomics,
 * ~10x slower than memcpy: the addon's memcpy when it is there, else slice().
 */
export function copyOf(bytes: Uint8Array): Uint8Array {
  if (copy === null) copy = addon()?.copyOf;
  return copy ? copy(bytes) : bytes.slice();
}

type CopyIntoFn = (target: Uint8Array, offset: number, source: Uint8Array) => void;
let into: CopyIntoFn | undefined | null = null;

/** The addon's memmove of `source` into `target` at `offset` (native/src/bodies.cc), or undefined without the addon. */
export function nativeCopyInto(): CopyIntoFn | undefined {
  if (into === null) into = addon()?.copyInto;
  return into;
}

/**
 * `target.set(source, offset)`, with the addon's memcpy when it is there: V8 copies into a SharedArrayBuffer with
 * relaxed atomics, ~10x slower (see copyOf). Throws RangeError when `source` does not fit at `offset`.
 */
export function copyInto(target: Uint8Array, offset: number, source: Uint8Array): void {
  const native = nativeCopyInto();
  if (native) native(target, offset, source);
  else target.set(source, offset);
}
