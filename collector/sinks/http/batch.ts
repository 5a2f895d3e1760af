// Pure pieces of every HTTP sink: NDJSON chunks into records, records into requests bounded by count and
// bytes, and what an HTTP status means for the records of a request.

/**
 * The records (NDJSON lines, without their newline) of whole-line chunks. Views into the chunks, no copies.
 * A chunk's last line may lack its newline; empty lines are skipped.
 */
export function splitLines(chunks: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    const b = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let start = 0;
    while (start < b.length) {
      let nl = b.indexOf(0x0a, start);
      if (nl < 0) nl = b.length;
      if (nl > start) out.push(c.subarray(start, nl));
      start = nl + 1;
    }
  }
  return out;
}

/**
 * Groups consecutive records into requests of at most `maxEvents` records and `maxBytes` bytes (each record
 * counted with `overhead` extra bytes, e.g. its bulk action line). A record larger than maxBytes goes alone.
 * With `spread`, a write that would make fewer than `spread.parallel` requests is cut into about that many
 * (each at least `spread.minBytes`), so that many requests can be in flight at once.
 */
export function planRequests(docs: readonly Uint8Array[], maxEvents: number, maxBytes: number, overhead = 1, spread?: { parallel: number; minBytes: number }): Uint8Array[][] {
  return planGroups(docs, (d) => d.byteLength + overhead, () => 1, maxEvents, maxBytes, spread);
}

/**
 * planRequests for items of `count(item)` records and `size(item)` bytes each (body parts the workers built): an
 * item is never cut, so one over the limits goes alone.
 */
export function planGroups<T>(items: readonly T[], size: (t: T) => number, count: (t: T) => number, maxEvents: number, maxBytes: number, spread?: { parallel: number; minBytes: number }): T[][] {
  if (spread && spread.parallel > 1) {
    // Fewer requests than may be in flight would leave the store idle between writes: cut the write into up to
    // `parallel` even requests, none below minBytes (a small write stays one request).
    let total = 0;
    let records = 0;
    for (const t of items) {
      total += size(t);
      records += count(t);
    }
    const parts = Math.min(spread.parallel, Math.floor(total / spread.minBytes), records);
    if (parts > 1) maxBytes = Math.min(maxBytes, Math.ceil(total / parts) + 1);
    if (parts > 1) maxEvents = Math.min(maxEvents, Math.ceil(records / parts));
  }
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  let records = 0;
  for (const t of items) {
    const b = size(t);
    const n = count(t);
    if (cur.length > 0 && (records + n > maxEvents || bytes + b > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
      records = 0;
    }
    cur.push(t);
    bytes += b;
    records += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** What to do with the records of one request. */
export type RequestOutcome =
  | { kind: 'ok' }
  /**
   * Send the whole request again later. `maybeStored`: the store may have taken some of it (a 5xx, or the
   * connection failed after the request went out), so the resend may leave duplicates.
   */
  | { kind: 'retry'; reason: string; maybeStored?: boolean }
  /** The store refused the request as bad input: split it to find the records it refuses. */
  | { kind: 'rejected'; reason: string }
  /** Per-record results of a 2xx response: indexes to resend, and indexes refused for good. */
  | { kind: 'items'; retry: number[]; dead: { index: number; reason: string }[]; retryReason?: string };

/**
 * The meaning of a non-2xx status, shared by every HTTP sink (the 2xx body is the protocol's to read).
 * 408/429/5xx are the store's temporary state (retry, as Elasticsearch's and Loki's clients do); 400/413/422
 * refuse the request's content (split it; a single record is dead-lettered); any other status (401, 403, 404,
 * ...) is a configuration problem that an operator fixes: the records are kept and retried, never dropped.
 */
export function classifyStatus(status: number, body: string): RequestOutcome {
  const snippet = body.length > 300 ? body.slice(0, 300) + '...' : body;
  if (status === 400 || status === 413 || status === 422) return { kind: 'rejected', reason: `HTTP ${status}: ${snippet}` };
  // A 5xx may come after the store applied part of the request (a node failing mid-write); 408 and 429 refuse
  // the request before it is processed, and 401/403/404 before it is read.
  return { kind: 'retry', reason: `HTTP ${status}: ${snippet}`, maybeStored: status >= 500 };
}

/** Error codes of a connection that never opened: the request did not reach the store (Node and undici codes). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether a request that failed with `err` (no HTTP response) may still have been applied by the store: false
 * only when the connection never opened; a reset, a timeout or a closed socket after the request went out may
 * come after the store took it.
 */
export function mayHaveBeenStored(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return false;
  }
  return true;
}
