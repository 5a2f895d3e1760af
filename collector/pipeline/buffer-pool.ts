// A bounded pool of chunk buffers: raw messages go to worker threads in them and NDJSON comes back in them.
//
// The pooled buffers are SharedArrayBuffers. Each is a numbered slot, handed to every worker thread once
// (WorkerPool), and afterwards only slot numbers cross between threads. An ArrayBuffer that is transferred
// instead becomes a new JavaScript object in the receiving thread, and V8 counts its whole size as new external
// memory there. At 1 KiB records that was ~400 MB/s of "external allocation" on the main thread, and a garbage
// collection every ~64 MB (perf: V8's marking threads took ~20% of the collector's CPU). A slot is allocated
// once and stays registered in every thread, so steady-state ingest allocates nothing and registers nothing.
//
// At most `capacity` slots of `bufferBytes` exist, plus DOUBLE_BUFFERS of twice that size: a native batch of
// ~1 MiB (1000 records of 1 KiB, bench case bp) is a chunk of its own whose NDJSON outgrows one buffer, and a
// fresh 2 MiB buffer per batch (the worker doubling its output) was most of the main thread's GC time. When
// every slot is in use, or more than twice the size is asked for, take() returns a plain ArrayBuffer (a miss);
// it travels by transfer, as every buffer did before, and the pool does not keep it.
//
// The slots are also what bounds the memory of chunks and their output: the pipeline waits for a slot to come
// back rather than take a miss while one will (canTake; Pipeline). Misses had been the pool's memory problem:
// with outputs waiting for a slow fdatasync'd sink in every slot, each new chunk and output was a fresh 1 MiB
// ArrayBuffer, and glibc's heap kept what they had used (1 KiB records, load ~26: 801 misses in 300,000
// records, the [heap] mapping at 174 MiB, peak RSS 312 MiB).

export interface PoolStats {
  hits: number;
  misses: number;
  /** Slots of `bufferBytes` free now. */
  free: number;
  /** Shared slots allocated so far (of both sizes); at most capacity + DOUBLE_BUFFERS. */
  slots: number;
}

/** Double-size buffers kept at most: one per chunk in flight on a 2-worker pool, plus one for the sink. */
const DOUBLE_BUFFERS = 6;

export class BufferPool {
  /** Every shared buffer the pool made, by slot number (append-only: a worker holds the first N of them). */
  readonly shared: SharedArrayBuffer[] = [];
  private readonly slotOf = new Map<ArrayBufferLike, number>();
  /** Per slot: 1 while taken, 0 while free (a second give() of a free slot is ignored, never kept twice). */
  private taken = new Uint8Array(16);
  private readonly free: number[] = [];
  private readonly freeDouble: number[] = [];
  private singles = 0;
  private doubles = 0;
  /** Double-size slots made at most. */
  readonly doubleCapacity = DOUBLE_BUFFERS;
  hits = 0;
  misses = 0;

  constructor(
    readonly capacity: number,
    readonly bufferBytes: number,
    private readonly onHit: () => void = () => {},
    private readonly onMiss: () => void = () => {},
  ) {}

  /**
   * A buffer of at least `minBytes`: a shared slot (`bufferBytes`, or twice that when more is asked for) or,
   * when no slot is free and no more may be made, or more than twice is asked for, a new ArrayBuffer (a miss;
   * so is making a slot).
   */
  take(minBytes = this.bufferBytes): ArrayBufferLike {
    const double = minBytes > this.bufferBytes;
    if (minBytes <= 2 * this.bufferBytes) {
      const s = double ? this.freeDouble.pop() : this.free.pop();
      if (s !== undefined) {
        this.taken[s] = 1;
        this.hits++;
        this.onHit();
        return this.shared[s];
      }
    }
    this.misses++;
    this.onMiss();
    if (minBytes <= 2 * this.bufferBytes) {
      if (double ? this.doubles < DOUBLE_BUFFERS : this.singles < this.capacity) return this.newSlot(double);
      return new ArrayBuffer(double ? 2 * this.bufferBytes : this.bufferBytes);
    }
    return new ArrayBuffer(minBytes);
  }

  /** Whether take(minBytes) would hand out a slot (a free one, or one it may still make) rather than a miss. */
  canTake(minBytes = this.bufferBytes): boolean {
    if (minBytes > 2 * this.bufferBytes) return false;
    return minBytes > this.bufferBytes ? this.freeDouble.length > 0 || this.doubles < DOUBLE_BUFFERS : this.free.length > 0 || this.singles < this.capacity;
  }

  /** Single slots take() could still hand out: free ones plus those not made yet. */
  available(): number {
    return this.free.length + this.capacity - this.singles;
  }

  /** Counts a buffer that had to be allocated elsewhere (a worker's output outgrew its pooled buffer). */
  miss(): void {
    this.misses++;
    this.onMiss();
  }

  /** Returns a buffer: a slot becomes free again; anything else (a miss's ArrayBuffer, detached or not) is dropped. */
  give(b: ArrayBufferLike): void {
    const s = this.slotOf.get(b);
    if (s === undefined || this.taken[s] === 0) return;
    this.taken[s] = 0;
    (b.byteLength === this.bufferBytes ? this.free : this.freeDouble).push(s);
  }

  /** The slot number of a pooled buffer; -1 for any other buffer. */
  slot(b: ArrayBufferLike): number {
    return this.slotOf.get(b) ?? -1;
  }

  stats(): PoolStats {
    return { hits: this.hits, misses: this.misses, free: this.free.length, slots: this.shared.length };
  }

  private newSlot(double: boolean): SharedArrayBuffer {
    const b = new SharedArrayBuffer(double ? 2 * this.bufferBytes : this.bufferBytes);
    const s = this.shared.length;
    this.shared.push(b);
    this.slotOf.set(b, s);
    if (s >= this.taken.length) {
      const t = new Uint8Array(2 * this.taken.length);
      t.set(this.taken);
      this.taken = t;
    }
    this.taken[s] = 1;
    if (double) this.doubles++;
    else this.singles++;
    return b;
  }
}
