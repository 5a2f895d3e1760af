// Bounds what the collector holds between receiving a record and finishing its write: a record count and a
// byte count. Inputs ask before reading (and stop reading when full: PUSH senders then block at their HWM),
// the ROUTER input NACKs "busy" instead of waiting. Nothing is admitted past the limits except one message
// when the queue is empty, so a single message larger than the byte limit cannot wedge the pipeline.

export class Admission {
  records = 0;
  bytes = 0;
  private waiters: (() => void)[] = [];
  /** Set while a sink's queue is over its bound (sinks/sink-stage.ts): nothing is admitted until it clears. */
  private blocked = false;

  constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
    private readonly onChange: (records: number, bytes: number) => void = () => {},
  ) {}

  hasRoom(): boolean {
    return !this.blocked && this.records < this.maxRecords && this.bytes < this.maxBytes;
  }

  /** Resolves when there is room (immediately if there is). */
  waitForRoom(): Promise<void> | undefined {
    if (this.hasRoom()) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  add(records: number, bytes: number): void {
    this.records += records;
    this.bytes += bytes;
    this.onChange(this.records, this.bytes);
  }

  /** Blocks (true) or unblocks admission regardless of the counts: a bound kept elsewhere was passed or cleared. */
  block(on: boolean): void {
    this.blocked = on;
    this.wake();
  }

  release(records: number, bytes: number): void {
    this.records -= records;
    this.bytes -= bytes;
    this.onChange(this.records, this.bytes);
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length && this.hasRoom()) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  isEmpty(): boolean {
    return this.records === 0 && this.bytes === 0;
  }
}
