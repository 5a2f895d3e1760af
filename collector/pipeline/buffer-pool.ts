// A fixed-size pool of ArrayBuffers used to move raw messages to worker threads and NDJSON back. Buffers are
// transferred (moved, not copied) across threads and come home with the result, so steady-state ingest
// allocates nothing. The pool never holds more than `capacity` buffers: extra returns are dropped for GC.
//
// Besides them it keeps a few buffers of twice the size (DOUBLE_BUFFERS): a native batch of ~1 MiB (1000 records
// of 1 KiB, bench case bp) is a chunk of its own whose NDJSON outgrows one buffer, and a fresh 2 MiB buffer per
// batch (the worker doubling its output) was most of the main thread's garbage-collection time (20%) and RSS.

export interface PoolStats {
  hits: number;
  misses: number;
  free: number;
}

/** Double-size buffers kept at most: one per chunk in flight on a 2-worker pool, plus one for the sink. */
const DOUBLE_BUFFERS = 6;

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly freeDouble: ArrayBuffer[] = [];
  hits = 0;
  misses = 0;

  constructor(
    readonly capacity: number,
    readonly bufferBytes: number,
    private readonly onHit: () => void = () => {},
    private readonly onMiss: () => void = () => {},
  ) {}

  /**
   * A buffer of at least `minBytes`: a pooled one (`bufferBytes`, or twice that when more is asked for) or, when
   * none is free or more than twice is asked for, a new one (a miss).
   */
  take(minBytes = this.bufferBytes): ArrayBuffer {
    const double = minBytes > this.bufferBytes;
    if (minBytes <= 2 * this.bufferBytes) {
      const b = double ? this.freeDouble.pop() : this.free.pop();
      if (b) {
        this.hits++;
        this.onHit();
        return b;
      }
    }
    this.misses++;
    this.onMiss();
    return new ArrayBuffer(double && minBytes <= 2 * this.bufferBytes ? 2 * this.bufferBytes : Math.max(minBytes, this.bufferBytes));
  }

  /** Counts a buffer that had to be allocated elsewhere (a worker's output outgrew its pooled buffer). */
  miss(): void {
    this.misses++;
    this.onMiss();
  }

  /** Returns a buffer; detached (transferred away) and odd-sized buffers are not kept. */
  give(b: ArrayBuffer): void {
    if (b.byteLength === this.bufferBytes) {
      if (this.free.length < this.capacity) this.free.push(b);
    } else if (b.byteLength === 2 * this.bufferBytes && this.freeDouble.length < DOUBLE_BUFFERS) {
      this.freeDouble.push(b);
    }
  }

  stats(): PoolStats {
    return { hits: this.hits, misses: this.misses, free: this.free.length };
  }
}
