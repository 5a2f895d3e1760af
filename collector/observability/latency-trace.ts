// Bench-only trace of where a native batch's send->ACK time goes (bench/latency-trace.ts reads it). Off unless
// the environment variable ZLOG_LATENCY_TRACE names a file: then every ROUTER batch gets a row of timestamps
// (ms since the epoch, µs resolution, from each thread's own clock: performance.timeOrigin + now()), and at exit
// the rows, the main thread's GC pauses and event-loop delay, and the file sink's write (+ fdatasync) times are
// written to that file as one JSON document. Nothing is kept beyond MAX_ROWS rows and MAX_EVENTS events.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/** Stages of a batch, in path order: the index of each timestamp in a row (see bench/latency-trace.ts). */
export const STAGE = {
  /** The receive thread took the message off the socket (its own clock). */
  received: 0,
  /** The main thread read it from the delivered buffer (RouterInput.handle, before the checks: CRC-32, framing). */
  handled: 1,
  /** Its chunk was posted to a worker (or run inline). */
  posted: 2,
  /** The worker started on the chunk (worker's clock). */
  workerStart: 3,
  /** The worker finished the chunk (worker's clock). */
  workerEnd: 4,
  /** The result was back on the main thread. */
  back: 5,
  /** Released in arrival order: `received` ACKs go out here; otherwise handed to the sink stage. */
  released: 6,
  /** The ACK was handed to the transport. */
  acked: 7,
} as const;
const STAGES = Object.keys(STAGE).length;
const MAX_ROWS = 200_000;
const MAX_EVENTS = 200_000;

/** A batch's timestamps (NaN: not reached), with its sequence number to join the sender's own times. */
export interface TraceRow {
  seq: number;
  t: Float64Array;
}

export const now = (): number => performance.timeOrigin + performance.now();

export class LatencyTrace {
  private readonly rows: TraceRow[] = [];
  /** [start, ms, kind] triples: GC pauses of the main thread (kind: perf_hooks' NODE_PERFORMANCE_GC_* flag). */
  private readonly gc: number[] = [];
  /** [start, ms, synced (1/0), bytes] per file sink write (synced: O_DSYNC, the write includes its fdatasync). */
  private readonly writes: number[] = [];
  /** Sequence numbers of the batches the native receive thread acknowledged itself (router-input.ts admitAcked). */
  private readonly threadAcks: number[] = [];
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  private readonly gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (this.gc.length < MAX_EVENTS * 3) this.gc.push(performance.timeOrigin + e.startTime, e.duration, ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0));
    }
  });

  constructor(private readonly file: string) {
    this.loop.enable();
    this.gcObserver.observe({ entryTypes: ['gc'] });
    process.once('exit', () => this.save());
  }

  /**
   * A row for a batch received by the thread at `receivedAt` and taken up by the main thread at `handledAt`
   * (before its checks) (undefined once MAX_ROWS are kept).
   */
  begin(seq: bigint, receivedAt: number, handledAt: number = now()): TraceRow | undefined {
    if (this.rows.length >= MAX_ROWS) return undefined;
    const row: TraceRow = { seq: Number(seq), t: new Float64Array(STAGES).fill(NaN) };
    row.t[STAGE.received] = receivedAt;
    row.t[STAGE.handled] = handledAt;
    this.rows.push(row);
    return row;
  }

  /** The receive thread acknowledged the batch of `row` itself (its `acked` stamp is then on the thread's clock). */
  ackedByThread(row: TraceRow | undefined): void {
    if (row && this.threadAcks.length < MAX_ROWS) this.threadAcks.push(row.seq);
  }

  /** One write of the file sink: when it began, how long it took (ms), whether it synced, and its size. */
  fileWrite(startedAt: number, ms: number, synced: boolean, bytes: number): void {
    if (this.writes.length < MAX_EVENTS * 4) this.writes.push(startedAt, ms, synced ? 1 : 0, bytes);
  }

  private save(): void {
    this.loop.disable();
    this.gcObserver.disconnect();
    const pct = (p: number) => this.loop.percentile(p) / 1e6;
    const doc = {
      stages: Object.keys(STAGE),
      rows: this.rows.map((r) => [r.seq, ...Array.from(r.t, (x) => (Number.isNaN(x) ? null : x))]),
      threadAcks: this.threadAcks,
      gc: this.gc,
      fileWrites: this.writes,
      // Older builds wrote [start, writeMs, syncMs, bytes] (writev, then fdatasync) without this field.
      fileWriteFields: ['start', 'ms', 'synced', 'bytes'],
      eventLoopDelayMs: { p50: pct(50), p99: pct(99), p999: pct(99.9), max: this.loop.max / 1e6, count: this.loop.count },
    };
    writeFileSync(this.file, JSON.stringify(doc));
  }
}

/**
 * The trace of this process (main thread only), or undefined: the default, when tracing costs a check per batch.
 */
export const latencyTrace: LatencyTrace | undefined = isMainThread && process.env.ZLOG_LATENCY_TRACE ? new LatencyTrace(process.env.ZLOG_LATENCY_TRACE) : undefined;

/** Marks `stage` of a traced batch at `at` (default: now). */
export function mark(row: TraceRow | undefined, stage: number, at: number = now()): void {
  if (row) row.t[stage] = at;
}
