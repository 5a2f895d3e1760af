// The middle of the collector: accepted messages are packed into chunks, processed on the worker pool, put
// back in arrival order, and handed to the sink stage; then acknowledgements go out and queue space is freed.
//
//   input.accept -> ChunkBuilder -(pool slot)-> worker -> Resequencer -> SinkStage -> done: ack + release
import type { AckMode } from '../config/types.js';
import type { RejectReason } from '../errors.js';
import type { ComponentMetrics } from '../observability/metrics.js';
import type { StageItem } from '../sinks/sink-stage.js';
import type { BodyPart } from '../sinks/http/worker-body.js';
import type { Admission } from './admission.js';
import type { BufferPool } from './buffer-pool.js';
import { ChunkBuilder, KIND_FRAMES, KIND_NATIVE, packedSize } from './chunk.js';
import { REASON_CODES, reasonCode } from '../protocol/reply.js';
import type { ChunkContent, ChunkResult } from './worker-pool.js';
import type { ChunkRoom, ChunkRoutes } from '../routing/collect.js';
import { STAGE, latencyTrace, mark, now, type TraceRow } from '../observability/latency-trace.js';
import { AckGroups } from './ack-groups.js';
import { copyOf } from './native-lines.js';

/** Outputs up to this share of a pooled buffer are copied out of it (see release()). */
const SMALL_OUTPUT_SHARE = 8;
/** backlogged(): chunks waiting for a worker hold at least max(this many pooled buffers, the queue's bytes / BACKLOG_SHARE). */
const BACKLOG_BUFFERS = 4;
const BACKLOG_SHARE = 8;
/** ChunkOutcome.perMessage of a message refused `busy` in the worker (a sink it goes to had no room). */
const BUSY = -reasonCode('busy');

export type ReplyFn = (result: { ok: true } | { ok: false; reason: RejectReason; detail: string }) => void;

export interface Inbound {
  input: number;
  kind: number;
  compression: number;
  recordCount: number;
  frames: Uint8Array[];
  /** chunk.ts FLAG_JSON_PLAIN when the input knows every record needs no JSON escaping; absent is 0. */
  flags?: number;
  receivedAt: number;
  /** What the input charged to admission for this message; released when the message is done. */
  admitted: { records: number; bytes: number };
  /** Native messages: how to acknowledge. */
  reply?: ReplyFn;
  /** Name of the CurveZMQ client key that authenticated the sender (written as the records' clientKey). */
  sender?: string;
  /** The sending peer's routing id (ROUTER inputs; chunk.ts routingIdText), written as the records' routingId. */
  routingId?: string;
  /**
   * Set for a block of messages the input packed itself (the native receive path): how many messages of the
   * chunk this entry stands for. `frames` is empty then, and `admitted` covers the whole block.
   */
  packed?: number;
  /** Bench only (observability/latency-trace.ts): this message's stage timestamps. */
  trace?: TraceRow;
  /**
   * Native messages with routing: called once the worker routed it, with the sinks its records went to (or, when
   * it was refused `busy` for want of room in one of them, would have gone to). The ROUTER input remembers it
   * per sender to refuse its next batches before admission while one of those sinks is full.
   */
  routed?: (sinks: number) => void;
  /**
   * Native messages with routing, from a sender whose last batch went to these sinks (the ROUTER input's
   * sink-gate.ts): announced to them as on its way from submit, as a PULL message is to the sinks its input
   * feeds, until its chunk goes to a worker and gets room reserved like any native message. So a sink's queue
   * counts its known senders' batches from admission, and fills (refusing the next ones before admission)
   * before more are admitted than it can take: batches the worker would refuse take no shared-queue space.
   */
  announceTo?: number;
  /** Set by the pipeline: the sinks this message was announced to as on its way (SinkRoom.expect). */
  expected?: number;
}

/** A chunk the input packed itself, in chunk.ts layout, all messages from one input and without replies. */
export interface PackedInbound {
  input: number;
  /** A buffer the pipeline lent (requestChunkBuffer), or one the input made itself. */
  buffer: ArrayBufferLike;
  /** Bytes of `buffer` in use. */
  length: number;
  messages: number;
  receivedAt: number;
  admitted: { records: number; bytes: number };
}

interface Chunk {
  seq: number;
  messages: Inbound[];
  /** What its messages were admitted as (records, bytes): the worker pool sizes the output buffer by it. */
  content: ChunkContent;
  result?: ChunkResult;
  error?: Error;
  /** The room reserved in each sink's queue for its native messages when it went to a worker. */
  room?: ChunkRoom;
  /** A packed chunk in a pool slot that was lent to an input (counted in Pipeline.inputSlots until it runs). */
  inputSlot?: boolean;
}

/** What the pipeline uses of the worker pool (worker-pool.ts). */
export interface ChunkRunner {
  /** Worker threads (0: inline); the pipeline keeps up to twice as many chunks in flight. */
  readonly size: number;
  /**
   * Processes a packed chunk; the buffer is handed over. Resolves in any order; rejects when processing failed.
   * `room`: how much of its native messages each sink's queue has room for; a native message that does not fit
   * is refused busy (ChunkProcessor.process).
   */
  run(buffer: ArrayBufferLike, length: number, room?: ChunkRoom, content?: ChunkContent): Promise<ChunkResult>;
  /**
   * Bytes of the pooled output buffer run() will take for a chunk of `length` bytes holding `content` (its
   * messages' admitted records and bytes); absent: one pooled buffer.
   */
  outputBytes?(length: number, content?: ChunkContent): number;
}

/**
 * With routing and several sinks: each sink queue's room, counting what is on its way to it (sinks/sink-stage.ts),
 * so that one sink's full queue refuses only what goes to it, and what is on its way cannot carry a queue past
 * its bound. Masks: bit i = sinks[i].
 */
export interface SinkRoom {
  /** Per input index: the sinks its records may go to (routing/feeds.ts). */
  readonly feeds: readonly number[];
  /** Announces records (bytes as received) on their way to the sinks in `mask`. */
  expect(mask: number, records: number, bytes: number): void;
  /** What expect() announced has reached the stage or will not (`check`: false when a push follows at once). */
  arrived(mask: number, records: number, bytes: number, check?: boolean): void;
  /**
   * Reserves room in the queues of the sinks in `mask` for up to `records` records and `bytes` bytes (as
   * received): per sink, as much as it has left. What is reserved counts as on its way until unreserve().
   */
  reserve(mask: number, records: number, bytes: number): ChunkRoom;
  unreserve(room: ChunkRoom, check?: boolean): void;
  /** The sink ids in `mask`, for a refusal's detail. */
  names(mask: number): string;
}

/** What the pipeline uses of the sink stage (sinks/sink-stage.ts). */
export interface StageQueue {
  /** Queues NDJSON for every sink; `item.done` runs once all have written it. */
  push(item: StageItem): void;
}

export interface PipelineDeps {
  workers: ChunkRunner;
  pool: BufferPool;
  admission: Admission;
  stage: StageQueue;
  ackMode: AckMode;
  /** Metrics per input index. */
  inputMetrics: ComponentMetrics[];
  /** Called when the processing of a chunk failed outright (worker crash). */
  onChunkError: (err: Error) => void;
  /** Called once per routed chunk with its per-sink and per-rule counts (route metrics). */
  onRoutes?: (routes: ChunkRoutes) => void;
  /** With routing and several sinks: refuse per sink (see SinkRoom); absent: a full sink queue stops all input. */
  room?: SinkRoom;
  /**
   * Counts a native batch of input `input` refused `busy` in the worker because the sinks in `sinks` (mask) had
   * no room for it (zlog_input_busy_refusals_total{stage="worker"}).
   */
  countBusy?: (input: number, sinks: number) => void;
}

export class Pipeline {
  private builder?: ChunkBuilder;
  private builderMessages: Inbound[] = [];
  /** Admission bytes (for native: declared decompressed sizes) of the messages in the open chunk. */
  private builderCharged = 0;
  /** Admission records of the messages in the open chunk. */
  private builderRecords = 0;
  private ready: Chunk[] = [];
  private inflight = 0;
  private readonly maxInflight: number;
  private nextSeq = 0;
  private nextRelease = 0;
  private readonly done = new Map<number, Chunk>();
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Outputs handed to the sink stage in a pool slot, not written yet: each gives its slot back when written. */
  private slotsHeld = 0;
  /** Per sink (config order): outputs in single / double-size slots whose part it has not written yet (keepInSlot). */
  private readonly slotHolders: number[] = [];
  private readonly doubleHolders: number[] = [];
  /** Inputs that pack their own chunks, waiting for a buffer (see requestChunkBuffer). */
  private bufferWaiters: ((buffer: ArrayBufferLike, fillBytes: number) => void)[] = [];
  /** Bytes of the chunks sealed and waiting for a worker (`ready`); see backlogged(). */
  private readyBytes = 0;
  /** backlogged() is true from this many bytes waiting for a worker on. */
  private readonly backlogBytes: number;
  /**
   * Pool slots the inputs that pack their own chunks hold: lent to their receive threads, or come back filled and
   * waiting for a worker. An input that receives nothing never gives its lent slots back, so these are not slots
   * the sinks' shares may count on (keepInSlot); the most they have been is what the shares leave them.
   */
  private inputSlots = 0;
  private inputSlotsPeak = 0;

  constructor(private readonly d: PipelineDeps) {
    // Two chunks per worker keeps each busy while the next is being packed; inline runs one at a time.
    this.maxInflight = Math.max(1, d.workers.size * 2);
    this.backlogBytes = Math.max(BACKLOG_BUFFERS * d.pool.bufferBytes, d.admission.maxBytes / BACKLOG_SHARE);
  }

  /**
   * Whether the chunks waiting for a worker (sealed, and the one being packed) hold backlogBytes or more: then the
   * ROUTER input refuses new batches `busy` and gives its receive thread no ACK budget, as for a full queue
   * (router-input.ts). Such chunks add nothing to throughput, only memory (see requestChunkBuffer, the same rule
   * for PULL/SUB): in `received` mode a sender's batches are acknowledged on arrival, so its window bounds nothing
   * and batches filled the queue to its byte bound, 128 MiB at 1 KiB records, each in a pool slot or, once those
   * were taken, a fresh 1 MiB buffer (bench case bp: peak RSS ~280 MiB against ~130 for case a). The bound keeps
   * some work waiting (an eighth of the queue: ~50 ms at 1 KiB and 300k records/s) so that the workers do not run
   * dry while refused senders wait to resend.
   */
  backlogged(): boolean {
    return this.readyBytes + (this.builder?.offset ?? 0) >= this.backlogBytes;
  }

  submit(m: Inbound): void {
    const size = packedSize(m.frames, m.sender, m.routingId);
    // NDJSON is bigger than what it is made from (~1.6x for 100 B text records: the ts/input/message keys), so
    // a chunk filled to a whole pooled buffer overflowed the pooled output buffer in the worker: it grew it
    // (allocate twice the size, copy) for nearly every chunk, and the odd-sized result was dropped by the pool
    // for the GC. Half a buffer of input keeps ordinary output within one pooled buffer. A message bigger than
    // that still gets a chunk of its own.
    // The same bound applies to what the chunk will expand to: a compressed native payload is charged its
    // declared decompressed size, so a chunk of small compressed messages cannot make a worker inflate
    // gigabytes at once. Only a single message may exceed it (and it is bounded by limits.maxDecompressedBytes).
    const half = this.d.pool.bufferBytes / 2;
    const full = this.builder !== undefined && this.builder.messages > 0 && (this.builder.offset + size > half || this.builderCharged + m.admitted.bytes > half);
    if (!this.builder || full || !this.builder.fits(size)) {
      if (this.builder) this.seal();
      this.builder = new ChunkBuilder(this.d.pool.take(size));
      this.builderCharged = 0;
      this.builderRecords = 0;
    }
    this.builder.add(m, size);
    this.builderCharged += m.admitted.bytes;
    this.builderRecords += m.admitted.records;
    // Messages that cannot be refused later are on their way to every sink their input feeds from now on; native
    // ones from a known sender to the sinks its last batch went to, until their chunk reserves room.
    const room = this.d.room;
    if (room && (m.kind !== KIND_NATIVE || m.announceTo)) this.announce(m, room);
    this.builderMessages.push(m);
    if (!this.scheduled) {
      // Everything received in this turn of the event loop travels in one chunk.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        if (this.inflight < this.maxInflight) {
          this.seal();
          this.pump();
        }
      });
    }
  }

  /**
   * Takes a chunk an input packed itself (the native receive path) as one chunk of its own, after whatever was
   * submitted before it, so arrival order is kept. The main thread does nothing per message.
   */
  submitPacked(p: PackedInbound): void {
    this.seal();
    const block: Inbound = { input: p.input, kind: KIND_FRAMES, compression: 0, recordCount: 0, frames: [], receivedAt: p.receivedAt, admitted: p.admitted, packed: p.messages };
    if (this.d.room) this.announce(block, this.d.room);
    // A lent slot stays counted as the inputs' (inputSlots) until its chunk goes to a worker.
    const inputSlot = this.d.pool.slot(p.buffer) >= 0;
    this.ready.push({ seq: this.nextSeq++, messages: [block], content: { records: p.admitted.records, bytes: p.admitted.bytes }, packed: { buffer: p.buffer, length: p.length, messages: p.messages }, inputSlot } as Chunk);
    this.readyBytes += p.length;
    if (this.inflight < this.maxInflight) this.pump();
  }

  /**
   * Hands `lend` a pooled buffer, and how much of it to fill (half: see submit()), for an input that packs its
   * own chunks, as soon as the pipeline could start on one more chunk at once (chunks waiting plus in flight
   * below the in-flight limit). Chunks waiting in front of busy workers add nothing to throughput, only memory:
   * at 1 KiB records a backlog of 1 MiB buffers filled to 128 MiB of admission was 270 MiB of RSS. Held back,
   * the input's receive thread keeps filling the buffer it has (native/src/receiver.cc, FlushIfIdle), so chunks
   * grow with the load instead of their number; once that is full its socket's queue fills and PUSH senders
   * block at their high-water mark, as with a full queue. Output waiting for the sinks is still bounded by
   * admission alone.
   */
  requestChunkBuffer(lend: (buffer: ArrayBufferLike, fillBytes: number) => void): void {
    this.bufferWaiters.push(lend);
    this.lendBuffers();
  }

  /** Takes back a buffer from requestChunkBuffer that will not be filled (the input closed, or the buffer was passed over). */
  returnChunkBuffer(buffer: ArrayBufferLike): void {
    if (this.d.pool.slot(buffer) >= 0) this.inputSlots--;
    this.d.pool.give(buffer);
  }

  private lendBuffers(): void {
    // Two slots: the chunk's, and one for its output.
    while (this.bufferWaiters.length && this.ready.length + this.inflight < this.maxInflight && this.slotOr(this.d.pool.available() >= 2)) {
      const buffer = this.d.pool.take();
      if (this.d.pool.slot(buffer) >= 0 && ++this.inputSlots > this.inputSlotsPeak) this.inputSlotsPeak = this.inputSlots;
      this.bufferWaiters.shift()!(buffer, this.d.pool.bufferBytes / 2);
    }
  }

  private announce(m: Inbound, room: SinkRoom): void {
    m.expected = m.kind === KIND_NATIVE && m.announceTo ? m.announceTo : room.feeds[m.input];
    room.expect(m.expected, m.admitted.records, m.admitted.bytes);
  }

  /**
   * Reserves room in each sink's queue for the chunk's native messages, as much as it has left; the worker
   * refuses `busy` each native message that would take a sink past what was reserved.
   */
  private reserve(chunk: Chunk, room: SinkRoom): ChunkRoom | undefined {
    let records = 0;
    let bytes = 0;
    let mask = 0;
    for (const m of chunk.messages) {
      if (m.kind !== KIND_NATIVE || m.packed) continue;
      if (m.expected !== undefined) {
        // Announced at submit (announceTo): from here on the reservation below counts it instead. Unchecked:
        // reserve() checks every queue of `mask`, which holds the announced sinks (a route is within its feeds).
        room.arrived(m.expected, m.admitted.records, m.admitted.bytes, false);
        m.expected = undefined;
      }
      records += m.admitted.records;
      bytes += m.admitted.bytes;
      mask |= room.feeds[m.input];
    }
    if (records === 0 && bytes === 0) return undefined;
    chunk.room = room.reserve(mask, records, bytes);
    return chunk.room;
  }

  /** What was announced for the chunk is no longer on its way (it is in the sink stage, or refused). */
  private arrived(c: Chunk, check: boolean): void {
    const room = this.d.room;
    if (!room) return;
    if (c.room) room.unreserve(c.room, check);
    for (const m of c.messages) if (m.expected !== undefined) room.arrived(m.expected, m.admitted.records, m.admitted.bytes, check);
  }

  private seal(): void {
    if (!this.builder || this.builder.messages === 0) return;
    const chunk: Chunk & { packed: ReturnType<ChunkBuilder['finish']> } = { seq: this.nextSeq++, messages: this.builderMessages, content: { records: this.builderRecords, bytes: this.builderCharged }, packed: this.builder.finish() };
    this.ready.push(chunk);
    this.readyBytes += chunk.packed.length;
    this.builder = undefined;
    this.builderMessages = [];
  }

  /**
   * Whether to take a buffer from the pool now: when `slot` (one is there), or when none will come back (nothing in
   * flight, no output waiting for the sinks: then a miss it is, so nothing waits for ever). Otherwise the caller
   * waits for a slot to come back, so chunks and outputs stay within the pool's slots: a buffer allocated instead
   * (a miss) was most of the memory held behind a slow sink (buffer-pool.ts). The transfer path (no slots) never waits.
   */
  private slotOr(slot: boolean): boolean {
    return slot || this.d.pool.capacity === 0 || (this.inflight === 0 && this.slotsHeld === 0);
  }

  private pump(): void {
    while (this.inflight < this.maxInflight && this.ready.length) {
      const next = this.ready[0] as Chunk & { packed: ReturnType<ChunkBuilder['finish']> };
      // The worker pool takes the output buffer: wait until a slot for it is free (see slotOr).
      if (!this.slotOr(this.d.pool.canTake(this.d.workers.outputBytes?.(next.packed.length, next.content) ?? this.d.pool.bufferBytes))) break;
      const chunk = this.ready.shift() as Chunk & { packed: ReturnType<ChunkBuilder['finish']> };
      this.readyBytes -= chunk.packed.length;
      if (chunk.inputSlot) this.inputSlots--;
      this.inflight++;
      if (latencyTrace) markAll(chunk.messages, STAGE.posted);
      const room = this.d.room ? this.reserve(chunk, this.d.room) : undefined;
      this.d.workers.run(chunk.packed.buffer, chunk.packed.length, room, chunk.content).then(
        (r) => this.finished(chunk, r, undefined),
        (e: Error) => this.finished(chunk, undefined, e),
      );
    }
    this.lendBuffers();
  }

  private finished(chunk: Chunk, result: ChunkResult | undefined, error: Error | undefined): void {
    this.inflight--;
    if (latencyTrace) {
      const t = now();
      for (const m of chunk.messages) {
        mark(m.trace, STAGE.workerStart, result?.startedAt ?? NaN);
        mark(m.trace, STAGE.workerEnd, result?.endedAt ?? NaN);
        mark(m.trace, STAGE.back, t);
      }
    }
    chunk.result = result;
    chunk.error = error;
    this.done.set(chunk.seq, chunk);
    // Release in arrival order so records from one sender stay in order across workers.
    for (let c = this.done.get(this.nextRelease); c; c = this.done.get(this.nextRelease)) {
      this.done.delete(this.nextRelease++);
      this.release(c);
    }
    // Whatever arrived while the workers were busy goes out now as one larger chunk.
    if (this.builder && this.builder.messages > 0 && this.ready.length === 0) this.seal();
    this.pump();
    this.checkIdle();
  }

  private release(c: Chunk): void {
    const { admission, stage, ackMode, inputMetrics } = this.d;
    if (!c.result) {
      this.arrived(c, true);
      this.d.onChunkError(c.error ?? new Error('chunk failed'));
      for (const m of c.messages) {
        m.reply?.({ ok: false, reason: 'busy', detail: 'internal processing error; retry' });
        // Counted as received: a native header's record count is the sender's claim, not what was lost.
        inputMetrics[m.input].discarded('internal_error').inc(m.packed ? m.admitted.records : m.kind === KIND_NATIVE ? 1 : Math.max(1, m.frames.length));
        admission.release(m.admitted.records, m.admitted.bytes);
      }
      return;
    }
    if (latencyTrace) markAll(c.messages, STAGE.released);
    const { outcome, output, grew } = c.result;
    // Through the pool, so the metric and /status count the same misses.
    if (grew) this.d.pool.miss();
    let records = 0;
    let bytes = 0;
    const acks: Inbound[] = [];
    // With routing: per ACK, the sinks its message's records went to (its ACK waits only for those).
    const messageSinks = outcome.routes?.messageSinks;
    // Per message refused busy in the worker: the sinks that had no room for it (few; usually none).
    const refusedFor = outcome.routes?.refusedFor ?? [];
    const short = new Map<number, number>();
    for (let k = 0; k < refusedFor.length; k += 2) short.set(refusedFor[k], refusedFor[k + 1]);
    const ackSinks: number[] = [];
    // With routing: the messages whose queue space is freed on their own (see below) and their sinks.
    const own: Inbound[] = [];
    const ownSinks: number[] = [];
    // Summed per input and added once per chunk: a counter update per message (one per record on PULL
    // inputs) was a visible share of the main thread.
    const received = new Array<number>(inputMetrics.length).fill(0);
    let i = 0;
    for (const m of c.messages) {
      if (m.packed) {
        // A block the input packed: no replies; rejected messages (< 0) were counted as discards by the worker.
        // submitPacked gives such a block a chunk of its own, so the worker's sum is its count: no loop over
        // its records here.
        let n = 0;
        if (c.messages.length === 1) {
          n = outcome.accepted;
          i += m.packed;
        } else for (const end = i + m.packed; i < end; i++) if (outcome.perMessage[i] > 0) n += outcome.perMessage[i];
        received[m.input] += n;
        records += m.admitted.records;
        bytes += m.admitted.bytes;
        continue;
      }
      const n = outcome.perMessage[i++];
      if (messageSinks && m.routed && (n >= 0 || n === BUSY)) m.routed(messageSinks[i - 1]);
      if (n < 0) {
        const reason = REASON_CODES[-n] ?? 'malformed';
        let detail = `payload rejected: ${reason}`;
        if (n === BUSY && messageSinks) {
          const full = short.get(i - 1) ?? messageSinks[i - 1];
          this.d.countBusy?.(m.input, full);
          detail = `no room in the queue of sink ${this.d.room?.names(full) ?? '?'} this batch goes to (its store is slow or down); retry later`;
        }
        m.reply?.({ ok: false, reason, detail });
        admission.release(m.admitted.records, m.admitted.bytes);
        continue;
      }
      received[m.input] += n;
      records += m.admitted.records;
      bytes += m.admitted.bytes;
      if (messageSinks) {
        own.push(m);
        ownSinks.push(messageSinks[i - 1]);
      }
      if (m.reply) {
        if (ackMode === 'received' || m.kind !== KIND_NATIVE) ack(m);
        else {
          acks.push(m);
          if (messageSinks) ackSinks.push(messageSinks[i - 1]);
        }
      }
    }
    received.forEach((n, input) => n > 0 && inputMetrics[input].received.inc(n));
    for (const [key, count] of Object.entries(outcome.discards)) {
      const colon = key.indexOf(':');
      inputMetrics[Number(key.slice(0, colon))].discarded(key.slice(colon + 1)).inc(count);
    }
    // The queue's byte budget is about memory, and from here on what is held is the NDJSON, which can be several
    // times what was received (a control byte becomes six bytes `\u00XX`). Charge the difference until the
    // write is done, so inputs stop reading while expanded output waits for the sinks.
    const expansion = Math.max(0, output.byteLength - bytes);
    if (expansion > 0) {
      admission.add(0, expansion);
      bytes += expansion;
    }
    const routes = outcome.routes;
    if (routes) this.d.onRoutes?.(routes);
    if (output.byteLength === 0 || outcome.records === 0) {
      // Nothing to write (every record dropped by routing counts as handled): acknowledge now.
      this.arrived(c, true);
      admission.release(records, bytes);
      for (const a of acks) ack(a);
      this.d.pool.give(output.buffer);
      return;
    }
    let groups: AckGroups<Inbound> | undefined;
    // With routing, each message's place in the queue is freed once the sinks its records went to have written
    // them, not when every sink has written the whole chunk: a sink that is down then holds only its own
    // senders' messages in the queue, and the others keep flowing. The NDJSON expansion charge and packed
    // blocks wait for the whole chunk.
    let frees: AckGroups<Inbound> | undefined;
    if (routes) {
      let taking = 0;
      routes.records.forEach((n, s) => n > 0 && (taking |= 1 << s));
      if (acks.length) groups = new AckGroups(acks, ackSinks, taking, ack);
      frees = new AckGroups(own, ownSinks, taking, (m) => {
        admission.release(m.admitted.records, m.admitted.bytes);
        records -= m.admitted.records;
        bytes -= m.admitted.bytes;
      });
    }
    // A small output (a chunk handed over by an input that had caught up with its socket) goes to the sinks as
    // a copy of its own size and its pooled buffer goes back at once: waiting for a write, each held a whole
    // pooled buffer whatever it used, so memory followed the number of chunks queued, not their bytes (1 KiB
    // case a: peak RSS ~300 MiB with 4 MiB queued).
    const small = output.byteLength <= this.d.pool.bufferBytes / SMALL_OUTPUT_SHARE;
    // The copy is the addon's memcpy: slice() of a shared slot cost ~10x that (relaxed atomics; native-lines.ts).
    const whole = small ? copyOf(output) : output;
    if (small) this.d.pool.give(output.buffer);
    // The worker's request body parts for HTTP sinks follow the NDJSON in the same buffer.
    const built = outcome.bodies;
    const data = built ? whole.subarray(0, built.ndjsonBytes) : whole;
    const bodies = built && bodyPartsOf(whole, built.parts);
    // Each sink's part: a few byte ranges of the output per sink and chunk (the worker compacted the rest).
    const parts = routes?.ranges.map((r) => rangesOf(data, r));
    const inSlot = !small && this.d.pool.slot(output.buffer) >= 0;
    // With routing, the sinks that keep their part in the slot (the others got a copy: see keepInSlot).
    const holderCounts = output.buffer.byteLength > this.d.pool.bufferBytes ? this.doubleHolders : this.slotHolders;
    const holders = inSlot && routes && parts ? this.keepInSlot(holderCounts, holderCounts === this.doubleHolders, routes.records, parts, bodies) : 0;
    // The sinks whose part is still in the slot (all of them without routing); the slot goes back to the pool
    // once the last of them has written, even while a sink with a copy of its part has not.
    let holding = inSlot ? (routes ? holders : -1) : 0;
    // Every sink taking part of it has its own copy: the slot is free for the next chunk at once.
    if (inSlot && holding === 0) this.d.pool.give(output.buffer);
    if (holding !== 0) this.slotsHeld++;
    const writtenBy = (s: number): void => {
      if ((holding & (1 << s)) === 0) return;
      holderCounts[s]--;
      holding &= ~(1 << s);
      if (holding === 0) this.slotBack(output.buffer);
    };
    // No longer on its way: the push below puts it in the queues (and checks their bounds).
    this.arrived(c, false);
    stage.push({
      data,
      records: outcome.records,
      bodies,
      routes: routes && parts && { parts, records: routes.records },
      written:
        routes &&
        ((s) => {
          groups?.written(s);
          frees?.written(s);
          writtenBy(s);
        }),
      done: () => {
        if (groups) groups.all();
        else for (const a of acks) ack(a);
        frees?.all();
        admission.release(records, bytes);
        if (holding === -1) {
          holding = 0;
          this.slotBack(output.buffer);
        } else for (let s = 0; holding !== 0 && s < 31; s++) writtenBy(s);
        this.checkIdle();
      },
    });
  }

  /** An output's slot is no longer needed by any sink: back to the pool, and to whatever waits for one (slotOr). */
  private slotBack(buffer: ArrayBufferLike): void {
    this.d.pool.give(buffer);
    this.slotsHeld--;
    if (this.ready.length || this.bufferWaiters.length) this.pump();
  }

  /**
   * With routing and several sinks: which sinks keep their part of an output in its pool slot (a mask), each
   * within its share of the slots (slotShare); the part of a sink past its share (and its request body part)
   * becomes a copy of its own size here, so that sink no longer holds the slot. A sink that is down keeps its
   * parts until it is back, and the pipeline waits for a slot to come back before it starts a chunk (slotOr):
   * without a share, a down sink's outputs took every slot and the healthy sinks beside it got nothing more.
   * Its copies stay within its queue's bound (sinkQueue, and half the shared queue with routing), as before the
   * pool existed. `held` counts per sink (slotHolders or doubleHolders) until that sink has written its part.
   */
  private keepInSlot(held: number[], double: boolean, records: readonly number[], parts: Uint8Array[][], bodies: (BodyPart | undefined)[] | undefined): number {
    // Inputs are lent single slots only; what they have held at most is not the sinks' to share.
    const share = slotShare(double ? this.d.pool.doubleCapacity : Math.max(0, this.d.pool.capacity - this.inputSlotsPeak), records.length);
    let mask = 0;
    for (let s = 0; s < records.length; s++) {
      // As the sink stage: a sink gets an entry (and later calls written) only for non-empty parts.
      if (parts[s].every((p) => p.byteLength === 0)) continue;
      if ((held[s] ?? 0) < share) {
        held[s] = (held[s] ?? 0) + 1;
        mask |= 1 << s;
        continue;
      }
      parts[s] = [concat(parts[s])];
      const b = bodies?.[s];
      if (b) bodies![s] = { ...b, body: b.body.slice() };
    }
    return mask;
  }

  /** Sends whatever is buffered now (drain). */
  flush(): void {
    this.seal();
    this.pump();
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  isIdle(): boolean {
    return this.inflight === 0 && this.ready.length === 0 && (!this.builder || this.builder.messages === 0) && this.done.size === 0 && this.d.admission.isEmpty();
  }

  /** Resolves once every accepted message has been written (or rejected) and acknowledged. */
  idle(): Promise<void> {
    this.flush();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

function ack(m: Inbound): void {
  mark(m.trace, STAGE.acked);
  m.reply!({ ok: true });
}

function markAll(messages: readonly Inbound[], stage: number): void {
  const t = now();
  for (const m of messages) mark(m.trace, stage, t);
}

/** Per sink: its body part (a view of `output`) and its records, or undefined (ChunkOutcome.bodies). */
function bodyPartsOf(output: Uint8Array, parts: Int32Array): (BodyPart | undefined)[] {
  const out: (BodyPart | undefined)[] = [];
  for (let i = 0; i < parts.length; i += 3) out.push(parts[i] < 0 ? undefined : { body: output.subarray(parts[i], parts[i + 1]), records: parts[i + 2] });
  return out;
}

/**
 * Slots of one size a sink may hold with outputs it has not written (keepInSlot): with `sinks` sinks all down at
 * once, two slots (a chunk's and its output's) still go round for whatever else arrives. One sink: all of them
 * (nothing else needs them; the pipeline waits for its writes, which bounds memory).
 */
export function slotShare(slots: number, sinks: number): number {
  return sinks <= 1 ? slots : Math.max(0, Math.floor((slots - 2) / sinks));
}

/** One buffer holding `parts` in order (a copy). */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.byteLength;
  }
  return out;
}

function rangesOf(output: Uint8Array, r: readonly number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < r.length; i += 2) parts.push(output.subarray(r[i], r[i + 1]));
  return parts;
}
