// The bulk API's body and response, as pure functions. Body: one action line and one document line per record
// (NDJSON, trailing newline). Response: `{"errors": bool, "items": [{"<action>": {"status": N, "error": ...}}]}`
// in request order; when `errors` is false every item succeeded.
import type { RequestOutcome } from '../http/batch.js';

const NL = Buffer.from('\n');

/** Splits "logs-{{app}}-x" into literal parts and field names (odd indexes). */
export function parseIndexTemplate(t: string): string[] {
  return t.split(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/);
}

/**
 * Builds the `_bulk` body. A constant index reuses one action line for every record; a templated one reads each
 * record's top-level fields (JSON.parse, only then).
 */
export function bulkBody(docs: readonly Uint8Array[], action: 'create' | 'index', indexTemplate: string): Buffer {
  const parts = parseIndexTemplate(indexTemplate);
  const parts2: Uint8Array[] = [];
  const constant = parts.length === 1 ? Buffer.from(JSON.stringify({ [action]: { _index: parts[0] } }) + '\n') : undefined;
  for (const d of docs) {
    if (constant) parts2.push(constant);
    else parts2.push(Buffer.from(JSON.stringify({ [action]: { _index: renderIndex(parts, JSON.parse(Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('utf8')) as Record<string, unknown>) } }) + '\n'));
    parts2.push(d, NL);
  }
  return Buffer.concat(parts2);
}

/** bulkBody with fixed settings: the factory the sink's encoder thread loads (http/encode-thread.ts). */
export function bulkEncoder(p: { action: 'create' | 'index'; index: string }): (docs: readonly Uint8Array[]) => Buffer {
  return (docs) => bulkBody(docs, p.action, p.index);
}

export function renderIndex(parts: readonly string[], rec: Record<string, unknown>): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) out += parts[i];
    else {
      const v = rec[parts[i]];
      // Elasticsearch index names are lower case and cannot hold these characters.
      out += typeof v === 'string' && v !== '' ? v.toLowerCase().replace(/[\\/*?"<>| ,#:]/g, '_') : typeof v === 'number' ? String(v) : 'unknown';
    }
  }
  return out;
}

/** Item statuses worth resending: the node was busy or briefly unavailable (as Elasticsearch's clients treat them). */
const RETRYABLE_ITEM = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The start of a bulk response whose items all succeeded: its top-level `"errors":false`, after at most its
 * numeric `took`/`ingest_took` (Elasticsearch, OpenSearch and VictoriaLogs write these first). Read from the
 * start, it is the top-level member; the items (one per record, about 26 bytes each) are then not parsed, and a
 * body that does not end as one does (`]}`, or `}` without items) is parsed in full (a body cut short is resent).
 */
const ALL_STORED = /^\s*\{(?:\s*"(?:took|ingest_took)"\s*:\s*-?\d+\s*,)*\s*"errors"\s*:\s*false\s*[,}]/;

/** Reads a 2xx bulk response for `count` records. */
export function classifyBulkResponse(body: string, count: number): RequestOutcome {
  if (ALL_STORED.test(body) && /(?:\]\s*\}|"errors"\s*:\s*false\s*\})\s*$/.test(body.slice(-64))) return { kind: 'ok' };
  let j: { errors?: unknown; items?: unknown };
  try {
    j = JSON.parse(body) as typeof j;
  } catch {
    return { kind: 'retry', reason: `bulk response is not JSON: ${body.slice(0, 200)}`, maybeStored: true };
  }
  if (j.errors === false) return { kind: 'ok' };
  // A 2xx the store sent after it may have applied the request: what it could not attribute is resent, and each
  // resent record may be stored twice (counted, docs/sinks.md "Duplicates").
  if (j.errors !== true || !Array.isArray(j.items)) return { kind: 'retry', reason: `bulk response without "errors"/"items": ${body.slice(0, 200)}`, maybeStored: true };
  if (j.items.length !== count) return { kind: 'retry', reason: `bulk response has ${j.items.length} items for ${count} records`, maybeStored: true };
  const retry: number[] = [];
  const dead: { index: number; reason: string }[] = [];
  let retryReason: string | undefined;
  j.items.forEach((item: unknown, index: number) => {
    const r = item && typeof item === 'object' ? (Object.values(item)[0] as { status?: number; error?: unknown } | undefined) : undefined;
    const status = typeof r?.status === 'number' ? r.status : 0;
    if (status >= 200 && status < 300) return;
    const why = `item status ${status}: ${typeof r?.error === 'string' ? r.error : JSON.stringify(r?.error ?? null)}`;
    if (status === 0 || RETRYABLE_ITEM.has(status)) {
      retry.push(index);
      retryReason ??= why;
    } else dead.push({ index, reason: why });
  });
  return { kind: 'items', retry, dead, retryReason };
}
