// The Loki push body (JSON form), as a pure function: records grouped into streams by their label values, each
// entry [nanosecond timestamp as a string, the record's JSON line]. The line is the whole record except the
// fields that became labels of its stream: a field is sent once, as Loki's own clients (Promtail, Alloy) send it,
// and a store that turns labels into fields (VictoriaLogs) does not show it twice. Every other field stays in the
// line (`| json` in LogQL; VictoriaLogs parses it into fields).
import type { LokiLabelField } from './schema.js';

export function pushBody(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>): Buffer {
  return writeBody(scanStreams(docs, labels, staticLabels), true);
}

/**
 * The streams of a push body without the envelope: `{"stream":...,"values":[...]},...` (empty for no docs).
 * Built where the records are made (the pipeline's worker, http/worker-body.ts); joinPushStreams makes one body
 * of several, so a request carries each part's streams as they are (a stream may then appear once per part,
 * which the push API accepts: its entries are taken per stream object).
 */
export function pushStreams(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>, scratch?: Scratch): Buffer {
  return writeBody(scanStreams(docs, labels, staticLabels), false, scratch);
}

/**
 * A buffer the body is written into when it is large enough (else a larger one, kept in `buf` for next time):
 * the result is then a view of it, valid until the next call with the same scratch. For a caller that copies
 * the body away at once (the worker, into its output slot), so each part is not a fresh allocation of its size.
 */
export interface Scratch {
  buf: Buffer;
}

const STREAMS_OPEN = Buffer.from('{"streams":[');
const STREAMS_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

/** One push body of pushStreams parts (empty parts left out). */
export function joinPushStreams(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(pushStreamsPieces(parts));
}

/** The pieces of joinPushStreams's body, in order, not joined: the envelope, the parts and the commas between. */
export function pushStreamsPieces(parts: readonly Uint8Array[]): Uint8Array[] {
  const list: Uint8Array[] = [STREAMS_OPEN];
  for (const p of parts) {
    if (p.byteLength === 0) continue;
    if (list.length > 1) list.push(COMMA);
    list.push(p);
  }
  list.push(STREAMS_CLOSE);
  return list;
}

function scanStreams(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>, shapes = true): Map<string, Entry[]> {
  const streams = new Map<string, Entry[]>();
  const scanner = new RecordScanner(labels, staticLabels);
  const known: Shape[] = [];
  let replace = 0;
  for (const d of docs) {
    const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    let e: Entry | null = null;
    for (let i = 0; i < known.length && !e; i++) e = shapedEntry(known[i], b);
    if (!e) {
      e = scanner.entry(b);
      const shape = e && shapes ? scanner.shapeOf(b, e) : null;
      if (shape) {
        // A few shapes at once (one per sender and millisecond, typically), the oldest replaced.
        if (known.length < MAX_SHAPES) known.push(shape);
        else known[replace++ % MAX_SHAPES] = shape;
      }
      e ??= parsedEntry(b, labels, staticLabels);
    }
    const list = streams.get(e.key);
    if (list) list.push(e);
    else streams.set(e.key, [e]);
  }
  return streams;
}

/**
 * What the records of one shape share: every byte but the inside of their `message` string. The collector's
 * lines of one input, sender and millisecond differ only there (`{"ts":...,"input":...,"host":...,"message":"`
 * ... `","routingId":...}`), so such a record is matched by comparing its ends with the shape's, and its entry is
 * the shape's escaped line around its message, escaped again: no scan of its members, no per-member escaping.
 */
interface Shape {
  /** The record's bytes up to and including the message's opening quote. */
  head: Buffer;
  /** The record's bytes from the message's closing quote to its end. */
  tail: Buffer;
  key: string;
  ns: string;
  /** The entry's line, escaped as a JSON string, before and after the message's inside. */
  pre: Buffer;
  suf: Buffer;
}

/** Shapes remembered per batch. */
const MAX_SHAPES = 4;

/**
 * The entry of `b` when it has `shape`'s head and tail and what lies between is the inside of one JSON string (no
 * quote that ends it, no escape cut by the tail); else null. The same entry the scanner would make: the head
 * puts the reader inside the message string, and the bytes before and after it are the shape's own.
 */
function shapedEntry(shape: Shape, b: Buffer): Entry | null {
  const h = shape.head.length;
  const t = shape.tail.length;
  const xe = b.length - t;
  if (xe < h || b.compare(shape.head, 0, h, 0, h) !== 0 || b.compare(shape.tail, 0, t, xe, b.length) !== 0) return null;
  // The tail starts with a quote, so the first quote at or after h is at xe at the latest.
  const q = b.indexOf(QUOTE, h);
  let bs = b.indexOf(BACKSLASH, h);
  if (bs < 0 || bs > xe) bs = xe;
  if (q < bs) return null;
  if (bs === xe) return { key: shape.key, ns: shape.ns, src: b, shape, xs: h, xe, plain: true };
  // Escapes in the message: each is a backslash and the byte it escapes; a quote not escaped ends the string.
  for (let i = bs; i < xe; i++) {
    const c = b[i];
    if (c === QUOTE) return null;
    if (c === BACKSLASH) {
      if (i + 1 >= xe) return null;
      i++;
    }
  }
  return { key: shape.key, ns: shape.ns, src: b, shape, xs: h, xe, plain: false };
}

/** One line of a stream: its time and the line's bytes (or text), before JSON string escaping. */
interface Entry {
  /** JSON.stringify of the stream's labels. */
  key: string;
  ns: string;
  src: Buffer;
  /** Byte ranges of `src` that make up the line as `{` + ranges joined by `,` + `}`; absent: `src` whole. */
  members?: number[];
  /** A record of a known shape: its line is shape.pre, the inside of its message (src[xs, xe)) escaped, shape.suf. */
  shape?: Shape;
  xs?: number;
  xe?: number;
  /** The message's inside has no backslash (nor, being a string's inside, a quote): it is copied as is. */
  plain?: boolean;
}

interface StreamRef {
  key: string;
  stream: Record<string, string>;
}

/** Most top-level members a record may have for the scanner; more go the JSON.parse way (linear in them). */
const MAX_SCANNED_MEMBERS = 64;
/** String values are scanned byte by byte up to here, then by Buffer#indexOf (a native call pays off only for long ones). */
const SHORT_STRING = 32;

/**
 * Entries of one batch read without JSON.parse: a record's top-level members located by a scanner that
 * allocates nothing per member, keys matched as bytes against the few names that matter (the labels, `ts`, the
 * static labels), label values and `ts` decoded only when they differ from the previous record's bytes (the
 * records of a batch share a few streams and mostly their millisecond), the line cut from the record's own
 * bytes. `entry` gives null for anything the scanner does not take (escaped keys, a label field twice, any
 * repeated key in a labelled record, more than MAX_SCANNED_MEMBERS members, not an object): parsedEntry does
 * those, with the same result.
 */
class RecordScanner {
  /** Key names as UTF-8 bytes: every label, then `ts`, then the static labels' names (each name once). */
  private readonly names: Buffer[] = [];
  private readonly nameStrings: string[] = [];
  /** Per name: its index in `labels`, or -1. */
  private readonly labelOf: number[] = [];
  /** Per name: whether the stream always has it (a static label), so a member of that name may equal it. */
  private readonly staticName: boolean[] = [];
  private readonly tsName: number;
  /** The name `message` (the field whose inside a Shape leaves open). */
  private readonly msgName: number;
  /** The member index of `message` in the record last read by entry(), or -1. */
  private msgAt = -1;
  private readonly known = new Map<string, StreamRef>();
  private readonly ns = new NanosCache();
  /** The members of the record being read: [memberStart, keyEnd, valueStart, valueEnd] each. */
  private readonly m: number[] = [];
  /** Per member: the index of its key in `names`, or -1. */
  private readonly which: number[] = [];
  /** Per label: its member index in the record being read, or -1. */
  private readonly labelAt: number[];
  /** The previous record, where its label values were ([valueStart, valueEnd] per label, -1 if absent) and its stream. */
  private prev?: { b: Buffer; ranges: number[]; s: StreamRef; labelled: boolean };

  constructor(
    private readonly labels: readonly LokiLabelField[],
    private readonly staticLabels: Record<string, string>,
  ) {
    const add = (name: string): number => {
      let i = this.nameStrings.indexOf(name);
      if (i < 0) {
        i = this.nameStrings.push(name) - 1;
        this.names.push(Buffer.from(name, 'utf8'));
        this.labelOf.push(-1);
        this.staticName.push(false);
      }
      return i;
    };
    labels.forEach((f, i) => (this.labelOf[add(f)] = i));
    this.tsName = add('ts');
    for (const k of Object.keys(staticLabels)) this.staticName[add(k)] = true;
    this.msgName = add('message');
    this.labelAt = labels.map(() => -1);
  }

  entry(b: Buffer): Entry | null {
    if (!this.scan(b)) return null;
    const { m, which, labelAt, labels } = this;
    const count = which.length;
    labelAt.fill(-1);
    let tsAt = -1;
    this.msgAt = -1;
    for (let k = 0; k < count; k++) {
      const w = which[k];
      if (w < 0) continue;
      if (w === this.msgName) this.msgAt = k;
      const l = this.labelOf[w];
      if (l >= 0) {
        // A label field twice: which copy names the stream is JSON.parse's call (the last one).
        if (labelAt[l] >= 0) return null;
        labelAt[l] = k;
      }
      if (w === this.tsName) tsAt = k;
    }
    const { s, labelled } = this.streamOf(b);
    const ns = tsAt >= 0 ? this.ns.ofBytes(b, m[tsAt * 4 + 2], m[tsAt * 4 + 3]) : this.ns.of('');
    const e: Entry = { key: s.key, ns, src: b };
    if (!labelled) return e;
    // JSON.parse keeps the last of a repeated key, and the line rebuilt from it had the key once: leave such a
    // record to parsedEntry rather than decide which copy to drop.
    for (let k = 1; k < count; k++) {
      const ks = m[k * 4] + 1;
      const len = m[k * 4 + 1] - ks;
      for (let j = 0; j < k; j++) {
        const js = m[j * 4] + 1;
        if (m[j * 4 + 1] - js === len && sameBytes(b, ks, b, js, len)) return null;
      }
    }
    // The line keeps every member but those whose key is a label of the stream with the same string value.
    const kept: number[] = [];
    for (let k = 0; k < count; k++) {
      const w = which[k];
      if (w >= 0) {
        const l = this.labelOf[w];
        // A label with a value names the stream by that very value.
        if (l >= 0 && labelAt[l] === k && Object.hasOwn(s.stream, labels[l]) && this.labelValueTaken(b, k)) continue;
        const name = this.nameStrings[w];
        if ((l >= 0 || this.staticName[w]) && Object.hasOwn(s.stream, name) && stringValue(b, m[k * 4 + 2], m[k * 4 + 3]) === s.stream[name]) continue;
      }
      kept.push(m[k * 4], m[k * 4 + 3]);
    }
    e.members = kept;
    return e;
  }

  /**
   * The shape of the record entry() has just read into `e` (Shape): null when it has no string `message` member,
   * or `message` is a label or a static label's name (its value then decides the stream or the line's members).
   */
  shapeOf(b: Buffer, e: Entry): Shape | null {
    const k = this.msgAt;
    const w = this.msgName;
    if (k < 0 || this.labelOf[w] >= 0 || this.staticName[w]) return null;
    const vs = this.m[k * 4 + 2];
    const ve = this.m[k * 4 + 3];
    if (b[vs] !== QUOTE) return null;
    const xs = vs + 1;
    const xe = ve - 1;
    const pre = new EscapingWriter(xs * 6 + 8);
    const suf = new EscapingWriter((b.length - xe) * 6 + 8);
    if (!e.members) {
      pre.escaped(b, 0, xs);
      suf.escaped(b, xe, b.length, true);
    } else {
      // As writeBody writes the members: `{`, the kept ones joined by `,`, `}`; the message's is cut in two.
      let out = pre;
      out.ascii('{');
      for (let i = 0; i < e.members.length; i += 2) {
        if (i > 0) out.ascii(',');
        if (e.members[i] <= xs && xe < e.members[i + 1]) {
          pre.escaped(b, e.members[i], xs);
          suf.escaped(b, xe, e.members[i + 1], true);
          out = suf;
        } else out.escaped(b, e.members[i], e.members[i + 1]);
      }
      if (out !== suf) return null;
      suf.ascii('}');
    }
    return { head: Buffer.from(b.subarray(0, xs)), tail: Buffer.from(b.subarray(xe)), key: e.key, ns: e.ns, pre: pre.finish(), suf: suf.finish() };
  }

  /** Whether the label member k has a value that became a label (a non-empty string). */
  private labelValueTaken(b: Buffer, k: number): boolean {
    const vs = this.m[k * 4 + 2];
    const ve = this.m[k * 4 + 3];
    return b[vs] === QUOTE && ve - vs > 2;
  }

  /** The stream of the record just scanned: the previous record's when its label values are the same bytes. */
  private streamOf(b: Buffer): { s: StreamRef; labelled: boolean } {
    const { m, labelAt, labels } = this;
    const p = this.prev;
    if (p) {
      let same = true;
      for (let l = 0; l < labels.length && same; l++) {
        const k = labelAt[l];
        const ps = p.ranges[l * 2];
        if (k < 0) same = ps < 0;
        else {
          const vs = m[k * 4 + 2];
          const ve = m[k * 4 + 3];
          same = ps >= 0 && p.ranges[l * 2 + 1] - ps === ve - vs && sameBytes(p.b, ps, b, vs, ve - vs);
        }
      }
      if (same) {
        p.b = b;
        for (let l = 0; l < labels.length; l++) {
          const k = labelAt[l];
          p.ranges[l * 2] = k < 0 ? -1 : m[k * 4 + 2];
          p.ranges[l * 2 + 1] = k < 0 ? -1 : m[k * 4 + 3];
        }
        return { s: p.s, labelled: p.labelled };
      }
    }
    // The stream of these label values, built once per batch.
    let sig = '';
    let labelled = false;
    const values: (string | undefined)[] = [];
    const ranges: number[] = [];
    for (let l = 0; l < labels.length; l++) {
      const k = labelAt[l];
      const v = k < 0 ? undefined : stringValue(b, m[k * 4 + 2], m[k * 4 + 3]) || undefined;
      ranges.push(k < 0 ? -1 : m[k * 4 + 2], k < 0 ? -1 : m[k * 4 + 3]);
      values.push(v);
      if (v !== undefined) labelled = true;
      // Length-prefixed: a value may hold any character, so a separator alone would let two lists of values read
      // the same ("a\0\u0001" then "c" against "a" then "\u0001\0c") and put a record in another stream.
      sig += v === undefined ? '-' : v.length + ':' + v;
    }
    let s = this.known.get(sig);
    if (!s) {
      const stream: Record<string, string> = { ...this.staticLabels };
      labels.forEach((f, i) => values[i] !== undefined && (stream[f] = values[i]!));
      s = { key: JSON.stringify(stream), stream };
      this.known.set(sig, s);
    }
    this.prev = { b, ranges, s, labelled };
    return { s, labelled };
  }

  /** The index in `names` of the key b[s, e), or -1. */
  private nameOf(b: Buffer, s: number, e: number): number {
    const len = e - s;
    const names = this.names;
    outer: for (let i = 0; i < names.length; i++) {
      const n = names[i];
      if (n.length !== len) continue;
      for (let j = 0; j < len; j++) if (n[j] !== b[s + j]) continue outer;
      return i;
    }
    return -1;
  }

  /**
   * Locates the top-level members of a JSON object into `m` and `which`. False for anything else, or a key with
   * an escape. The record is the worker's NDJSON (valid JSON); this only locates members, it does not validate.
   */
  private scan(b: Buffer): boolean {
    const m = this.m;
    const which = this.which;
    m.length = 0;
    which.length = 0;
    const n = b.length;
    let i = skipWs(b, 0);
    if (b[i] !== 0x7b) return false;
    i = skipWs(b, i + 1);
    if (b[i] === 0x7d) return skipWs(b, i + 1) === n;
    for (;;) {
      if (b[i] !== QUOTE || which.length === MAX_SCANNED_MEMBERS) return false;
      const ks = i;
      let ke = i + 1;
      for (; ke < n; ke++) {
        const c = b[ke];
        if (c === QUOTE) break;
        if (c === BACKSLASH) return false;
      }
      if (ke >= n) return false;
      i = skipWs(b, ke + 1);
      if (b[i] !== 0x3a) return false;
      const vs = skipWs(b, i + 1);
      const ve = skipValue(b, vs);
      if (ve < 0) return false;
      m.push(ks, ke, vs, ve);
      which.push(this.nameOf(b, ks + 1, ke));
      i = skipWs(b, ve);
      if (b[i] === 0x2c) {
        i = skipWs(b, i + 1);
        continue;
      }
      return b[i] === 0x7d && skipWs(b, i + 1) === n;
    }
  }
}

/** The JSON.parse way, for whatever the scanner leaves (the same result, slower). */
function parsedEntry(b: Buffer, labels: readonly LokiLabelField[], staticLabels: Record<string, string>): Entry {
  const text = b.toString('utf8');
  const rec = JSON.parse(text) as Record<string, unknown>;
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new Error('record is not a JSON object');
  const stream: Record<string, string> = { ...staticLabels };
  let labelled = false;
  for (const f of labels) {
    const v = rec[f];
    if (typeof v === 'string' && v !== '') {
      stream[f] = v;
      labelled = true;
    }
  }
  const ns = isoToUnixNanos(typeof rec.ts === 'string' ? rec.ts : '');
  return { key: JSON.stringify(stream), ns, src: labelled ? Buffer.from(lineWithout(rec, stream)) : b };
}

/**
 * `{"streams":[{"stream":{...},"values":[["<ns>","<line>"],...]},...]}` with each line escaped as a JSON string;
 * without `envelope`, only what is inside the streams list.
 */
function writeBody(streams: Map<string, Entry[]>, envelope: boolean, scratch?: Scratch): Buffer {
  let cap = 64;
  for (const [key, list] of streams) {
    cap += key.length * 3 + 32;
    for (const e of list) cap += e.ns.length + 8 + e.src.length;
  }
  cap += cap >> 3;
  if (scratch && scratch.buf.length < cap) scratch.buf = Buffer.allocUnsafe(cap);
  const w = new EscapingWriter(scratch ? scratch.buf : Buffer.allocUnsafe(cap));
  if (envelope) w.ascii('{"streams":[');
  let firstStream = true;
  for (const [key, list] of streams) {
    if (!firstStream) w.ascii(',');
    firstStream = false;
    w.ascii('{"stream":');
    w.text(key);
    w.ascii(',"values":[');
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      w.ascii(i === 0 ? '["' : ',["');
      w.ascii(e.ns);
      w.ascii('","');
      if (e.shape) {
        w.raw(e.shape.pre);
        if (e.plain) w.raw(e.src, e.xs!, e.xe!);
        else w.escaped(e.src, e.xs!, e.xe!, true);
        w.raw(e.shape.suf);
      } else if (!e.members) w.escaped(e.src, 0, e.src.length);
      else {
        w.ascii('{');
        for (let k = 0; k < e.members.length; k += 2) {
          if (k > 0) w.ascii(',');
          w.escaped(e.src, e.members[k], e.members[k + 1]);
        }
        w.ascii('}');
      }
      w.ascii('"]');
    }
    w.ascii(']}');
  }
  if (envelope) w.ascii(']}');
  // The writer may have outgrown the scratch (escapes): its larger buffer is the scratch from now on.
  if (scratch) scratch.buf = w.buffer;
  return w.finish();
}

/** Per byte: 0 copied as is, 1 escaped as `\` + itself (`"` and backslash), 2 as `\u00XX` (controls). */
const ESCAPE = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) ESCAPE[c] = 2;
ESCAPE[0x22] = 1;
ESCAPE[0x5c] = 1;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Plain bytes inside a string after which EscapingWriter.escaped copies the rest of the string natively (past 100-byte messages: below that two searches and a copy cost about what the loop does). */
const LONG_RUN = 128;

/** `\u00XX` for control byte c at out[o]; returns the position after it. */
function controlEscape(out: Buffer, o: number, c: number): number {
  out[o++] = 0x5c;
  out[o++] = 0x75;
  out[o++] = 0x30;
  out[o++] = 0x30;
  out[o++] = HEX[c >> 4];
  out[o++] = HEX[c & 15];
  return o;
}

/** A growing byte buffer that writes JSON string contents escaped (RFC 8259 section 7). */
class EscapingWriter {
  private buf: Buffer;
  private pos = 0;

  /** `capacity` bytes to start with, or a buffer to write into from its start (growing into a new one when full). */
  constructor(capacity: number | Buffer) {
    this.buf = typeof capacity === 'number' ? Buffer.allocUnsafe(capacity) : capacity;
  }

  /** The buffer written into now (the one given, or the larger one it grew into). */
  get buffer(): Buffer {
    return this.buf;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An ASCII string (the body's punctuation, a time in nanoseconds): a loop, as these are a few bytes each. */
  ascii(s: string): void {
    this.room(s.length);
    const out = this.buf;
    let o = this.pos;
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
    this.pos = o;
  }

  /** Bytes copied as they are (already escaped, or a string's inside with nothing to escape). */
  raw(src: Buffer, start = 0, end = src.length): void {
    this.room(end - start);
    this.pos += src.copy(this.buf, this.pos, start, end);
  }

  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * Bytes src[start, end) as the inside of a JSON string: quote and backslash escaped, controls as \u00XX. The
   * bytes are JSON text from a member's start (a record's NDJSON), so quotes that are not escaped open and close
   * its strings; inside a string, once LONG_RUN (128) plain bytes went by, the rest up to its next quote or backslash is
   * copied in one native call (a JSON string holds no raw control byte). A 1 KiB message was a byte loop of 1,000
   * iterations; short strings (keys, times, labels) stay in the loop, where a native call costs more.
   * `inString`: src[start] lies inside a string (or is the quote that ends it), as for a Shape's message.
   */
  escaped(src: Buffer, start: number, end: number, inString = false): void {
    this.room((end - start) * 6);
    const out = this.buf;
    let o = this.pos;
    let run = 0;
    for (let i = start; i < end; i++) {
      const c = src[i];
      const x = ESCAPE[c];
      if (x === 0) {
        out[o++] = c;
        if (inString && ++run === LONG_RUN) {
          const from = i + 1;
          let stop = src.indexOf(QUOTE, from);
          if (stop < 0 || stop > end) stop = end;
          const b = src.indexOf(BACKSLASH, from);
          if (b >= 0 && b < stop) stop = b;
          o += src.copy(out, o, from, stop);
          i = stop - 1;
          run = 0;
        }
        continue;
      }
      run = 0;
      out[o++] = 0x5c;
      if (x === 1) {
        out[o++] = c;
        if (c === QUOTE) inString = !inString;
        else if (inString && i + 1 < end) {
          // A backslash inside a string escapes the next byte (a quote there does not end the string).
          const d = src[++i];
          if (ESCAPE[d] === 0) out[o++] = d;
          else if (ESCAPE[d] === 1) {
            out[o++] = 0x5c;
            out[o++] = d;
          } else o = controlEscape(out, o, d);
        }
      } else o = controlEscape(out, o - 1, c);
    }
    this.pos = o;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** isoToUnixNanos of the last time seen: the records of one batch mostly share their timestamp's millisecond. */
class NanosCache {
  private ts = '\0';
  private ns = '';
  /** The JSON value bytes of the last time seen (its quotes included), and its nanoseconds. */
  private raw = Buffer.alloc(0);
  private rawNs = '';
  of(ts: string): string {
    if (ts !== this.ts) {
      this.ts = ts;
      this.ns = isoToUnixNanos(ts);
    }
    return this.ns;
  }
  /** The nanoseconds of the `ts` value at b[vs, ve) (a JSON value; not a string: now), decoded only when it changed. */
  ofBytes(b: Buffer, vs: number, ve: number): string {
    if (b[vs] !== QUOTE) return this.of('');
    const raw = this.raw;
    if (raw.length === ve - vs && sameBytes(raw, 0, b, vs, raw.length)) return this.rawNs;
    this.raw = Buffer.from(b.subarray(vs, ve));
    this.rawNs = isoToUnixNanos(stringValue(b, vs, ve) ?? '');
    return this.rawNs;
  }
}

/** Whether a[as, as+len) and b[bs, bs+len) hold the same bytes (a loop: these are short, a native call costs more). */
function sameBytes(a: Uint8Array, as: number, b: Uint8Array, bs: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whitespace between JSON tokens (RFC 8259 section 2). */
function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function skipWs(b: Buffer, i: number): number {
  while (i < b.length && isWs(b[i])) i++;
  return i;
}

/** Index just past the string whose opening quote is at `i`; -1 if it does not end. */
function skipString(b: Buffer, i: number): number {
  const n = b.length;
  let j = i + 1;
  // Short strings (keys, labels, times) byte by byte: a native call costs more than the loop.
  for (const stop = Math.min(n, j + SHORT_STRING); j < stop; j++) {
    const c = b[j];
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) j++;
  }
  if (j >= n) return -1;
  for (;;) {
    const q = b.indexOf(QUOTE, j);
    if (q < 0) return -1;
    // The quote ends the string unless an odd run of backslashes (after j, where no escape is pending) precedes it.
    let bs = 0;
    while (q - 1 - bs >= j && b[q - 1 - bs] === BACKSLASH) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the value starting at `i` (string, object, array or scalar); -1 if it does not end. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < b.length; j++) {
      const x = b[j];
      if (x === QUOTE) {
        j = skipString(b, j);
        if (j < 0) return -1;
        j--;
      } else if (x === 0x7b || x === 0x5b) depth++;
      else if (x === 0x7d || x === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < b.length && b[j] !== 0x2c && b[j] !== 0x7d && b[j] !== 0x5d && !isWs(b[j])) j++;
  return j > i ? j : -1;
}

/** The value at [vs, ve) if it is a JSON string, decoded; else undefined. */
function stringValue(b: Buffer, vs: number, ve: number): string | undefined {
  if (b[vs] !== QUOTE) return undefined;
  const raw = b.subarray(vs + 1, ve - 1);
  return raw.includes(BACKSLASH) ? (JSON.parse(b.toString('utf8', vs, ve)) as string) : raw.toString('utf8');
}

/** pushBody without the shapes (every record scanned): the reference the shapes' tests compare with, byte for byte. */
export function pushBodyScanned(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>): Buffer {
  return writeBody(scanStreams(docs, labels, staticLabels, false), true);
}

/** The body pushBody builds, made the plain way (JSON.parse of every record): the reference its tests compare with. */
export function pushBodyParsed(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>): Buffer {
  const streams = new Map<string, Entry[]>();
  for (const d of docs) {
    const e = parsedEntry(Buffer.from(d.buffer, d.byteOffset, d.byteLength), labels, staticLabels);
    const list = streams.get(e.key);
    if (list) list.push(e);
    else streams.set(e.key, [e]);
  }
  return writeBody(streams, true);
}

/** pushBody with fixed settings: the factory the sink's encoder thread loads (http/encode-thread.ts). */
export function pushEncoder(p: { labels: readonly LokiLabelField[]; staticLabels: Record<string, string> }): (docs: readonly Uint8Array[]) => Buffer {
  return (docs) => pushBody(docs, p.labels, p.staticLabels);
}

/** The record as JSON without the fields its stream carries as labels (other fields keep their order). */
function lineWithout(rec: Record<string, unknown>, stream: Record<string, string>): string {
  // No prototype: a record's own "__proto__" member (JSON.parse makes it an own property) stays a member rather
  // than setting the prototype of the line and vanishing from it.
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!Object.hasOwn(stream, k) || rec[k] !== stream[k]) out[k] = rec[k];
  return JSON.stringify(out);
}

/**
 * An ISO 8601 time as Unix nanoseconds in decimal (Loki's format), keeping sub-millisecond digits that
 * Date.parse drops. An unparseable time gives the current time (the record keeps its own `ts` field).
 */
export function isoToUnixNanos(ts: string, now: () => number = Date.now): string {
  const ms = Date.parse(ts);
  if (Number.isNaN(ms)) return BigInt(now()) * 1_000_000n + '';
  const frac = /\.(\d+)/.exec(ts)?.[1] ?? '';
  const subMs = BigInt((frac.slice(3, 9) + '000000').slice(0, 6));
  return (BigInt(ms) * 1_000_000n + subMs).toString();
}
