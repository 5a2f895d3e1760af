// Runs ChunkProcessor on N worker threads (or inline when N = 0). Chunks and their NDJSON output travel as
// transferred ArrayBuffers from the BufferPool; each result carries both buffers home so they can be reused.
import { Worker } from 'node:worker_threads';
import type { BufferPool } from './buffer-pool.js';
import type { ChunkOutcome } from './processor.js';
import { createProcessor, runChunk, type WorkerInit, type WorkerRequest, type WorkerResultMessage } from './processor-factory.js';

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
}

interface Slot {
  worker: Worker;
  inflight: Map<number, Pending>;
  busyMs: number;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private inline?: ReturnType<typeof createProcessor>;
  private inlineBusyMs = 0;

  constructor(
    readonly size: number,
    private readonly init: WorkerInit,
    private readonly pool: BufferPool,
    private readonly onWorkerError: (err: Error) => void,
  ) {
    if (size === 0) this.inline = createProcessor(init);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: this.init });
    const slot: Slot = { worker, inflight: new Map(), busyMs: 0 };
    worker.on('message', (msg: WorkerResultMessage) => {
      const p = slot.inflight.get(msg.id);
      if (!p) return;
      slot.inflight.delete(msg.id);
      slot.busyMs += msg.busyMs;
      this.pool.give(msg.input);
      if (msg.error || !msg.outcome || !msg.output) p.reject(new Error(`worker failed: ${msg.error ?? 'no result'}`));
      else p.resolve({ outcome: msg.outcome, output: new Uint8Array(msg.output, 0, msg.outputLength), grew: msg.grew, startedAt: msg.startedAt, endedAt: msg.startedAt + msg.busyMs });
    });
    const fail = (err: Error) => {
      for (const p of slot.inflight.values()) p.reject(err);
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

  /** Processes a packed chunk. The chunk buffer is transferred away (unless inline) and must not be reused. */
  run(buffer: ArrayBuffer, length: number): Promise<ChunkResult> {
    // A chunk over half a buffer is one large message (Pipeline.submit closes chunks at half): its NDJSON
    // (about 1.1x a native batch of 1 KiB records) gets a double-size buffer, not one the worker outgrows and
    // replaces by a copy.
    const out = this.pool.take(length > this.pool.bufferBytes / 2 ? 2 * this.pool.bufferBytes : this.pool.bufferBytes);
    if (this.inline) {
      const t0 = performance.now();
      try {
        const r = runChunk(this.inline, buffer, length, out);
        const startedAt = performance.timeOrigin + t0;
        return Promise.resolve({ outcome: r.outcome, output: new Uint8Array(r.output, 0, r.outputLength), grew: r.grew, startedAt, endedAt: startedAt + performance.now() - t0 });
      } catch (err) {
        return Promise.reject(err as Error);
      } finally {
        this.pool.give(buffer);
        this.inlineBusyMs += performance.now() - t0;
      }
    }
    let slot = this.slots[0];
    for (const s of this.slots) if (s.inflight.size < slot.inflight.size) slot = s;
    const id = this.nextId++;
    return new Promise<ChunkResult>((resolve, reject) => {
      slot.inflight.set(id, { resolve, reject });
      const req: WorkerRequest = { id, buffer, length, output: out };
      slot.worker.postMessage(req, [buffer, out]);
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
