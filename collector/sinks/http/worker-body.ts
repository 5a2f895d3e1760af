// HTTP sink request bodies built in the pipeline's worker threads, beside the NDJSON they are made from: the
// worker that has just written a chunk's lines turns the lines a sink takes into that sink's part of a request
// body (bulk action/document pairs, or the Loki push streams), and the main thread only joins the parts of a
// request. Before, the main thread split every write into records again and built the body (elasticsearch:
// three buffers per record; loki: a copy into an encoder thread that scanned, escaped and gzipped one body
// at a time). Pure functions; the spec crosses to the worker as workerData, so it is plain data.
import type { NdjsonWriter } from '../../pipeline/ndjson-writer.js';
import { bulkBody, parseIndexTemplate } from '../elasticsearch/bulk.js';
import { splitLines } from './batch.js';
import { pushStreams, pushStreamsPieces, type Scratch } from '../loki/push.js';
import type { LokiLabelField } from '../loki/schema.js';
import { loadNativeReceive } from '../../inputs/zmq/native-receive.js';
import { nativeCopyInto } from '../../pipeline/native-lines.js';

/** What a sink's body part is made of (structured-cloneable: it is part of the worker's workerData). */
export type WorkerBodySpec = { kind: 'bulk'; action: 'create' | 'index'; index: string } | { kind: 'loki'; labels: LokiLabelField[]; staticLabels: Record<string, string> };

/**
 * A part of a request body and the records it holds, in the order of the sink's NDJSON lines that made it (an
 * elasticsearch bulk response names its items in this order).
 */
export interface BodyPart {
  body: Uint8Array;
  records: number;
}

/** The body part of these records (NDJSON lines without their newline). Throws for a record it cannot encode. */
export function bodyPart(spec: WorkerBodySpec, docs: readonly Uint8Array[], scratch?: Scratch): Uint8Array {
  return spec.kind === 'bulk' ? bulkBody(docs, spec.action, spec.index) : pushStreams(docs, spec.labels, spec.staticLabels, scratch);
}

/** One request body of consecutive parts (a bulk body is its parts one after the other). */
export function joinBodyParts(spec: WorkerBodySpec, parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(bodyPieces(spec, parts));
}

/**
 * The pieces one request body is, in order, without joining them (the transport gzips them as one body): a bulk
 * body is its parts; a push body the envelope around every part's streams, separated by commas.
 */
export function bodyPieces(spec: WorkerBodySpec, parts: readonly Uint8Array[]): Uint8Array[] {
  return spec.kind === 'loki' ? pushStreamsPieces(parts) : [...parts];
}

/**
 * Appends to `w` the body part of the NDJSON lines at `ranges` ([start, end, ...]) of w's own output; returns how
 * many records it holds, or -1 when a line cannot be encoded (nothing is appended then: the sink builds that part
 * record by record and dead-letters the line). A bulk part with a constant index is written straight from the
 * lines, by the addon when it is there (`native`: false writes it in JavaScript, the same bytes); every other part
 * is built by bodyPart and copied in.
 */
export function appendBodyPart(spec: WorkerBodySpec, w: NdjsonWriter, ranges: readonly number[], native = true): number {
  const start = w.pos;
  if (spec.kind === 'bulk') {
    const index = parseIndexTemplate(spec.index);
    if (index.length === 1) {
      const action = actionLine(spec.action, index[0]);
      const written = native ? nativeBulkLines(w, ranges, action) : -1;
      return written >= 0 ? written : appendBulkLines(w, ranges, action);
    }
  }
  const copyIn = native ? nativeCopyInto() : undefined;
  const lines: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < ranges.length; i += 2) total += Math.max(0, ranges[i + 1] - ranges[i]);
  // With the addon, the part is built from a plain copy of the lines (one memcpy), not from the shared slot,
  // which V8 reads byte by byte with relaxed atomics wherever it copies a piece of it. The copy and the part go
  // into this thread's scratch buffers (the part is copied into the slot at once): no allocation of their size
  // per chunk.
  if (copyIn && linesScratch.length < total) linesScratch = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i + 1] <= ranges[i]) continue;
    const range = w.buf.subarray(ranges[i], ranges[i + 1]);
    if (copyIn) {
      copyIn(linesScratch, at, range);
      lines.push(linesScratch.subarray(at, at + range.byteLength));
      at += range.byteLength;
    } else lines.push(range);
  }
  const docs = splitLines(lines);
  if (docs.length === 0) return 0;
  let part: Uint8Array;
  try {
    part = bodyPart(spec, docs, copyIn ? partScratch : undefined);
  } catch {
    w.pos = start;
    return -1;
  }
  // The docs are views of the buffer before any growth (or copies); `part` is a copy, so growing w cannot change it.
  if (copyIn) {
    w.ensure(part.byteLength);
    copyIn(w.buf, w.pos, part);
    w.pos += part.byteLength;
  } else w.raw(part);
  return docs.length;
}

const actionLines = new Map<string, Uint8Array>();

/** `{"<action>":{"_index":"<index>"}}\n`, made once per setting (bulk.ts bulkBody writes the same line). */
function actionLine(action: string, index: string): Uint8Array {
  const key = `${action}\0${index}`;
  let line = actionLines.get(key);
  if (!line) actionLines.set(key, (line = Buffer.from(JSON.stringify({ [action]: { _index: index } }) + '\n')));
  return line;
}

/** Per thread: the plain copy of a chunk's lines, and the part built from them (both grow to the largest seen). */
let linesScratch = Buffer.alloc(0);
const partScratch: Scratch = { buf: Buffer.alloc(0) };

type BulkLinesFn = (buf: Uint8Array, ranges: Int32Array, action: Uint8Array, state: Int32Array) => boolean;
let bulkLinesFn: BulkLinesFn | undefined | null = null;
const bulkState = new Int32Array(2);

/**
 * appendBulkLines by the addon (native/src/bodies.cc: one memcpy per line, where V8 copies a line out of and back
 * into the shared slot byte by byte); -1 without the addon (an older build, or none), and JavaScript writes it.
 */
function nativeBulkLines(w: NdjsonWriter, ranges: readonly number[], action: Uint8Array): number {
  if (bulkLinesFn === null) {
    const addon = loadNativeReceive();
    bulkLinesFn = addon instanceof Error ? undefined : (addon as unknown as { bulkLines?: BulkLinesFn }).bulkLines;
  }
  if (!bulkLinesFn) return -1;
  const r = Int32Array.from(ranges);
  bulkState[0] = w.pos;
  if (!bulkLinesFn(w.buf, r, action, bulkState)) {
    // No room from w.pos: grow the output (as w.raw would) and write it there.
    w.ensure(bulkState[1]);
    bulkState[0] = w.pos;
    if (!bulkLinesFn(w.buf, r, action, bulkState)) return -1;
  }
  w.pos = bulkState[0];
  return bulkState[1];
}

/**
 * The action line, then the line with its newline, for each non-empty line at `ranges` of w's output, built in one
 * buffer and copied in once: Buffer#indexOf and set() are native calls, where Uint8Array#indexOf and a byte loop
 * cost 6 and 3 times as much per 100-byte record (micro-benchmark, Node 20).
 */
function appendBulkLines(w: NdjsonWriter, ranges: readonly number[], action: Uint8Array): number {
  const src = Buffer.from(w.buf.buffer, w.buf.byteOffset, w.buf.byteLength);
  const lines: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const end = ranges[i + 1];
    for (let s = ranges[i]; s < end; ) {
      let nl = src.indexOf(0x0a, s);
      if (nl < 0 || nl >= end) nl = end;
      if (nl > s) {
        lines.push(s, nl);
        bytes += nl - s + 1 + action.length;
      }
      s = nl + 1;
    }
  }
  const part = Buffer.allocUnsafe(bytes);
  let p = 0;
  for (let i = 0; i < lines.length; i += 2) {
    part.set(action, p);
    p += action.length;
    p += src.copy(part, p, lines[i], lines[i + 1]);
    part[p++] = 0x0a;
  }
  w.raw(part);
  return lines.length / 2;
}
