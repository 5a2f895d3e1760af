// The Loki push body (JSON form), as a pure function: records grouped into streams by their label values, each
// entry [nanosecond timestamp as a string, the record's JSON line]. The line is the whole record except the
// fields that became labels of its stream: a field is sent once, as Loki's own clients (Promtail, Alloy) send it,
// and a store that turns labels into fields (VictoriaLogs) does not show it twice. Every other field stays in the
// line (`| json` in LogQL; VictoriaLogs parses it into fields).
import type { LokiLabelField } from './schema.js';

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}

export function pushBody(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>): Buffer {
  const streams = new Map<string, Entry[]>();
  const ns = new NanosCache();
  const known = new Map<string, { key: string; stream: Record<string, string> }>();
  for (const d of docs) {
    const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    const e = scannedEntry(b, labels, staticLabels, ns, known) ?? parsedEntry(b, labels, staticLabels);
    const list = streams.get(e.key);
    if (list) list.push(e);
    else streams.set(e.key, [e]);
  }
  return writeBody(streams);
}

/** One line of a stream: its time and the line's bytes (or text), before JSON string escaping. */
interface Entry {
  /** JSON.stringify of the stream's labels. */
  key: string;
  ns: string;
  src: Buffer;
  /** Byte ranges of `src` that make up the line as `{` + ranges joined by `,` + `}`; absent: `src` whole. */
  members?: number[];
}

/**
 * The entry of a record read without JSON.parse: its top-level members located by a scanner, label values
 * read from their bytes, the line cut from the record's own bytes. Null when the record is anything the
 * scanner does not take (escaped keys, a label field twice, not an object): parsedEntry does those.
 */
function scannedEntry(
  b: Buffer,
  labels: readonly LokiLabelField[],
  staticLabels: Record<string, string>,
  ns: NanosCache,
  known: Map<string, { key: string; stream: Record<string, string> }>,
): Entry | null {
  const m = scanMembers(b);
  if (!m) return null;
  let labelled = false;
  let ts = '';
  const keys: string[] = [];
  for (let k = 0; k < m.length; k += 4) keys.push(b.toString('utf8', m[k] + 1, m[k + 1]));
  // The stream of these label values, built once per batch (the records of a batch share a few streams).
  let sig = '';
  const values: (string | undefined)[] = [];
  for (const f of labels) {
    const at = keys.indexOf(f);
    let v: string | undefined;
    if (at >= 0) {
      if (keys.indexOf(f, at + 1) >= 0) return null;
      v = stringValue(b, m[at * 4 + 2], m[at * 4 + 3]) || undefined;
    }
    values.push(v);
    if (v !== undefined) labelled = true;
    // Length-prefixed: a value may hold any character, so a separator alone would let two lists of values read
    // the same ("a\0\u0001" then "c" against "a" then "\u0001\0c") and put a record in another stream.
    sig += v === undefined ? '-' : v.length + ':' + v;
  }
  let s = known.get(sig);
  if (!s) {
    const stream: Record<string, string> = { ...staticLabels };
    labels.forEach((f, i) => values[i] !== undefined && (stream[f] = values[i]!));
    s = { key: JSON.stringify(stream), stream };
    known.set(sig, s);
  }
  const stream = s.stream;
  const tsAt = keys.lastIndexOf('ts');
  if (tsAt >= 0) ts = stringValue(b, m[tsAt * 4 + 2], m[tsAt * 4 + 3]) ?? '';
  const e: Entry = { key: s.key, ns: ns.of(ts), src: b };
  if (!labelled) return e;
  // JSON.parse keeps the last of a repeated key, and the line rebuilt from it had the key once: leave such a
  // record to parsedEntry rather than decide which copy to drop.
  for (let k = 1; k < keys.length; k++) if (keys.lastIndexOf(keys[k - 1]) !== k - 1) return null;
  // The line keeps every member but those whose key is a label of the stream with the same string value.
  const kept: number[] = [];
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (Object.hasOwn(stream, key) && stringValue(b, m[k * 4 + 2], m[k * 4 + 3]) === stream[key]) continue;
    kept.push(m[k * 4], m[k * 4 + 3]);
  }
  e.members = kept;
  return e;
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

/** `{"streams":[{"stream":{...},"values":[["<ns>","<line>"],...]},...]}` with each line escaped as a JSON string. */
function writeBody(streams: Map<string, Entry[]>): Buffer {
  let cap = 64;
  for (const [key, list] of streams) {
    cap += key.length * 3 + 32;
    for (const e of list) cap += e.ns.length + 8 + e.src.length;
  }
  const w = new EscapingWriter(cap + (cap >> 3));
  w.ascii('{"streams":[');
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
      if (!e.members) w.escaped(e.src, 0, e.src.length);
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
  w.ascii(']}');
  return w.finish();
}

/** Per byte: 0 copied as is, 1 escaped as `\` + itself (`"` and backslash), 2 as `\u00XX` (controls). */
const ESCAPE = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) ESCAPE[c] = 2;
ESCAPE[0x22] = 1;
ESCAPE[0x5c] = 1;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** A growing byte buffer that writes JSON string contents escaped (RFC 8259 section 7). */
class EscapingWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  ascii(s: string): void {
    this.room(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Bytes src[start, end) as the inside of a JSON string: quote and backslash escaped, controls as \u00XX. */
  escaped(src: Buffer, start: number, end: number): void {
    this.room((end - start) * 6);
    const out = this.buf;
    let o = this.pos;
    // One loop, byte by byte: copying the runs between escapes with Buffer#copy cost more (its call overhead
    // per quote) than it saved.
    for (let i = start; i < end; i++) {
      const c = src[i];
      const x = ESCAPE[c];
      if (x === 0) {
        out[o++] = c;
        continue;
      }
      out[o++] = 0x5c;
      if (x === 1) out[o++] = c;
      else {
        out[o++] = 0x75;
        out[o++] = 0x30;
        out[o++] = 0x30;
        out[o++] = HEX[c >> 4];
        out[o++] = HEX[c & 15];
      }
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
  of(ts: string): string {
    if (ts !== this.ts) {
      this.ts = ts;
      this.ns = isoToUnixNanos(ts);
    }
    return this.ns;
  }
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
  let j = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let bs = 0;
    while (q - 1 - bs > i && b[q - 1 - bs] === BACKSLASH) bs++;
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

/**
 * The top-level members of a JSON object as [memberStart, keyEnd, valueStart, valueEnd] per member (memberStart
 * is the key's opening quote, keyEnd its closing one). Null for anything else, or a key with an escape. The
 * record is the worker's NDJSON (valid JSON); this only locates members, it does not validate.
 */
export function scanMembers(b: Buffer): number[] | null {
  let i = skipWs(b, 0);
  if (b[i] !== 0x7b) return null;
  i = skipWs(b, i + 1);
  const out: number[] = [];
  if (b[i] === 0x7d) return skipWs(b, i + 1) === b.length ? out : null;
  for (;;) {
    if (b[i] !== QUOTE) return null;
    const ks = i;
    const ke = b.indexOf(QUOTE, ks + 1);
    if (ke < 0 || b.subarray(ks + 1, ke).includes(BACKSLASH)) return null;
    i = skipWs(b, ke + 1);
    if (b[i] !== 0x3a) return null;
    const vs = skipWs(b, i + 1);
    const ve = skipValue(b, vs);
    if (ve < 0) return null;
    out.push(ks, ke, vs, ve);
    i = skipWs(b, ve);
    if (b[i] === 0x2c) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b[i] === 0x7d && skipWs(b, i + 1) === b.length) return out;
    return null;
  }
}

/** The value at [vs, ve) if it is a JSON string, decoded; else undefined. */
function stringValue(b: Buffer, vs: number, ve: number): string | undefined {
  if (b[vs] !== QUOTE) return undefined;
  const raw = b.subarray(vs + 1, ve - 1);
  return raw.includes(BACKSLASH) ? (JSON.parse(b.toString('utf8', vs, ve)) as string) : raw.toString('utf8');
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
  return writeBody(streams);
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
