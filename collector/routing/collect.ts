// Gathers, inside a worker, where each routed record's line sits in the chunk's NDJSON output and which sinks
// take it, and turns that into a few byte ranges per sink, so the main thread hands each sink its part of the
// output without touching single records. Pure apart from the output writer it compacts into.
import type { NdjsonWriter } from '../pipeline/ndjson-writer.js';

/** Routing result of one chunk (travels from the worker with the NDJSON output). */
export interface ChunkRoutes {
  /** Per sink (config order): [start, end, start, end, ...] byte ranges of the output it takes, in record order. */
  ranges: number[][];
  /** Per sink: records it takes. */
  records: number[];
  /** Per drop rule (config order): records it removed. */
  dropped: number[];
  /** Records no sink's `match` took (kept in the first sink, or dropped, as routing.unmatched says). */
  unmatched: number;
  /** Lines left in the output (records not dropped). */
  kept: number;
  /**
   * Per message of the chunk (ChunkOutcome.perMessage order): the mask of sinks its lines went to (bit i =
   * sinks[i]); 0 when none (all dropped, or the message was rejected). Its ACK waits only for these sinks. For a
   * message refused `busy` because one of them had no room: the sinks it would have gone to.
   */
  messageSinks: Int32Array;
  /**
   * Per message refused `busy` for want of room: [message index, mask of the sinks that had no room for it], flat;
   * empty when none was (zlog_input_busy_refusals_total{stage="worker"} names those sinks).
   */
  refusedFor: number[];
}

/**
 * How much of a chunk's native batches each sink's queue has room for (pipeline.ts, SinkRoom.reserve): per sink
 * (config order) records and bytes. A native batch whose lines would take a sink past its room is refused
 * `busy` whole (ChunkProcessor.process). `alone`: sinks whose queues are empty with nothing on its way; the
 * first batch routed to one of them is taken even past its room, so a batch larger than a queue's bound still
 * goes through.
 */
export interface ChunkRoom {
  records: number[];
  bytes: number[];
  alone: number;
}

/**
 * Beyond this many ranges for one sink (records for different sinks interleaved), the sink's lines are
 * copied together at the end of the output: the main thread then handles one range per sink and chunk.
 */
export const MAX_RANGES_PER_SINK = 16;

export class RouteCollector {
  /** Flat [start, end, mask] per routed line, of the chunk so far. */
  private lines: number[] = [];
  /** -1 - rule index per dropped record, or UNMATCHED_EVENT, of the chunk so far. */
  private events: number[] = [];
  private markLines = 0;
  private markEvents = 0;
  /** Index into `lines` where each message of the chunk so far starts. */
  private messageStarts: number[] = [];
  /** Per refused message (index in the chunk): the sinks its lines would have gone to. */
  private refusedMasks = new Map<number, number>();
  /** [message index, sinks without room for it] per refused message of the chunk so far. */
  private refusedFor: number[] = [];
  /** The sinks the last fits() found without room for the current message (0 when it fitted). */
  private short = 0;
  /** The chunk's room (see fits()), and the records and bytes of native batches taken into it so far per sink. */
  private room: ChunkRoom | undefined;
  private usedRecords: number[];
  private usedBytes: number[];
  /** Scratch: the current message's records and bytes per sink. */
  private readonly msgRecords: number[];
  private readonly msgBytes: number[];

  constructor(
    private readonly sinks: number,
    private readonly rules: number,
  ) {
    this.usedRecords = new Array<number>(sinks).fill(0);
    this.usedBytes = new Array<number>(sinks).fill(0);
    this.msgRecords = new Array<number>(sinks).fill(0);
    this.msgBytes = new Array<number>(sinks).fill(0);
  }

  /** A chunk starts; `room` bounds what its native batches may add to each sink (absent: no bound). */
  startChunk(room: ChunkRoom | undefined): void {
    this.room = room;
    this.usedRecords.fill(0);
    this.usedBytes.fill(0);
  }

  /**
   * Whether the current message fits the room left in every sink its lines go to: its records routed to each,
   * and its size as received (`bytes`, the room's unit; counted whole against each of its sinks). If so it is
   * counted as taken.
   */
  fits(bytes: number): boolean {
    const room = this.room;
    if (!room) return true;
    const { msgRecords, msgBytes, usedRecords, usedBytes } = this;
    msgRecords.fill(0);
    msgBytes.fill(0);
    const lines = this.lines;
    for (let i = this.markLines; i < lines.length; i += 3) {
      for (let s = 0, mask = lines[i + 2]; mask !== 0; s++, mask >>>= 1) if ((mask & 1) !== 0) msgRecords[s]++;
    }
    for (let s = 0; s < this.sinks; s++) if (msgRecords[s] > 0) msgBytes[s] = bytes;
    let short = 0;
    for (let s = 0; s < this.sinks; s++) {
      if (msgRecords[s] === 0) continue;
      const first = usedRecords[s] === 0 && (room.alone & (1 << s)) !== 0;
      if (!first && (usedRecords[s] + msgRecords[s] > room.records[s] || usedBytes[s] + msgBytes[s] > room.bytes[s])) short |= 1 << s;
    }
    this.short = short;
    if (short !== 0) return false;
    for (let s = 0; s < this.sinks; s++) {
      usedRecords[s] += msgRecords[s];
      usedBytes[s] += msgBytes[s];
    }
    return true;
  }

  /** A message starts: rollback() returns here. */
  begin(): void {
    this.markLines = this.lines.length;
    this.markEvents = this.events.length;
    this.messageStarts.push(this.lines.length);
  }

  /** Forgets what the current message added (it was rejected and its output taken back). */
  rollback(): void {
    this.lines.length = this.markLines;
    this.events.length = this.markEvents;
  }

  /**
   * Takes the current message back out (as rollback()) because a sink it goes to has no room: its entry in
   * messageSinks keeps the sinks it would have gone to.
   */
  refuse(): void {
    const m = this.messageStarts.length - 1;
    this.refusedMasks.set(m, this.messageMask());
    this.refusedFor.push(m, this.short);
    this.rollback();
  }

  /** The sinks (mask) the current message's lines went to so far. */
  messageMask(): number {
    let mask = 0;
    for (let i = this.markLines; i < this.lines.length; i += 3) mask |= this.lines[i + 2];
    return mask;
  }

  line(start: number, end: number, mask: number): void {
    this.lines.push(start, end, mask);
  }

  dropped(rule: number): void {
    this.events.push(rule);
  }

  unmatched(): void {
    this.events.push(-1);
  }

  /** The chunk's routes; copies a sink's lines to the end of `out` when they are split into too many ranges. */
  finish(out: NdjsonWriter): ChunkRoutes {
    const ranges: number[][] = [];
    const records = new Array<number>(this.sinks).fill(0);
    const lines = this.lines;
    for (let s = 0; s < this.sinks; s++) {
      const bit = 1 << s;
      const r: number[] = [];
      for (let i = 0; i < lines.length; i += 3) {
        if ((lines[i + 2] & bit) === 0) continue;
        records[s]++;
        if (r.length > 0 && r[r.length - 1] === lines[i]) r[r.length - 1] = lines[i + 1];
        else r.push(lines[i], lines[i + 1]);
      }
      ranges.push(r.length / 2 > MAX_RANGES_PER_SINK ? compact(out, r) : r);
    }
    const dropped = new Array<number>(this.rules).fill(0);
    let unmatched = 0;
    for (const e of this.events) {
      if (e === -1) unmatched++;
      else dropped[e]++;
    }
    const kept = lines.length / 3;
    const starts = this.messageStarts;
    const messageSinks = new Int32Array(starts.length);
    for (let m = 0; m < starts.length; m++) {
      const end = m + 1 < starts.length ? starts[m + 1] : lines.length;
      let mask = 0;
      for (let i = starts[m]; i < end; i += 3) mask |= lines[i + 2];
      messageSinks[m] = mask;
    }
    for (const [m, mask] of this.refusedMasks) messageSinks[m] = mask;
    this.refusedMasks.clear();
    const refusedFor = this.refusedFor;
    this.refusedFor = [];
    this.lines = [];
    this.events = [];
    this.messageStarts = [];
    return { ranges, records, dropped, unmatched, kept, messageSinks, refusedFor };
  }
}

/** Appends the ranges' bytes to `out` (the source views stay valid if `out` grows) and returns the one new range. */
function compact(out: NdjsonWriter, r: number[]): number[] {
  const start = out.pos;
  for (let i = 0; i < r.length; i += 2) out.raw(out.buf.subarray(r[i], r[i + 1]));
  return [start, out.pos];
}
