// Runs ChunkProcessor on N worker threads (or inline when N = 0). Chunks and their NDJSON output travel in
// BufferPool slots: each worker is sent every slot once, then only slot numbers cross (buffer-pool.ts says why).
// A buffer outside the pool (a miss) is transferred there and back, so the pool gets it again either way.
import { Worker } from 'node:worker_threads';
import type { BufferPool } from './buffer-pool.js';
import type { ChunkOutcome } from './processor.js';
import { createProcessor, runChunk, type WorkerInit, type WorkerRequest, type WorkerResultMessage } from './processor-factory.js';
import type { ChunkRoom } from '../routing/collect.js';

export interface ChunkResult {
  outcome: ChunkOutcome;
  /** NDJSON for the whole chunk; `output.buffer` goes back to the pool once written. */
  output: Uint8Array;
  /** True when the output outgrew the pooled buffer (a pool miss). */
  grew: boolean;
  /** When processing started and ended, ms since the epoch (the worker's clock), for the latency trace. */
  startedAt?: number;
  endedAt?: number;
}

interface Pending {
  resolve: (r: ChunkResult) => void;
  reject: (e: Error) => void;
  /** The pool slots lent with the request (-1: a transferred buffer), given back when the worker is done with them. */
  input: number;
  output: number;
}

interface Slot {
  worker: Worker;
  inflight: Map<number, Pending>;
  busyMs: number;
  /** How many of the pool's shared slots (BufferPool.shared, from the first) this worker has been sent. */
  known: number;
}

const EMPTY = new ArrayBuffer(0);

/** What a chunk's messages hold: records, and bytes as admitted (a native batch: its declared decompressed size). */
export interface ChunkContent {
  records: number;
  bytes: number;
}

/**
 * Bytes an NDJSON line adds to its record, at most for ordinary lines: the members ts (an ISO time), input,
 * severity, facility, host and app with their names and quotes come to ~130 bytes for the bench's records;
 * sender, topic or routingId add more. Only the slot size depends on it: an output that outgrows its slot is
 * moved to a larger buffer (a copy, counted as a pool miss), never cut.
 */
const LINE_OVERHEAD = 160;
/** Bytes a body part adds per record besides the line: a bulk action line (~30), a Loki entry's time and escapes. */
const PART_OVERHEAD = 64;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private inline?: ReturnType<typeof createProcessor>;
  private inlineBusyMs = 0;
  /** Sinks whose request body parts the workers write after the NDJSON (WorkerInit.bodies). */
  private readonly bodyParts: number;

  constructor(
    readonly size: number,
    private readonly init: WorkerInit,
    private readonly pool: BufferPool,
    private readonly onWorkerError: (err: Error) => void,
  ) {
    this.bodyParts = init.bodies?.filter((b) => b).length ?? 0;
    if (size === 0) this.inline = createProcessor(init);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: this.init });
    const slot: Slot = { worker, inflight: new Map(), busyMs: 0, known: 0 };
    const shared = this.pool.shared;
    worker.on('message', (msg: WorkerResultMessage) => {
      const p = slot.inflight.get(msg.id);
      if (!p) return;
      slot.inflight.delete(msg.id);
      slot.busyMs += msg.busyMs;
      this.pool.give(p.input >= 0 ? shared[p.input] : msg.input ?? EMPTY);
      // The output slot goes back now unless the NDJSON is in it (then the pipeline gives it back once written).
      const output = typeof msg.output === 'number' ? shared[msg.output] : msg.output;
      if (p.output >= 0 && output !== shared[p.output]) this.pool.give(shared[p.output]);
      if (msg.error || !msg.outcome || !output) p.reject(new Error(`worker failed: ${msg.error ?? 'no result'}`));
      else p.resolve({ outcome: msg.outcome, output: new Uint8Array(output, 0, msg.outputLength), grew: msg.grew, startedAt: msg.startedAt, endedAt: msg.startedAt + msg.busyMs });
    });
    const fail = (err: Error) => {
      for (const p of slot.inflight.values()) {
        // The thread is gone, so nothing writes these slots any more.
        if (p.input >= 0) this.pool.give(shared[p.input]);
        if (p.output >= 0) this.pool.give(shared[p.output]);
        p.reject(err);
      }
      slot.inflight.clear();
      if (this.closed) return;
      this.onWorkerError(err);
      // Replace the dead worker so one poisoned chunk cannot take processing capacity away for good.
      const idx = this.slots.indexOf(slot);
      if (idx >= 0) this.slots[idx] = this.spawn();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`worker exited with code ${code}`));
    });
    return slot;
  }

  /**
   * Bytes of the output buffer run() takes for a chunk of `length` bytes holding `content` (its messages' records
   * and admitted bytes, a native batch's declared decompressed size; absent: unknown). The pipeline waits for such a
   * slot, so an estimate that asks for a double-size slot where a single one holds the output leaves fewer outputs
   * waiting for the sinks (DOUBLE_BUFFERS of them), and each write of an HTTP sink smaller.
   */
  outputBytes(length: number, content?: ChunkContent): number {
    const single = this.pool.bufferBytes;
    if (this.bodyParts > 0 && content) {
      // The NDJSON is the records plus each line's members; every body part repeats its lines with its own
      // per-record framing. A 1 KiB-record batch of 256 KiB comes to ~600 KiB: one buffer (with a quarter-buffer
      // rule on the chunk's length alone it took a double one, and at most 6 outputs could wait for the sink).
      const records = Math.max(0, content.records);
      const ndjson = Math.max(length, content.bytes) + records * LINE_OVERHEAD;
      const estimate = ndjson + this.bodyParts * (ndjson + records * PART_OVERHEAD);
      return estimate <= single ? single : 2 * single;
    }
    // A chunk over half a buffer is one large message (Pipeline.submit closes chunks at half): its NDJSON
    // (about 1.1x a native batch of 1 KiB records) gets a double-size buffer, not one the worker outgrows and
    // replaces by a copy.
    // With HTTP sinks' body parts after the NDJSON (WorkerInit.bodies) the output is about 2 (1 KiB records) to
    // 4 (100 B) times the chunk: past a quarter of a buffer it gets a double one too.
    const large = length > single / (this.bodyParts > 0 ? 4 : 2);
    return large ? 2 * single : single;
  }

  /**
   * Processes a packed chunk. The chunk buffer is handed over: the pool gets it back once the chunk is
   * processed (an ArrayBuffer is transferred away, unless inline), and the caller must not touch it again.
   * `room`: how much of its native messages each sink's queue has room for (ChunkProcessor.process); `content`
   * as in outputBytes().
   */
  run(buffer: ArrayBufferLike, length: number, room?: ChunkRoom, content?: ChunkContent): Promise<ChunkResult> {
    const out = this.pool.take(this.outputBytes(length, content));
    if (this.inline) {
      const t0 = performance.now();
      try {
        const r = runChunk(this.inline, buffer, length, out, this.init.bodies, room);
        // Output that outgrew its pooled buffer is in a new one: the pooled one is free again.
        if (r.output !== out) this.pool.give(out);
        const startedAt = performance.timeOrigin + t0;
        return Promise.resolve({ outcome: r.outcome, output: new Uint8Array(r.output, 0, r.outputLength), grew: r.grew, startedAt, endedAt: startedAt + performance.now() - t0 });
      } catch (err) {
        this.pool.give(out);
        return Promise.reject(err as Error);
      } finally {
        this.pool.give(buffer);
        this.inlineBusyMs += performance.now() - t0;
      }
    }
    let slot = this.slots[0];
    for (const s of this.slots) if (s.inflight.size < slot.inflight.size) slot = s;
    const id = this.nextId++;
    const input = this.pool.slot(buffer);
    const output = this.pool.slot(out);
    const req: WorkerRequest = { id, buffer: input >= 0 ? input : (buffer as ArrayBuffer), length, output: output >= 0 ? output : (out as ArrayBuffer) };
    if (room) req.room = room;
    const transfer: ArrayBuffer[] = [];
    if (input < 0) transfer.push(buffer as ArrayBuffer);
    if (output < 0) transfer.push(out as ArrayBuffer);
    // Slots made since this worker's last request: sent once (shared, not copied), before any request names them.
    const shared = this.pool.shared;
    if (slot.known < shared.length) {
      req.shared = shared.slice(slot.known);
      slot.known = shared.length;
    }
    return new Promise<ChunkResult>((resolve, reject) => {
      slot.inflight.set(id, { resolve, reject, input, output });
      slot.worker.postMessage(req, transfer);
    });
  }

  inflight(): number {
    let n = 0;
    for (const s of this.slots) n += s.inflight.size;
    return n;
  }

  /** Busy milliseconds per worker since the last call (for the busy-ratio gauge). */
  takeBusy(): number[] {
    if (this.inline) {
      const b = this.inlineBusyMs;
      this.inlineBusyMs = 0;
      return [b];
    }
    return this.slots.map((s) => {
      const b = s.busyMs;
      s.busyMs = 0;
      return b;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
