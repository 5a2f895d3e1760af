// The Loki push body (JSON form), as a pure function: records grouped into streams by their label values, each
// entry [nanosecond timestamp as a string, the record's JSON line]. Sending the whole record as the line keeps
// every field (`| json` in LogQL; VictoriaLogs parses it into fields).
import type { LokiLabelField } from './schema.js';

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}

export function pushBody(docs: readonly Uint8Array[], labels: readonly LokiLabelField[], staticLabels: Record<string, string>): Buffer {
  const streams = new Map<string, Stream>();
  for (const d of docs) {
    const line = Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8');
    const rec = JSON.parse(line) as Record<string, unknown>;
    const stream: Record<string, string> = { ...staticLabels };
    for (const f of labels) {
      const v = rec[f];
      if (typeof v === 'string' && v !== '') stream[f] = v;
    }
    const key = JSON.stringify(stream);
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { stream, values: [] }));
    s.values.push([isoToUnixNanos(typeof rec.ts === 'string' ? rec.ts : ''), line]);
  }
  return Buffer.from(JSON.stringify({ streams: [...streams.values()] }));
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
