// The budget within which the native receive thread acknowledges `received` batches itself (native/src/receiver.cc
// AckAtReceipt), so that no main-thread pause (GC, a long chunk) and no hop to the main thread and back is on the
// path of such an ACK. `received` promises that an acknowledged batch is held by the collector and counted against
// the queue bound; the thread cannot look at the queue, so the input hands it part of the queue's free room ahead
// of time and counts what it handed out as taken until the batches come through:
//   outstanding = granted and not yet seen here (left with the thread, or acknowledged and on their way)
//   admitted records + every input's outstanding <= the queue bound, at every grant (bytes the same).
// The outstanding room is reserved in the queue (Admission.reserve), so the main thread's own admissions and other
// inputs' budgets see it as taken: without that, admissions on the main thread filled the queue to its bound while
// the thread's acknowledged batches were still on their way, and the queue passed its bound by up to 1/8 per input.
// Batches the thread acknowledged are admitted here when they arrive (seen()); once the budget is revoked, the
// outstanding rest is exactly what the thread acknowledged and the input has not seen yet (a drain waits for it).

/** What the budget reads of the queue (pipeline/admission.ts Admission). */
export interface QueueRoom {
  readonly records: number;
  readonly bytes: number;
  /** Room reserved by every budget (this one included): counted as taken by hasRoom(). */
  readonly reservedRecords: number;
  readonly reservedBytes: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Budgets sharing this queue's cap (each AckBudget counts itself in at construction). */
  ackBudgets: number;
  hasRoom(): boolean;
  reserve(records: number, bytes: number): void;
  unreserve(records: number, bytes: number): void;
}

/**
 * Largest share of the queue bound the threads may hold at once (1/8), shared evenly by every input's budget. A
 * thread acknowledges within its budget even after a sink filled up (Admission.block) until its input next looks
 * (at its next batch), so this is also what may pass a block: at most 1/8 of the queue (25,000 records, 16 MiB
 * with the defaults), however many inputs. Each budget is reserved in the queue even while its input is idle, so
 * with a cap of 1/8 per input, 8 ROUTER inputs reserved the whole queue between them: the main thread's
 * admissions (compressed batches, PULL/SUB) found no room in an empty queue.
 */
const CAP_SHARE = 8;

export class AckBudget {
  private outRecords = 0;
  private outBytes = 0;
  private stopped = false;

  constructor(
    private readonly queue: QueueRoom,
    private readonly grant: (records: number, bytes: number) => void,
    private readonly revoke: () => [number, number],
  ) {
    queue.ackBudgets++;
  }

  /** This budget's cap: its even part of 1/8 of the queue bound (inputs are all made before any starts). */
  private get capRecords(): number {
    return Math.floor(this.queue.maxRecords / CAP_SHARE / this.queue.ackBudgets);
  }

  private get capBytes(): number {
    return Math.floor(this.queue.maxBytes / CAP_SHARE / this.queue.ackBudgets);
  }

  /** A batch the thread acknowledged (records, bytes as charged: header + payload) arrived: it is no longer out. */
  seen(records: number, bytes: number): void {
    this.outRecords -= records;
    this.outBytes -= bytes;
    this.queue.unreserve(records, bytes);
  }

  /**
   * Tops the thread's budget back up to the cap, within the queue's free room, once it is down to half; takes it
   * back while the queue has no room (full, or blocked by a sink over its bound), or `room` says there is none for
   * a reason of the caller's (the pipeline's backlog). Cheap when nothing is to do.
   */
  refill(room = this.queue.hasRoom()): void {
    if (this.stopped) return;
    if (!room) {
      if (this.outRecords > 0 || this.outBytes > 0) this.takeBack();
      return;
    }
    if (this.outRecords * 2 >= this.capRecords && this.outBytes * 2 >= this.capBytes) return;
    const q = this.queue;
    const records = Math.max(0, Math.min(this.capRecords - this.outRecords, q.maxRecords - q.records - q.reservedRecords));
    const bytes = Math.max(0, Math.min(this.capBytes - this.outBytes, q.maxBytes - q.bytes - q.reservedBytes));
    if (records === 0 && bytes === 0) return;
    q.reserve(records, bytes);
    this.grant(records, bytes);
    this.outRecords += records;
    this.outBytes += bytes;
  }

  /** Takes back what the thread has left; from then on only acknowledged batches on their way are out. */
  takeBack(): void {
    const [records, bytes] = this.revoke();
    this.outRecords -= records;
    this.outBytes -= bytes;
    this.queue.unreserve(records, bytes);
  }

  /** No more grants (the input drains): takes the budget back for good. */
  stop(): void {
    this.stopped = true;
    this.takeBack();
  }

  /** Whether batches the thread acknowledged may still be on their way (after stop(): exactly that). */
  get outstanding(): boolean {
    return this.outRecords > 0 || this.outBytes > 0;
  }
}
