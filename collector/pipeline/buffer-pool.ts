// A fixed-size pool of ArrayBuffers used to move raw messages to worker threads and NDJSON back. Buffers are
// transferred (moved, not copied) across threads and come home with the result, so steady-state ingest
// allocates nothing. The pool never holds more than `capacity` buffers: extra returns are dropped for GC.

export interface PoolStats {
  hits: number;
  misses: number;
  free: number;
}

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  hits = 0;
  misses = 0;

  constructor(
    readonly capacity: number,
    readonly bufferBytes: number,
    private readonly onHit: () => void = () => {},
    private readonly onMiss: () => void = () => {},
  ) {}

  /** A buffer of at least `minBytes`. Requests larger than the pool's size are misses by construction. */
  take(minBytes = this.bufferBytes): ArrayBuffer {
    if (minBytes <= this.bufferBytes) {
      const b = this.free.pop();
      if (b) {
        this.hits++;
        this.onHit();
        return b;
      }
    }
    this.misses++;
    this.onMiss();
    return new ArrayBuffer(Math.max(minBytes, this.bufferBytes));
  }

  /** Counts a buffer that had to be allocated elsewhere (a worker's output outgrew its pooled buffer). */
  miss(): void {
    this.misses++;
    this.onMiss();
  }

  /** Returns a buffer; detached (transferred away) and odd-sized buffers are not kept. */
  give(b: ArrayBuffer): void {
    if (b.byteLength !== this.bufferBytes || this.free.length >= this.capacity) return;
    this.free.push(b);
  }

  stats(): PoolStats {
    return { hits: this.hits, misses: this.misses, free: this.free.length };
  }
}
