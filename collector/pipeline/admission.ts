// Bounds what the collector holds between receiving a record and finishing its write: a record count and a
// byte count. Inputs ask before reading (and stop reading when full: PUSH senders then block at their HWM),
// the ROUTER input NACKs "busy" instead of waiting. Nothing is admitted past the limits except one message
// when the queue is empty, so a single message larger than the byte limit cannot wedge the pipeline.

export class Admission {
  records = 0;
  bytes = 0;
  /**
   * Room promised ahead of admission (records, bytes): what the ROUTER inputs granted their native receive threads
   * and the batches those acknowledged that have not arrived yet (inputs/zmq-router/ack-budget.ts). It counts
   * against the bounds like admitted records, so the queue stays within them with several inputs and budgets.
   */
  reservedRecords = 0;
  reservedBytes = 0;
  /**
   * How many budgets reserve room here (one per ROUTER input whose receive thread acknowledges, ack-budget.ts):
   * they share one cap, so idle budgets cannot reserve the whole queue between them.
   */
  ackBudgets = 0;
  private waiters: { input: number | undefined; resolve: () => void }[] = [];
  /** Set while a sink's queue is over its bound (sinks/sink-stage.ts): nothing is admitted until it clears. */
  private blocked = false;
  /**
   * With routing and several sinks, whether one input must stop reading now although the queue has room: an
   * input that cannot refuse a message it took (PULL, SUB) while a sink it feeds is full (server.ts).
   */
  private held: (input: number) => boolean = () => false;

  constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
    private readonly onChange: (records: number, bytes: number) => void = () => {},
  ) {}

  /**
   * Room for one more message. `input` (an input index) is given by inputs that cannot refuse a message once they
   * took it; they are also held back while hold() says so for them. The ROUTER input, which answers each batch,
   * asks without it.
   */
  hasRoom(input?: number): boolean {
    return (
      !this.blocked &&
      this.records + this.reservedRecords < this.maxRecords &&
      this.bytes + this.reservedBytes < this.maxBytes &&
      (input === undefined || !this.held(input))
    );
  }

  /** Resolves when there is room (immediately if there is); `input` as in hasRoom(). */
  waitForRoom(input?: number): Promise<void> | undefined {
    if (this.hasRoom(input)) return undefined;
    return new Promise((resolve) => this.waiters.push({ input, resolve }));
  }

  add(records: number, bytes: number): void {
    this.records += records;
    this.bytes += bytes;
    this.onChange(this.records, this.bytes);
  }

  /** Promises room ahead of admission (see reservedRecords); unreserve() when it is admitted or given back. */
  reserve(records: number, bytes: number): void {
    this.reservedRecords += records;
    this.reservedBytes += bytes;
  }

  unreserve(records: number, bytes: number): void {
    this.reservedRecords -= records;
    this.reservedBytes -= bytes;
    this.wake();
  }

  /** Blocks (true) or unblocks admission regardless of the counts: a bound kept elsewhere was passed or cleared. */
  block(on: boolean): void {
    this.blocked = on;
    this.wake();
  }

  /** Holds back single inputs (see `held`); call recheck() whenever its answer may have changed. */
  hold(held: (input: number) => boolean): void {
    this.held = held;
    this.wake();
  }

  /** The answer of the hold() function may have changed: wakes the waiters that have room now. */
  recheck(): void {
    this.wake();
  }

  release(records: number, bytes: number): void {
    this.records -= records;
    this.bytes -= bytes;
    this.onChange(this.records, this.bytes);
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length === 0 || !this.hasRoom()) return;
    const ready = this.waiters.filter((w) => this.hasRoom(w.input));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  isEmpty(): boolean {
    return this.records === 0 && this.bytes === 0;
  }
}
