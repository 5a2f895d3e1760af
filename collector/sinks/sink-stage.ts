// Hands processed NDJSON to the sinks, each through its own queue (a lane) with group commit: while one of a
// sink's write+sync is in flight, new output for that sink accumulates and goes out as its next batch, so under
// load one fsync covers many client batches. A failing sink is retried with backoff (never dropped) and holds up
// only its own lane: items it takes nothing of go on to the other sinks. An item completes (acks, queue release)
// once every sink that takes part of it has written that part. Each lane is bounded (bytes and items); while one
// is over its bound the stage reports itself full (the pipeline then admits nothing more, so inputs push back)
// and the lanes with room keep writing what they hold. A sink that takes several writes at once (Sink.concurrentWrites:
// the HTTP sinks) gets its next batch while earlier ones are still in flight, so the store is never idle while the
// collector builds a body; its items complete in whatever order their writes end.
import { backoffDelay } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import type { Sink, WrittenParts } from './sink.js';
import type { BodyPart } from './http/worker-body.js';
import { errorNote, type ErrorNote, type QueueHealth } from './health.js';
import { errorCategory, type LogServerError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ComponentMetrics, SinkQueueMetrics } from '../observability/metrics.js';
import type { ChunkRoom } from '../routing/collect.js';

export interface StageItem {
  /** All the NDJSON of the item (its bytes are what the queue holds). */
  data: Uint8Array;
  records: number;
  /**
   * Set when routing is active: per sink (config order) the parts of `data` it takes and how many records they
   * hold. Absent: every sink takes all of `data`.
   */
  routes?: { parts: Uint8Array[][]; records: number[] };
  /**
   * Per sink (config order): its part of the item as a request body part the worker built (Sink.workerBody),
   * or undefined. The sink then joins these instead of building bodies from the NDJSON.
   */
  bodies?: (BodyPart | undefined)[];
  /** Called once every sink that takes part of the item has written (and, per policy, synced) it. */
  done: () => void;
  /**
   * Called when sink `index` (config order) has written its part, before `done` (for ACKs of messages that
   * only some of the sinks take).
   */
  written?: (index: number) => void;
}

export interface SinkStageOptions {
  maxBatchRecords: number;
  maxBatchBytes: number;
  maxDelayMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Bound of each sink's queue: NDJSON bytes waiting for (or being written to) that sink. */
  laneMaxBytes: number;
  /** Bound of each sink's queue: items (processed chunks) waiting for that sink. */
  laneMaxItems: number;
  /**
   * Bound of each sink's queue in records (default: none). With routing and several sinks, half the pipeline
   * queue, so that one sink's queue fills, and its senders are refused, while the others still have room.
   */
  laneMaxRecords?: number;
}

/** An item as one sink takes it. */
interface Entry {
  item: Tracked;
  chunks: Uint8Array[];
  bytes: number;
  records: number;
  at: number;
  body?: BodyPart;
}

/** An item and how many sinks still have to write their part of it. */
interface Tracked {
  item: StageItem;
  remaining: number;
  /** The sinks (bit i = sinks[i]) that still have to write their part of it. */
  pending: number;
}

/** One sink's queue. */
interface Lane {
  readonly sink: Sink;
  readonly index: number;
  queue: Entry[];
  bytes: number;
  records: number;
  running: boolean;
  full: boolean;
  /**
   * Entries being written: always the head of `queue` (batches are taken from the front, and removing any one
   * of them leaves the rest in front), still counted in bytes/records until written.
   */
  inFlight: number;
  /** One per write in flight (at most the sink's concurrentWrites): its start (performance.now()), for busySince. */
  writeStarts: Set<{ at: number }>;
  /** Writes in flight that failed and have not succeeded since: the sink is `failing` while there is one. */
  retrying: number;
  /**
   * Records (and their received bytes) admitted that may still reach this queue without being checked again
   * (expect()/arrived(): the pipeline's messages on their way). They count against the bounds like queued ones,
   * so what is on its way cannot carry the queue past its bound (docs/sinks.md, "One sink down").
   */
  comingRecords: number;
  comingBytes: number;
  /** Called when an item arrives while the lane's loop waits with a write slot free. */
  wake?: () => void;
}

export class SinkStage {
  private readonly lanes: Lane[];
  private fullLanes = 0;
  private pendingRecords = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  /** The last error per sink while it is failing (for /status and readiness reporting). */
  readonly failing = new Map<string, string>();
  /** The last error per sink, kept after it recovered (health). */
  private readonly lastErrors = new Map<string, ErrorNote>();
  /** performance.now() when each sink's current write (with its retries) began; absent while it is idle. */
  readonly busySince = new Map<string, number>();

  /**
   * `onFull(anyFull)` whenever a sink's queue passes its bound or comes back under it (fullMask names which);
   * `anyFull` is false once no queue is over its bound. `queueMetrics` per sink id (Vector's buffer_* series for these queues).
   */
  constructor(
    private readonly sinks: readonly Sink[],
    private readonly metrics: Map<string, ComponentMetrics>,
    private readonly opts: SinkStageOptions,
    private readonly log: Logger,
    private readonly onRetry: (sinkId: string) => void = () => {},
    private readonly onFull: (full: boolean) => void = () => {},
    private readonly queueMetrics: Map<string, SinkQueueMetrics> = new Map(),
  ) {
    this.lanes = sinks.map((sink, index) => ({ sink, index, queue: [], bytes: 0, records: 0, running: false, full: false, inFlight: 0, writeStarts: new Set(), retrying: 0, comingRecords: 0, comingBytes: 0 }));
    for (const l of this.lanes) {
      this.queueMetrics.get(l.sink.id)?.observe(() => ({ records: l.records, bytes: l.bytes, items: l.queue.length, maxBytes: opts.laneMaxBytes, maxItems: opts.laneMaxItems }));
    }
  }

  push(item: StageItem): void {
    const tracked: Tracked = { item, remaining: 0, pending: 0 };
    const now = performance.now();
    this.pendingRecords += item.records;
    for (const lane of this.lanes) {
      const part = partOf(item, lane.index);
      // A sink that takes nothing of the item never sees it: the item waits only for the sinks taking it.
      if (part.chunks.length === 0) continue;
      tracked.remaining++;
      tracked.pending |= 1 << lane.index;
      lane.queue.push({ item: tracked, ...part, at: now });
      lane.bytes += part.bytes;
      lane.records += part.records;
      this.queueMetrics.get(lane.sink.id)?.received.inc(part.records);
    }
    // Every queue, also those taking nothing of this item: what was on its way to them may have arrived.
    for (const lane of this.lanes) this.checkFull(lane);
    if (tracked.remaining === 0) {
      // Nothing for any sink (e.g. empty output): complete it after the caller's push returns, as a write would.
      queueMicrotask(() => this.complete(tracked));
      return;
    }
    for (const lane of this.lanes) {
      if (!lane.running && lane.queue.length) void this.run(lane);
      else lane.wake?.();
    }
  }

  /**
   * When the oldest unwritten part reached the stage (performance.now() ms); null when nothing waits. `skip`:
   * sink ids whose queues are left out (the health monitor's view without the sinks whose store is failing).
   */
  oldestWaitingSince(skip?: ReadonlySet<string>): number | null {
    let oldest: number | null = null;
    for (const l of this.lanes) {
      if (skip?.has(l.sink.id)) continue;
      // In flight or waiting, the oldest entry is the queue's head.
      const t = l.queue[0]?.at ?? null;
      if (t !== null && (oldest === null || t < oldest)) oldest = t;
    }
    return oldest;
  }

  /**
   * What waits only for the sinks in `ids`: per item whose remaining writes are all theirs, the largest part one
   * of them takes (records, NDJSON bytes), summed. A lower bound of what the pipeline queue holds for them alone
   * (an item's records that go to several of them count once); the health monitor takes it off the queue's fill
   * when those sinks' store is failing. Walks those sinks' queues: at most pipeline.sinkQueue.maxBatches each.
   */
  heldOnlyBy(ids: ReadonlySet<string>): { records: number; bytes: number } {
    let mask = 0;
    for (const l of this.lanes) if (ids.has(l.sink.id)) mask |= 1 << l.index;
    if (mask === 0) return { records: 0, bytes: 0 };
    const held = new Map<Tracked, { records: number; bytes: number }>();
    for (const l of this.lanes) {
      if ((mask & (1 << l.index)) === 0) continue;
      for (const e of l.queue) {
        if ((e.item.pending & ~mask) !== 0) continue;
        const h = held.get(e.item);
        if (!h) held.set(e.item, { records: e.records, bytes: e.bytes });
        else {
          h.records = Math.max(h.records, e.records);
          h.bytes = Math.max(h.bytes, e.bytes);
        }
      }
    }
    let records = 0;
    let bytes = 0;
    for (const h of held.values()) {
      records += h.records;
      bytes += h.bytes;
    }
    return { records, bytes };
  }

  /** Records pushed and not yet written by every sink that takes them. */
  get queuedRecords(): number {
    return this.pendingRecords;
  }

  /** Per sink id: records, bytes and items in its queue (written ones leave it). */
  laneState(): Record<string, { records: number; bytes: number; items: number; full: boolean }> {
    return Object.fromEntries(this.lanes.map((l) => [l.sink.id, { records: l.records, bytes: l.bytes, items: l.queue.length, full: l.full }]));
  }

  /** One sink's view from the stage: retrying now, its last write error and its queue against the bounds. */
  health(sinkId: string): { retrying: boolean; lastError: ErrorNote | null; queue: QueueHealth } {
    const l = this.lanes.find((x) => x.sink.id === sinkId);
    const queue: QueueHealth = l
      ? { records: l.records, bytes: l.bytes, batches: l.queue.length, maxBytes: this.opts.laneMaxBytes, maxBatches: this.opts.laneMaxItems, full: l.full }
      : { records: 0, bytes: 0, batches: 0, maxBytes: this.opts.laneMaxBytes, maxBatches: this.opts.laneMaxItems, full: false };
    return { retrying: this.failing.has(sinkId), lastError: this.lastErrors.get(sinkId) ?? null, queue };
  }

  /** Sinks (bit i = sinks[i], config order) whose queues, with what is on its way to them, are over a bound now. */
  get fullMask(): number {
    let mask = 0;
    for (const l of this.lanes) if (l.full) mask |= 1 << l.index;
    return mask;
  }

  /**
   * `records` admitted (`bytes` as received) are on their way to the sinks in `mask` and will reach them without
   * being checked again: they count against those queues' bounds until arrived() is called with the same values.
   */
  expect(mask: number, records: number, bytes: number): void {
    for (const lane of this.lanes) {
      if ((mask & (1 << lane.index)) === 0) continue;
      lane.comingRecords += records;
      lane.comingBytes += bytes;
      this.checkFull(lane);
    }
  }

  /**
   * What expect() announced has been pushed (or will not come): it no longer counts as on its way. `check`:
   * false when push() follows at once (it checks every queue's bounds), so a queue near its bound is not seen
   * under it, and then over it, for one chunk.
   */
  arrived(mask: number, records: number, bytes: number, check = true): void {
    for (const lane of this.lanes) {
      if ((mask & (1 << lane.index)) === 0) continue;
      lane.comingRecords -= records;
      lane.comingBytes -= bytes;
      if (check) this.checkFull(lane);
    }
  }

  /** The ids of the sinks in `mask` (bit i = sinks[i]), comma-separated. */
  names(mask: number): string {
    return this.lanes.filter((l) => (mask & (1 << l.index)) !== 0).map((l) => l.sink.id).join(', ');
  }

  /**
   * Reserves room in the queues of the sinks in `mask` for up to `records` more records and `bytes` more bytes
   * (as received): per sink, what it has left under its bounds besides what it holds and what is on its way (0
   * for a full one, up to the amounts asked). The reservation counts as on its way until unreserve(). `alone`
   * names the sinks whose queues are empty with nothing on its way: their first batch may pass the reservation,
   * so a batch larger than a bound still goes through (collect.ts, ChunkRoom).
   */
  reserve(mask: number, records: number, bytes: number): ChunkRoom {
    const o = this.opts;
    const room: ChunkRoom = { records: new Array<number>(this.lanes.length).fill(0), bytes: new Array<number>(this.lanes.length).fill(0), alone: 0 };
    for (const lane of this.lanes) {
      if ((mask & (1 << lane.index)) === 0) continue;
      const heldRecords = lane.records + lane.comingRecords;
      const heldBytes = lane.bytes + lane.comingBytes;
      if (heldRecords === 0 && heldBytes === 0 && lane.queue.length === 0) room.alone |= 1 << lane.index;
      if (lane.full) continue;
      const r = Math.max(0, Math.min(records, (o.laneMaxRecords ?? Infinity) - heldRecords));
      const b = Math.max(0, Math.min(bytes, o.laneMaxBytes - heldBytes));
      room.records[lane.index] = r;
      room.bytes[lane.index] = b;
      lane.comingRecords += r;
      lane.comingBytes += b;
      this.checkFull(lane);
    }
    return room;
  }

  /** The room reserve() gave is no longer on its way (`check` as in arrived()). */
  unreserve(room: ChunkRoom, check = true): void {
    for (const lane of this.lanes) {
      const r = room.records[lane.index] ?? 0;
      const b = room.bytes[lane.index] ?? 0;
      if (r === 0 && b === 0) continue;
      lane.comingRecords -= r;
      lane.comingBytes -= b;
      if (check) this.checkFull(lane);
    }
  }

  private checkFull(lane: Lane): void {
    const o = this.opts;
    // At a bound counts as full: reserve() lets a queue reach its bound exactly, and then it has no room left.
    const full = lane.bytes + lane.comingBytes >= o.laneMaxBytes || lane.queue.length > o.laneMaxItems || lane.records + lane.comingRecords >= (o.laneMaxRecords ?? Infinity);
    if (full === lane.full) return;
    lane.full = full;
    this.fullLanes += full ? 1 : -1;
    if (full) this.queueMetrics.get(lane.sink.id)?.fullTimes.inc();
    this.onFull(this.fullLanes > 0);
  }

  private complete(t: Tracked): void {
    this.pendingRecords -= t.item.records;
    t.item.done();
  }

  private async run(lane: Lane): Promise<void> {
    lane.running = true;
    const slots = Math.max(1, Math.floor(lane.sink.concurrentWrites ?? 1));
    const writing = new Set<Promise<void>>();
    let stopped: unknown;
    try {
      if (this.opts.maxDelayMs > 0 && lane.bytes < this.opts.maxBatchBytes && lane.records < this.opts.maxBatchRecords) {
        await sleep(this.opts.maxDelayMs, this.abort.signal);
      }
      while (stopped === undefined && (lane.queue.length > lane.inFlight || writing.size)) {
        while (stopped === undefined && lane.queue.length > lane.inFlight && writing.size < slots) {
          const w: Promise<void> = this.writeBatch(lane)
            .catch((err: unknown) => {
              stopped ??= err;
            })
            .finally(() => writing.delete(w));
          writing.add(w);
        }
        // Until a write ends, or (with a slot free) an item arrives.
        await new Promise<void>((resolve) => {
          if (writing.size < slots) lane.wake = resolve;
          for (const w of writing) void w.then(resolve);
        });
        lane.wake = undefined;
      }
      await Promise.all(writing);
      if (stopped !== undefined) throw stopped;
    } catch (err) {
      // Only a forced stop gets here: the batch stays unacknowledged, so its senders resend it elsewhere.
      this.log.warn({ sink: lane.sink.id, err: (err as Error).message }, 'sink stage stopped with records unwritten');
    } finally {
      lane.wake = undefined;
      lane.running = false;
      this.wakeIdle();
    }
  }

  /** Writes the next batch of the lane's waiting entries (with retries); throws only on a forced stop. */
  private async writeBatch(lane: Lane): Promise<void> {
    const start = lane.inFlight;
    const n = this.batchSize(lane, start);
    const batch = lane.queue.slice(start, start + n);
    lane.inFlight += n;
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let records = 0;
    // The worker's body parts, when every entry has one (else the sink builds the bodies from the NDJSON).
    let built: WrittenParts | undefined = batch.every((e) => e.body) ? [] : undefined;
    for (const e of batch) {
      for (const c of e.chunks) chunks.push(c);
      bytes += e.bytes;
      records += e.records;
      built?.push({ ...e.body!, chunks: e.chunks.length });
    }
    const started = { at: performance.now() };
    lane.writeStarts.add(started);
    this.trackBusy(lane);
    try {
      await this.writeWithRetry(lane, chunks, bytes, records, built);
    } catch (err) {
      // Forced stop: the entries stay queued (unwritten), no longer in flight.
      this.unlink(lane, batch, n, false);
      throw err;
    } finally {
      lane.writeStarts.delete(started);
      this.trackBusy(lane);
    }
    this.unlink(lane, batch, n, true);
    lane.bytes -= bytes;
    lane.records -= records;
    this.queueMetrics.get(lane.sink.id)?.sent.inc(records);
    this.checkFull(lane);
    for (const e of batch) {
      e.item.pending &= ~(1 << lane.index);
      e.item.item.written?.(lane.index);
      if (--e.item.remaining === 0) this.complete(e.item);
    }
  }

  /** A batch's entries leave the in-flight head of the queue: removed when written, else moved behind it. */
  private unlink(lane: Lane, batch: Entry[], n: number, written: boolean): void {
    const at = lane.queue.indexOf(batch[0]);
    lane.queue.splice(at, n);
    lane.inFlight -= n;
    if (!written) lane.queue.splice(lane.inFlight, 0, ...batch);
  }

  /** busySince: the start of the oldest write in flight of this sink. */
  private trackBusy(lane: Lane): void {
    let oldest: number | undefined;
    for (const w of lane.writeStarts) if (oldest === undefined || w.at < oldest) oldest = w.at;
    if (oldest === undefined) this.busySince.delete(lane.sink.id);
    else this.busySince.set(lane.sink.id, oldest);
  }

  /** How many entries from the head of the lane go into the next write (at least one, so a large one goes out). */
  private batchSize(lane: Lane, from: number): number {
    let n = 0;
    let bytes = 0;
    let records = 0;
    while (from + n < lane.queue.length) {
      const e = lane.queue[from + n];
      if (n > 0 && (bytes + e.bytes > this.opts.maxBatchBytes || records + e.records > this.opts.maxBatchRecords)) break;
      bytes += e.bytes;
      records += e.records;
      n++;
    }
    return n;
  }

  private async writeWithRetry(lane: Lane, chunks: Uint8Array[], bytes: number, records: number, built?: WrittenParts): Promise<void> {
    const sink = lane.sink;
    const m = this.metrics.get(sink.id);
    for (let attempt = 0; ; attempt++) {
      try {
        await sink.write(chunks, bytes, built);
        // Recovered once no write of this sink is still retrying (with concurrent writes, one success beside a
        // failing write does not make the sink healthy).
        if (attempt > 0 && --lane.retrying === 0 && this.failing.delete(sink.id)) this.log.info({ sink: sink.id }, 'sink recovered');
        m?.sent.inc(records);
        m?.sentBytes.inc(bytes);
        return;
      } catch (err) {
        const e = err as LogServerError;
        m?.error(errorCategory(err), 'write').inc();
        if (!this.failing.has(sink.id) || attempt % 20 === 0) this.log.error({ sink: sink.id, err: e.message, attempt }, 'sink write failed; retrying');
        this.failing.set(sink.id, e.message);
        if (attempt === 0) lane.retrying++;
        this.lastErrors.set(sink.id, errorNote(e.message));
        if (this.abort.signal.aborted) throw err;
        this.onRetry(sink.id);
        await sleep(backoffDelay(attempt + 1, { initialDelayMs: this.opts.retryInitialMs, maxDelayMs: this.opts.retryMaxMs }), this.abort.signal);
      }
    }
  }

  private isIdle(): boolean {
    return this.lanes.every((l) => !l.running && (l.queue.length === 0 || this.abort.signal.aborted));
  }

  private wakeIdle(): void {
    if (!this.lanes.every((l) => !l.running)) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves when no sink has anything queued or being written (or, after stop(), when every lane has ended). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying (forced shutdown): the current write attempts fail and queued items stay unacknowledged. */
  stop(): void {
    this.abort.abort();
  }

  async flushSinks(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush()));
  }
}

/** What sink `index` takes of one item: all of its data, or its routed parts (empty parts left out). */
export function partOf(item: StageItem, index: number): { chunks: Uint8Array[]; bytes: number; records: number; body?: BodyPart } {
  const body = item.bodies?.[index];
  if (!item.routes) return { chunks: item.data.byteLength ? [item.data] : [], bytes: item.data.byteLength, records: item.records, body };
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (const p of item.routes.parts[index]) {
    if (p.byteLength === 0) continue;
    chunks.push(p);
    bytes += p.byteLength;
  }
  return { chunks, bytes, records: item.routes.records[index], body };
}

/** What sink `index` takes of a batch: every item's data, or its routed parts. */
export function partsFor(batch: readonly StageItem[], index: number): { chunks: Uint8Array[]; bytes: number; records: number } {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let records = 0;
  for (const i of batch) {
    const p = partOf(i, index);
    for (const c of p.chunks) chunks.push(c);
    bytes += p.bytes;
    records += p.records;
  }
  return { chunks, bytes, records };
}
