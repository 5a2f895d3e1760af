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
  const streams = new Map<string, Stream>();
  for (const d of docs) {
    const text = Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8');
    const rec = JSON.parse(text) as Record<string, unknown>;
    const stream: Record<string, string> = { ...staticLabels };
    let labelled = false;
    for (const f of labels) {
      const v = rec[f];
      if (typeof v === 'string' && v !== '') {
        stream[f] = v;
        labelled = true;
      }
    }
    const key = JSON.stringify(stream);
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { stream, values: [] }));
    const ts = isoToUnixNanos(typeof rec.ts === 'string' ? rec.ts : '');
    s.values.push([ts, labelled ? lineWithout(rec, stream) : text]);
  }
  return Buffer.from(JSON.stringify({ streams: [...streams.values()] }));
}

/** pushBody with fixed settings: the factory the sink's encoder thread loads (http/encode-thread.ts). */
export function pushEncoder(p: { labels: readonly LokiLabelField[]; staticLabels: Record<string, string> }): (docs: readonly Uint8Array[]) => Buffer {
  return (docs) => pushBody(docs, p.labels, p.staticLabels);
}

/** The record as JSON without the fields its stream carries as labels (other fields keep their order). */
function lineWithout(rec: Record<string, unknown>, stream: Record<string, string>): string {
  const out: Record<string, unknown> = {};
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
