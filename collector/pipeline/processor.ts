// Turns one packed chunk of received messages into NDJSON lines. Pure apart from the output buffer: the same
// function runs inside a worker thread or inline on the main thread (`workers: 0`).
import { isUtf8 } from 'node:buffer';
import type { Framing, LimitsConfig, RecordFormat } from '../config/types.js';
import { ProtocolError } from '../errors.js';
import type { RecordBatch } from '../protocol/payload.js';
import { reasonCode } from '../protocol/reply.js';
import type { LogRecord } from '../record.js';
import type { DecodeContext } from '../decode/record.js';
import { mayHaveGluedTopic, splitTopicFrame } from '../decode/frames.js';
import { stringifyRecord } from '../decode/json-numbers.js';
import { ChunkReader, FLAG_JSON_PLAIN, KIND_NATIVE, type PackedMessage } from './chunk.js';
import { ascii, type NdjsonWriter } from './ndjson-writer.js';
import { Router, UNMATCHED, routingActive, type RouteRecord, type RouteTable } from '../routing/match.js';
import { RouteCollector, type ChunkRoom, type ChunkRoutes } from '../routing/collect.js';
import type { PlainLineWriter, PlainLineWriterClass } from './native-lines.js';

export type DecodeFn = (text: string, ctx: DecodeContext) => LogRecord;
/** Decompresses and splits a native message ([header, payload] frames, already checked); throws ProtocolError. */
export type OpenNativeFn = (header: Uint8Array, payload: Uint8Array) => RecordBatch;

/** How the records of one input are read: the decoding settings of its config entry. */
export interface ProcessorInput {
  id: string;
  /** The input kind (registry): a zmq-sub input subscribed to everything may get any topic glued to a record. */
  type: string;
  framing: Framing;
  format: RecordFormat;
  topicFrame: boolean;
  topics: string[];
}

/** An input config's decoding settings; kinds whose schema has none of these fields get the defaults. */
export function processorInput(cfg: { id: string; type: string; framing?: Framing; format?: RecordFormat; topicFrame?: boolean; topics?: readonly string[] }): ProcessorInput {
  return { id: cfg.id, type: cfg.type, framing: cfg.framing ?? 'frame', format: cfg.format ?? 'auto', topicFrame: cfg.topicFrame ?? false, topics: [...(cfg.topics ?? [''])] };
}

export interface ProcessorOptions {
  inputs: ProcessorInput[];
  /** maxDecompressedBytes: what openNative allows; given, the native writer also takes uncompressed native batches. */
  limits: Pick<LimitsConfig, 'maxRecordBytes'> & Partial<Pick<LimitsConfig, 'maxDecompressedBytes'>>;
  hostname: string;
  decode: DecodeFn;
  openNative: OpenNativeFn;
  /** Sinks' `match` and the global drop rules; absent or inactive: every sink takes every record. */
  routes?: RouteTable;
  /**
   * The addon's line writer (native-lines.ts): runs of plain records (one-record frames, and with
   * limits.maxDecompressedBytes the records of uncompressed native batches) are written in C++, byte for byte what
   * record()'s fast path writes. Absent, or with routing active: JavaScript writes every line.
   */
  plainLines?: PlainLineWriterClass;
}

export interface ChunkOutcome {
  /**
   * Records written per message, or minus the protocol's NACK reason code (reply.ts) when it was rejected whole.
   * A typed array: it travels from the worker as one copied block, where a number[] was serialised and rebuilt
   * element by element on the main thread (one element per record on PULL inputs).
   */
  perMessage: Int32Array;
  /** Sum of the positive entries of perMessage: the records accepted (the main thread's count for a packed chunk). */
  accepted: number;
  records: number;
  /** Records or messages dropped, keyed `<input index>:<reason>` (e.g. "0:empty"). */
  discards: Record<string, number>;
  /** Records changed on the way (truncated, invalid UTF-8 replaced). */
  flagged: number;
  /**
   * Set when routing is active: which byte ranges of the output each sink takes, and the drop counts. Dropped
   * records count in perMessage (they were accepted) but not in `records` (the lines written).
   */
  routes?: ChunkRoutes;
  /**
   * Set when the worker built request body parts for HTTP sinks (processor-factory.ts runChunk): the NDJSON is
   * the output's first `ndjsonBytes`; per sink (config order) [start, end, records] of its body part in the
   * output, start -1 for none.
   */
  bodies?: { ndjsonBytes: number; parts: Int32Array };
}


const EMPTY = new Int32Array(0);

/**
 * After a message the native writer could not take, how many messages JavaScript handles before asking it again:
 * bounds the cost of asking when a chunk holds nothing it can write (JSON records, say).
 */
const NATIVE_BACKOFF = 8;

/** Flag of a record kept as plain text because decoding it failed (docs/configuration.md, record flags). */
export const UNDECODABLE_FLAG = 'undecodable';

function discard(o: ChunkOutcome, m: PackedMessage, reason: string, n: number): void {
  const k = `${m.input}:${reason}`;
  o.discards[k] = (o.discards[k] ?? 0) + n;
}
const NL = 0x0a;
const CR = 0x0d;
const LBRACE = 0x7b;
const LT = 0x3c;
const decoder = new TextDecoder('utf-8', { fatal: false });

export class ChunkProcessor {
  private readonly prefixes: { input: Uint8Array; glued: boolean; anyTopic: boolean; ms: number; line: Uint8Array }[];
  private readonly msgKey = ascii(',"message":"');
  private readonly lineEnd = ascii('"}\n');
  private readonly tsOpen = ascii('{"ts":"');
  private lastMs = -1;
  private lastTs = ascii('');
  private lastIso = '';
  private lastSender: string | undefined;
  private lastRoutingId: string | undefined;
  private lastSenderEnd = ascii('');
  private readonly router?: Router;
  private readonly collect?: RouteCollector;
  /** Route of a fast-path record per input, when no condition reads more than input and host. */
  private readonly fastRoute: (number | undefined)[] = [];
  /** Scratch for ChunkOutcome.perMessage, grown as needed and reused across chunks. */
  private perMessage = new Int32Array(1024);
  private readonly lineWriter?: PlainLineWriter;
  /** native.write's state: [chunk offset, output position, perMessage entries used, records]. */
  private readonly nativeState = new Int32Array(4);

  constructor(private readonly opts: ProcessorOptions) {
    if (opts.routes && routingActive(opts.routes)) {
      this.router = new Router(opts.routes);
      this.collect = new RouteCollector(opts.routes.sinks.length, opts.routes.drop.length);
    }
    this.prefixes = opts.inputs.map((i) => ({
      // The slow path (decodeRecord) fills host from config.hostname for records that name none; the fast path
      // writes the same key so a record's shape does not depend on which path it took.
      input: ascii(`","input":${JSON.stringify(i.id)},"host":${JSON.stringify(opts.hostname)}`),
      // A SUB input with real subscriptions may get the topic glued in front of the text (no topic frame).
      glued: i.topics.some((t) => t !== ''),
      // A SUB input subscribed to everything may get any topic glued in front of a syslog record.
      anyTopic: i.type === 'zmq-sub' && i.topics.includes('') && i.format !== 'text' && i.format !== 'json',
      ms: -1,
      line: new Uint8Array(0),
    }));
    if (opts.plainLines && !this.router) this.lineWriter = this.nativeWriter(opts.plainLines);
  }

  /**
   * The native writer, told per input whether its records take record()'s fast path without looking further than
   * the first byte (one record per frame, no topic), and the bytes of the line around the time and the record.
   */
  private nativeWriter(Writer: PlainLineWriterClass): PlainLineWriter {
    const after: (Uint8Array | null)[] = [];
    const modes = new Uint8Array(this.opts.inputs.length);
    this.opts.inputs.forEach((input, i) => {
      const p = this.prefixes[i];
      const fast = input.framing === 'frame' && !input.topicFrame && !p.glued && (input.format === 'text' || (input.format === 'auto' && !p.anyTopic));
      modes[i] = fast ? (input.format === 'text' ? 1 : 2) : 0;
      after.push(fast ? Buffer.concat([p.input, this.msgKey]) : null);
    });
    return new Writer(this.tsOpen, after, modes, this.lineEnd, this.opts.limits.maxRecordBytes, this.opts.limits.maxDecompressedBytes);
  }

  /**
   * `room` (routing only): how much of the chunk's native messages each sink's queue has room for. A native
   * message whose lines would take a sink past it is taken back out of the output and refused `busy` (its sender
   * resends later); ChunkRoutes.messageSinks still names the sinks it would have gone to, so the ROUTER input
   * learns where that sender's batches go (docs/sinks.md, "One sink down").
   */
  process(buffer: ArrayBufferLike, length: number, out: NdjsonWriter, room?: ChunkRoom): ChunkOutcome {
    const outcome: ChunkOutcome = { perMessage: EMPTY, accepted: 0, records: 0, discards: {}, flagged: 0 };
    const collect = this.collect;
    let per = this.perMessage;
    let count = 0;
    collect?.startChunk(room);
    const m = new ChunkReader(buffer, length);
    const writer = this.lineWriter;
    const state = this.nativeState;
    let backoff = 0;
    for (;;) {
      if (writer && backoff-- <= 0) {
        state[0] = m.position;
        state[1] = out.pos;
        state[2] = count;
        writer.write(m.bytes, out.buf, per, state);
        if (state[2] > count) {
          m.seek(state[0]);
          out.pos = state[1];
          count = state[2];
          outcome.records += state[3];
          backoff = 0;
        } else {
          backoff = NATIVE_BACKOFF;
        }
      }
      if (!m.next()) break;
      let n: number;
      const start = out.pos;
      collect?.begin();
      try {
        n = m.kind === KIND_NATIVE ? this.native(m, out, outcome) : this.frames(m, out, outcome);
      } catch (err) {
        // One message's failure never costs its chunk neighbours: its partial output goes, the rest stays.
        // Anything but a ProtocolError is a fault this message will cause again on every retry, so it is
        // refused for good (`malformed`), never `busy`.
        out.pos = start;
        collect?.rollback();
        const reason = err instanceof ProtocolError ? err.reason : 'malformed';
        n = -reasonCode(reason);
        // Count what was rejected, not what the sender declared: a native batch whose payload could not be
        // opened is one message, whatever record count its header claims.
        discard(outcome, m, reason, m.kind === KIND_NATIVE ? 1 : Math.max(1, m.frames.length));
      }
      // Its size as received (header and payload frames as they came; the room is reserved in those bytes).
      if (room && collect && n > 0 && m.kind === KIND_NATIVE && !collect.fits(m.frameEnd(0) - m.frameStart(0) + m.frameEnd(1) - m.frameStart(1))) {
        out.pos = start;
        collect.refuse();
        n = -reasonCode('busy');
        discard(outcome, m, 'busy', 1);
      }
      if (count === per.length) {
        const grown = new Int32Array(per.length * 2);
        grown.set(per);
        per = this.perMessage = grown;
      }
      per[count++] = n;
      if (n > 0) outcome.records += n;
    }
    outcome.perMessage = per.slice(0, count);
    outcome.accepted = outcome.records;
    if (collect) {
      outcome.routes = collect.finish(out);
      outcome.records = outcome.routes.kept;
    }
    return outcome;
  }

  /**
   * Records where a routed line went (start..out.pos) or takes it back out of the output when a drop rule, or
   * routing.unmatched: drop, removes it.
   */
  private routed(start: number, out: NdjsonWriter, route: number): void {
    const c = this.collect as RouteCollector;
    if (route < 0) {
      c.dropped(-route - 1);
      out.pos = start;
      return;
    }
    if (route === UNMATCHED) {
      c.unmatched();
      if ((this.router as Router).table.unmatched === 'drop') {
        out.pos = start;
        return;
      }
      route = 1;
    }
    c.line(start, out.pos, route);
  }

  /** The route of a fast-path (plain text) record: all it has is ts, input, host and message. */
  private routeFast(input: number, ms: number, b: Uint8Array, s: number, e: number): number {
    const router = this.router as Router;
    if (router.readsOnlyInputHost) {
      const cached = this.fastRoute[input];
      if (cached !== undefined) return cached;
    }
    const r: RouteRecord = { ts: this.iso(ms), input: this.opts.inputs[input].id, host: this.opts.hostname };
    if (router.readsMessage) r.message = decoder.decode(b.subarray(s, e));
    const route = router.route(r);
    if (router.readsOnlyInputHost) this.fastRoute[input] = route;
    return route;
  }

  /** `{"ts":"<time>","input":...,"message":"` for this input and millisecond, built once per millisecond. */
  private linePrefix(input: number, ms: number): Uint8Array {
    const p = this.prefixes[input];
    if (p.ms !== ms) {
      this.iso(ms);
      const parts = [this.tsOpen, this.lastTs, p.input, this.msgKey];
      const line = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
      let o = 0;
      for (const x of parts) {
        line.set(x, o);
        o += x.length;
      }
      p.line = line;
      p.ms = ms;
    }
    return p.line;
  }

  /**
   * `","clientKey":"<name>","routingId":"<id>"}\n` (each part when known): the fast path's line end for a record
   * from an authenticated sender or a ROUTER peer.
   */
  private senderEnd(name: string | undefined, routingId: string | undefined): Uint8Array {
    if (name !== this.lastSender || routingId !== this.lastRoutingId) {
      this.lastSender = name;
      this.lastRoutingId = routingId;
      const key = name === undefined ? '' : `,"clientKey":${JSON.stringify(name)}`;
      const id = routingId === undefined ? '' : `,"routingId":${JSON.stringify(routingId)}`;
      this.lastSenderEnd = Buffer.from(`"${key}${id}}\n`);
    }
    return this.lastSenderEnd;
  }

  private iso(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
      this.lastTs = ascii(this.lastIso);
    }
    return this.lastIso;
  }

  private native(m: PackedMessage, out: NdjsonWriter, o: ChunkOutcome): number {
    const batch = this.opts.openNative(m.frames[0], m.frames[1]);
    const p = batch.payload;
    // A rejected message must leave no partial output behind.
    const start = out.pos;
    let n = 0;
    try {
      for (let i = 0; i < batch.count; i++) {
        const s = batch.start(i);
        // Over-long records arrive cut to maxRecordBytes; they take the slow path, which flags them.
        if (batch.isTruncated(i)) n += this.slow(p, s, s + batch.sentLength(i), m, undefined, out, o);
        else n += this.record(p, s, s + batch.length(i), m, undefined, out, o);
      }
    } catch (err) {
      out.pos = start;
      throw err;
    }
    return n;
  }

  private frames(m: ChunkReader, out: NdjsonWriter, o: ChunkOutcome): number {
    const input = this.opts.inputs[m.input];
    if (input.framing === 'frame' && !input.topicFrame) {
      // The common case (one record per frame): straight from the chunk's bytes, no view per frame.
      let n = 0;
      for (let i = 0; i < m.frameCount; i++) {
        const s = m.frameStart(i);
        const e = m.frameEnd(i);
        if (e === s) discard(o, m, 'empty', 1);
        else n += this.record(m.bytes, s, e, m, undefined, out, o);
      }
      return n;
    }
    let frames = m.frames;
    let topic: Uint8Array | undefined;
    if (input.topicFrame) ({ topic, body: frames } = splitTopicFrame(frames));
    let n = 0;
    if (input.framing === 'message' && frames.length > 1) {
      const joined = Buffer.concat(frames);
      return this.record(joined, 0, joined.length, m, topic, out, o);
    }
    for (const f of frames) {
      if (input.framing === 'lines') {
        if (f.length === 0) discard(o, m, 'empty', 1);
        let s = 0;
        while (s < f.length) {
          let nl = f.indexOf(NL, s);
          if (nl < 0) nl = f.length;
          const e = nl > s && f[nl - 1] === CR ? nl - 1 : nl;
          // An empty line counts as discarded, except the empty piece after a frame's final newline.
          if (e > s) n += this.record(f, s, e, m, topic, out, o);
          else if (nl < f.length || e > s) discard(o, m, 'empty', 1);
          s = nl + 1;
        }
      } else if (f.length === 0) {
        discard(o, m, 'empty', 1);
      } else {
        n += this.record(f, 0, f.length, m, topic, out, o);
      }
    }
    return n;
  }

  /** Writes one record line; returns 1 (written) or 0 (discarded). */
  private record(b: Uint8Array, s: number, e: number, m: PackedMessage, topic: Uint8Array | undefined, out: NdjsonWriter, o: ChunkOutcome): number {
    const input = this.opts.inputs[m.input];
    // Emitters end records with a newline that is not part of the message (docs/interop.md).
    if (e > s && b[e - 1] === NL) {
      e--;
      if (e > s && b[e - 1] === CR) e--;
    }
    if (e === s) {
      discard(o, m, 'empty', 1);
      return 0;
    }
    const first = b[s];
    // A topic (frame or glued prefix) can carry meaning such as PUBHandler's level, so only topic-free plain
    // text takes the fast path.
    const p = this.prefixes[m.input];
    const plain = topic === undefined && !p.glued && (input.format === 'text' || (input.format === 'auto' && first !== LBRACE && first !== LT && !(p.anyTopic && mayHaveGluedTopic(b, s, e))));
    const fits = e - s <= this.opts.limits.maxRecordBytes;
    if (plain && fits) {
      // Hot path: the record is plain text; copy its bytes with JSON escaping into a fixed line shape.
      const mark = out.pos;
      out.raw(this.linePrefix(m.input, m.receivedAt));
      // The receive thread already checked every byte (FLAG_JSON_PLAIN): copy them as they are.
      const end = m.sender === undefined && m.routingId === undefined ? this.lineEnd : this.senderEnd(m.sender, m.routingId);
      if ((m.flags ?? 0) & FLAG_JSON_PLAIN) {
        out.bytes(b, s, e);
        out.raw(end);
        if (this.router) this.routed(mark, out, this.routeFast(m.input, m.receivedAt, b, s, e));
        return 1;
      }
      if (out.escapedBytes(b, s, e)) {
        out.raw(end);
        if (this.router) this.routed(mark, out, this.routeFast(m.input, m.receivedAt, b, s, e));
        return 1;
      }
      out.pos = mark;
    }
    return this.slow(b, s, e, m, topic, out, o);
  }

  private slow(b: Uint8Array, s: number, e: number, m: PackedMessage, topic: Uint8Array | undefined, out: NdjsonWriter, o: ChunkOutcome): number {
    const input = this.opts.inputs[m.input];
    const flags: string[] = [];
    let end = e;
    if (end - s > this.opts.limits.maxRecordBytes) {
      end = s + this.opts.limits.maxRecordBytes;
      // Back off to a UTF-8 character boundary so the cut does not itself create invalid text.
      while (end > s && (b[end] & 0xc0) === 0x80) end--;
      flags.push('truncated');
    }
    const slice = b.subarray(s, end);
    const text = decoder.decode(slice);
    const invalidUtf8 = text.includes('\uFFFD') && !isUtf8(slice);
    const topicText = topic ? decoder.decode(topic) : undefined;
    let line: string;
    let route: RouteRecord;
    let changed = flags.length > 0;
    try {
      const rec = this.opts.decode(text, {
        input: input.id,
        format: input.format,
        topic: topicText,
        topics: topic ? undefined : input.topics,
        anyTopic: topic === undefined && this.prefixes[m.input].anyTopic,
        receivedAt: this.iso(m.receivedAt),
        hostname: this.opts.hostname,
        invalidUtf8,
      });
      if (m.sender !== undefined) rec.clientKey = m.sender;
      if (m.routingId !== undefined) rec.routingId = m.routingId;
      if (flags.length) rec.flags = rec.flags ? [...rec.flags, ...flags] : flags;
      // A JSON object record's string values are copied from its text rather than serialised again.
      line = stringifyRecord(rec, input.format === 'auto' || input.format === 'json' ? text : undefined);
      route = rec;
    } catch {
      // A record a decoder cannot handle (e.g. JSON nested deeper than the stack: JSON.stringify of the parsed
      // value overflows it) is kept as its text, flagged, instead of failing the message and its neighbours.
      const rec = this.undecodable(text, input.id, topicText, m.receivedAt, invalidUtf8, flags);
      if (m.sender !== undefined) rec.clientKey = m.sender;
      if (m.routingId !== undefined) rec.routingId = m.routingId;
      line = JSON.stringify(rec);
      route = rec;
      changed = true;
    }
    if (changed) o.flagged++;
    const start = out.pos;
    out.str(line);
    out.raw(this.lineEnd.subarray(2));
    if (this.router) this.routed(start, out, this.router.route(route));
    return 1;
  }

  /** The record of a text no decoder could read: strings only, so serialising it cannot fail. */
  private undecodable(text: string, input: string, topic: string | undefined, receivedAt: number, invalidUtf8: boolean, flags: string[]): LogRecord {
    const rec: LogRecord = { ts: this.iso(receivedAt), input, message: text };
    if (topic !== undefined) rec.topic = topic;
    if (this.opts.hostname) rec.host = this.opts.hostname;
    rec.flags = [...flags, ...(invalidUtf8 ? ['invalid_utf8'] : []), UNDECODABLE_FLAG];
    return rec;
  }
}
