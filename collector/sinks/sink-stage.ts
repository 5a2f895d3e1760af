// Hands processed NDJSON to every sink in batches with group commit: while one write+sync is in flight, new
// output accumulates and goes out as the next batch, so under load one fsync covers many client batches.
// A failing sink is retried with backoff (never dropped); while it fails the pipeline queue fills and the
// inputs push back. Items complete (acks, queue release) only when every sink has written them.
import { backoffDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import type { Sink } from './sink.js';
import { errorCategory, type LogServerError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ComponentMetrics } from '../observability/metrics.js';

export interface StageItem {
  /** All the NDJSON of the item (its bytes are what the queue holds). */
  data: Uint8Array;
  records: number;
  /**
   * Set when routing is active: per sink (config order) the parts of `data` it takes and how many records they
   * hold. Absent: every sink takes all of `data`.
   */
  routes?: { parts: Uint8Array[][]; records: number[] };
  /** Called once every sink has written (and, per policy, synced) the item. */
  done: () => void;
}

export interface SinkStageOptions {
  maxBatchRecords: number;
  maxBatchBytes: number;
  maxDelayMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export class SinkStage {
  private pending: StageItem[] = [];
  private pendingBytes = 0;
  private pendingRecords = 0;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  /** The last error per sink while it is failing (for /status and readiness reporting). */
  readonly failing = new Map<string, string>();
  /** performance.now() when each sink's current write (with its retries) began; absent while it is idle. */
  readonly busySince = new Map<string, number>();
  /** performance.now() when the oldest item pending or in flight was pushed (for the backlog health check). */
  private pendingAt: number[] = [];
  private inFlightAt: number | null = null;

  constructor(
    private readonly sinks: readonly Sink[],
    private readonly metrics: Map<string, ComponentMetrics>,
    private readonly opts: SinkStageOptions,
    private readonly log: Logger,
    private readonly onRetry: (sinkId: string) => void = () => {},
  ) {}

  push(item: StageItem): void {
    this.pending.push(item);
    this.pendingAt.push(performance.now());
    this.pendingBytes += item.data.byteLength;
    this.pendingRecords += item.records;
    if (!this.running) void this.run();
  }

  /** When the oldest unwritten item reached the stage (performance.now() ms); null when nothing waits. */
  oldestWaitingSince(): number | null {
    return this.inFlightAt ?? this.pendingAt[0] ?? null;
  }

  get queuedRecords(): number {
    return this.pendingRecords;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      if (this.opts.maxDelayMs > 0 && this.pendingBytes < this.opts.maxBatchBytes && this.pendingRecords < this.opts.maxBatchRecords) {
        await sleep(this.opts.maxDelayMs, this.abort.signal);
      }
      while (this.pending.length) {
        this.inFlightAt = this.pendingAt[0] ?? null;
        const batch = this.takeBatch();
        // A sink that takes nothing of the batch is not called: the items wait only for the sinks taking them.
        await Promise.all(
          this.sinks.map((s, index) => {
            const { chunks, bytes, records } = partsFor(batch, index);
            return chunks.length === 0 ? undefined : this.writeWithRetry(s, chunks, bytes, records);
          }),
        );
        this.inFlightAt = null;
        for (const i of batch) i.done();
      }
    } catch (err) {
      // Only a forced stop gets here: the batch stays unacknowledged, so its senders resend it elsewhere.
      this.log.warn({ err: (err as Error).message }, 'sink stage stopped with records unwritten');
    } finally {
      this.inFlightAt = null;
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private takeBatch(): StageItem[] {
    let n = 0;
    let bytes = 0;
    let records = 0;
    // Always take at least one item, so an item larger than the batch limit still goes out.
    while (n < this.pending.length) {
      const it = this.pending[n];
      if (n > 0 && (bytes + it.data.byteLength > this.opts.maxBatchBytes || records + it.records > this.opts.maxBatchRecords)) break;
      bytes += it.data.byteLength;
      records += it.records;
      n++;
    }
    const batch = this.pending.splice(0, n);
    this.pendingAt.splice(0, n);
    this.pendingBytes -= bytes;
    this.pendingRecords -= records;
    return batch;
  }

  private async writeWithRetry(sink: Sink, chunks: Uint8Array[], bytes: number, records: number): Promise<void> {
    const m = this.metrics.get(sink.id);
    this.busySince.set(sink.id, performance.now());
    for (let attempt = 0; ; attempt++) {
      try {
        await sink.write(chunks, bytes);
        this.busySince.delete(sink.id);
        if (this.failing.delete(sink.id)) this.log.info({ sink: sink.id }, 'sink recovered');
        m?.sent.inc(records);
        m?.sentBytes.inc(bytes);
        return;
      } catch (err) {
        const e = err as LogServerError;
        m?.error(errorCategory(err), 'write').inc();
        if (!this.failing.has(sink.id) || attempt % 20 === 0) this.log.error({ sink: sink.id, err: e.message, attempt }, 'sink write failed; retrying');
        this.failing.set(sink.id, e.message);
        if (this.abort.signal.aborted) throw err;
        this.onRetry(sink.id);
        await sleep(backoffDelay(attempt + 1, { initialDelayMs: this.opts.retryInitialMs, maxDelayMs: this.opts.retryMaxMs }), this.abort.signal);
      }
    }
  }

  /** Resolves when nothing is pending or being written. */
  idle(): Promise<void> {
    if (!this.running && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying (forced shutdown): the current write attempt fails and pending items stay unacknowledged. */
  stop(): void {
    this.abort.abort();
  }

  async flushSinks(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush()));
  }
}

/** What sink `index` takes of a batch: every item's data, or its routed parts. */
export function partsFor(batch: readonly StageItem[], index: number): { chunks: Uint8Array[]; bytes: number; records: number } {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let records = 0;
  for (const i of batch) {
    if (!i.routes) {
      chunks.push(i.data);
      bytes += i.data.byteLength;
      records += i.records;
      continue;
    }
    for (const p of i.routes.parts[index]) {
      if (p.byteLength === 0) continue;
      chunks.push(p);
      bytes += p.byteLength;
    }
    records += i.routes.records[index];
  }
  return { chunks, bytes, records };
}
