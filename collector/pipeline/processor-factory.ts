// What the worker entry (worker-main.ts) and the inline path (worker-pool.ts, `workers: 0`) share, so both
// behave identically: the settings a processor is built from, building it from the pure pieces (protocol
// decoding, record decoding), running one chunk, and the messages between the pool and a worker.
import { parseHeader } from '../protocol/header.js';
import { openPayload } from '../protocol/message.js';
import { decodeRecord } from '../decode/record.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { ChunkProcessor, type ChunkOutcome, type ProcessorInput } from './processor.js';
import type { RouteTable } from '../routing/match.js';
import { appendBodyPart, type WorkerBodySpec } from '../sinks/http/worker-body.js';
import type { ChunkRoom } from '../routing/collect.js';
import { plainLineWriterClass } from './native-lines.js';

/** What a processor is built from (a worker's workerData). */
export interface WorkerInit {
  /** Decoding settings per input index. */
  inputs: ProcessorInput[];
  maxRecordBytes: number;
  maxDecompressedBytes: number;
  hostname: string;
  /** Each sink's `match` and the global drop rules (routing/); absent: every sink takes every record. */
  routes?: RouteTable;
  /**
   * Per sink (config order): the request body part the worker builds from the lines that sink takes (an HTTP
   * sink without a disk buffer, Sink.workerBody), or null. Absent: none.
   */
  bodies?: (WorkerBodySpec | null)[];
  /** false: JavaScript writes every line even when the addon's writer is there (tests compare the two). Default true. */
  nativeLines?: boolean;
}

export function createProcessor(init: WorkerInit): ChunkProcessor {
  const limits = { maxDecompressedBytes: init.maxDecompressedBytes, maxRecordBytes: init.maxRecordBytes };
  return new ChunkProcessor({
    inputs: init.inputs,
    limits,
    hostname: init.hostname,
    routes: init.routes,
    plainLines: init.nativeLines === false ? undefined : plainLineWriterClass(),
    decode: decodeRecord,
    openNative: (header, payload) => openPayload(parseHeader(header), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), limits),
  });
}

export interface ChunkRun {
  outcome: ChunkOutcome;
  /** The NDJSON: `outputLength` bytes at the start of `output` (the buffer given, or a larger ArrayBuffer). */
  output: ArrayBufferLike;
  outputLength: number;
  /** True when the output outgrew the buffer given (a pool miss). */
  grew: boolean;
}

/**
 * Processes one packed chunk (`length` bytes of `buffer`) into NDJSON written to `output`, followed by the body
 * part of each sink that has a spec in `bodies` (ChunkOutcome.bodies says where); `room` as in
 * ChunkProcessor.process. Throws what the processor throws.
 */
export function runChunk(processor: ChunkProcessor, buffer: ArrayBufferLike, length: number, output: ArrayBufferLike, bodies?: readonly (WorkerBodySpec | null)[], room?: ChunkRoom): ChunkRun {
  const writer = new NdjsonWriter(output);
  const outcome = processor.process(buffer, length, writer, room);
  if (bodies && bodies.some((b) => b) && outcome.records > 0) appendBodies(outcome, writer, bodies);
  return { outcome, output: writer.buf.buffer, outputLength: writer.pos, grew: writer.grew > 0 };
}

/** Appends each sink's body part of the chunk's lines after the NDJSON. */
function appendBodies(outcome: ChunkOutcome, writer: NdjsonWriter, bodies: readonly (WorkerBodySpec | null)[]): void {
  const ndjsonBytes = writer.pos;
  const parts = new Int32Array(bodies.length * 3).fill(-1);
  for (let s = 0; s < bodies.length; s++) {
    const spec = bodies[s];
    if (!spec) continue;
    const start = writer.pos;
    const records = appendBodyPart(spec, writer, outcome.routes ? outcome.routes.ranges[s] : [0, ndjsonBytes]);
    if (records > 0) parts.set([start, writer.pos, records], s * 3);
  }
  outcome.bodies = { ndjsonBytes, parts };
}

/**
 * A buffer as it crosses to or from a worker: the number of a BufferPool slot (a SharedArrayBuffer the worker
 * was given once, see WorkerRequest.shared), or an ArrayBuffer that is transferred with the message.
 */
export type BufferRef = number | ArrayBuffer;

/** Pool -> worker: a chunk to process and a buffer for its output. */
export interface WorkerRequest {
  id: number;
  buffer: BufferRef;
  length: number;
  output: BufferRef;
  /** Room in each sink's queue for the chunk's native messages (ChunkProcessor.process); absent: no bound. */
  room?: ChunkRoom;
  /** Pool slots this worker has not been sent yet, numbered on from the last it has (BufferPool.shared). */
  shared?: SharedArrayBuffer[];
}

/** Worker -> pool: the result, or the error. Slots are not sent back: the pool knows which it lent. */
export interface WorkerResultMessage {
  id: number;
  outcome?: ChunkOutcome;
  error?: string;
  /** The chunk buffer back when it was a transferred ArrayBuffer (for the pool); absent for a slot. */
  input?: ArrayBuffer;
  /** The NDJSON: in the output slot or ArrayBuffer given, or in an ArrayBuffer the worker had to grow it into. */
  output?: BufferRef;
  outputLength: number;
  grew: boolean;
  busyMs: number;
  /** When the worker started on the chunk, ms since the epoch (its own clock: timeOrigin + now()). */
  startedAt: number;
}
