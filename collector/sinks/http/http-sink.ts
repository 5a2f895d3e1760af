// The engine every HTTP sink runs on. A stage write is split into requests (count and byte limits), sent with at
// most `concurrency` in flight; each request's outcome decides per record: stored, resend, or refused for good
// (dead-lettered with a metric, never retried forever). write() resolves only when every record of the write is
// stored or dead-lettered, so a persisted-mode ACK means "in the store". When some records must be resent it
// throws a retryable error and remembers exactly those: the sink stage retries the same write with backoff and
// jitter, and only the remembered records go out again (no duplicates of what the store already took).
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { mkdir } from 'node:fs/promises';
import { SinkError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { SinkContext } from '../sink.js';
import type { Sink, WrittenParts } from '../sink.js';
import type { SinkSelfHealth } from '../health.js';
import { classifyStatus, mayHaveBeenStored, planGroups, planRequests, splitLines, type RequestOutcome } from './batch.js';
import type { HttpSinkSettings } from './schema.js';
import { HttpTransport, type HttpResponse } from './transport.js';
import { EncodeRefused, EncodeThread, type EncoderSpec } from './encode-thread.js';
import { bodyPieces, type WorkerBodySpec } from './worker-body.js';

/** What differs between HTTP sinks: the API path, the body format and the reading of a 2xx response. */
export interface HttpProtocol {
  readonly path: string;
  readonly contentType: string;
  /** Headers this protocol always sends (e.g. VictoriaLogs' field hints), before the user's own. */
  readonly headers: Record<string, string>;
  /** Bytes each record adds beyond itself (for the per-request byte limit). */
  readonly overheadPerRecord: number;
  /** The request body of these records. May throw for a record it cannot encode (that record is dead-lettered). */
  encode(docs: readonly Uint8Array[]): Uint8Array;
  /** The same encoder as a module the sink's encoder thread loads (encode-thread.ts); absent: encode() runs here. */
  readonly offThread?: Omit<EncoderSpec, 'gzip'>;
  /** The same body, built in parts by the pipeline's workers (worker-body.ts); the sink joins the parts. */
  readonly workerBody?: WorkerBodySpec;
  /** Reads a 2xx response for `count` records. */
  classify(res: HttpResponse, count: number): RequestOutcome;
}

const LOG_EVERY_MS = 10_000;

/** What a request leaves to send again: the records, why, and how many of them the store may hold already. */
interface Resend {
  retry: Uint8Array[];
  reason: string;
  maybeStored: number;
}

/**
 * One request of a write: records to encode here, or consecutive body parts the workers built (with the chunks
 * they were made from, read into records only when the store does not take the request whole).
 */
type Request = { docs: Uint8Array[] } | { parts: Uint8Array[]; chunks: Uint8Array[]; records: number };
/**
 * A write is cut into `concurrency` requests only down to this size: smaller requests cost the store more per
 * record than the parallelism gains (one 4 MiB write at 1 KiB went out as a single request, so the store
 * worked on one request at a time: 0.48 of a loader sending 4 at once).
 */
const MIN_SPLIT_BYTES = 256 * 1024;

export class HttpSink implements Sink {
  private readonly transport: HttpTransport;
  /**
   * Per write still being retried (the stage retries with the same chunks array): the records to send again, and
   * how many of them the store may already hold.
   */
  private readonly carry = new WeakMap<readonly Uint8Array[], { docs: Uint8Array[]; maybeStored: number }>();
  /**
   * Writes in flight at once: as many as requests may be. While one write's requests are out, the next write's
   * body is built (and gzipped), so the store never waits for the collector between writes; the agent's
   * `concurrency` connections still bound the requests in flight.
   */
  readonly concurrentWrites: number;
  /** The body parts the pipeline's workers build for this sink (the protocol's; absent: bodies are built here). */
  readonly workerBody?: WorkerBodySpec;
  /** Its writes wait on the store (Sink.remoteStore); behind a disk buffer the buffer's writes do not. */
  readonly remoteStore = true;
  /** Writes in progress now (the stage may have up to concurrentWrites). */
  private writing = 0;
  private deadLetter?: FileHandle;
  /** Bytes in the dead-letter file (its size at open plus what was appended), against cfg.deadLetterMaxBytes. */
  private deadLetterBytes = 0;
  /** Rejected records not appended because the dead-letter file was full (logged). */
  private deadLetterSkipped = 0;
  private lastFullLog = 0;
  private lastDeadLog = 0;
  private readonly log: Logger;
  private readonly encoder?: EncodeThread;
  /** zlog_sink_resent_events_total: the records of each retried write (docs/sinks.md, "Duplicates"). */
  private readonly resent?: { inc(n: number): void };

  constructor(
    readonly id: string,
    readonly type: string,
    private readonly cfg: HttpSinkSettings,
    private readonly protocol: HttpProtocol,
    private readonly ctx: SinkContext,
  ) {
    this.log = ctx.log;
    this.concurrentWrites = cfg.concurrency;
    this.workerBody = protocol.workerBody;
    if (protocol.offThread) this.encoder = new EncodeThread({ ...protocol.offThread, gzip: cfg.compression === 'gzip' });
    const http = ctx.metrics?.httpClient(id);
    this.resent = http?.resent;
    this.transport = new HttpTransport(id, cfg, ctx.log, {
      onResponse: (status, seconds) => {
        http?.requests.inc();
        http?.response(status).inc();
        http?.rtt.observe(seconds);
      },
    });
  }

  async open(): Promise<void> {
    try {
      await this.transport.open();
      // With worker-built parts (every write of a sink without a disk buffer) the encoder thread only serves the
      // fallbacks (a retry, a refused request being split, a part over the batch limits): it starts on the first
      // of those rather than sit idle as a whole V8 isolate from the start. Behind a disk buffer (no parts) the
      // first write pays its start-up; that write drains the buffer, so no ACK waits for it.
      if (!this.workerBody) await this.encoder?.open();
      if (this.cfg.deadLetterPath) {
        await mkdir(dirname(this.cfg.deadLetterPath), { recursive: true });
        this.deadLetter = await open(this.cfg.deadLetterPath, 'a');
        this.deadLetterBytes = (await this.deadLetter.stat()).size;
      }
    } catch (err) {
      throw new SinkError(this.id, (err as Error).message, false, { cause: err });
    }
  }

  async write(chunks: readonly Uint8Array[], _bytes?: number, built?: WrittenParts): Promise<void> {
    const carried = this.carry.get(chunks);
    // Sent again after an attempt that may have stored them (a request cut or timed out after the store applied
    // it, a 5xx): each one counted here may be stored twice (docs/sinks.md, "Duplicates").
    if (carried && carried.maybeStored > 0) this.resent?.inc(carried.maybeStored);
    this.carry.delete(chunks);
    // A write is cut to fill only the request slots other writes leave free: with every slot busy, cutting it
    // further made more, smaller requests, which cost the store more per record.
    const parallel = Math.max(1, this.cfg.concurrency - this.writing);
    const spread = { parallel, minBytes: MIN_SPLIT_BYTES };
    const { maxEvents, maxBytes } = this.cfg.batch;
    let requests: Request[];
    let total: number;
    if (!carried && built && this.workerBody) {
      requests = this.builtRequests(chunks, built, spread);
      total = built.reduce((n, p) => n + p.records, 0);
    } else {
      // A retry resends only what is left (carried), record by record.
      const docs = carried ? carried.docs : splitLines(chunks);
      requests = planRequests(docs, maxEvents, maxBytes, this.protocol.overheadPerRecord, spread).map((g) => ({ docs: g }));
      total = docs.length;
    }
    this.writing++;
    try {
      await this.sendAll(chunks, requests, total);
    } finally {
      this.writing--;
    }
  }

  /**
   * The requests of a write whose body parts the workers built: consecutive parts joined up to the batch limits
   * (and cut for the free slots as planRequests does); a part over the limits on its own goes record by record.
   */
  private builtRequests(chunks: readonly Uint8Array[], built: WrittenParts, spread: { parallel: number; minBytes: number }): Request[] {
    const { maxEvents, maxBytes } = this.cfg.batch;
    const parts: { body: Uint8Array; records: number; chunks: Uint8Array[] }[] = [];
    let at = 0;
    for (const p of built) {
      parts.push({ body: p.body, records: p.records, chunks: chunks.slice(at, at + p.chunks) });
      at += p.chunks;
    }
    const out: Request[] = [];
    for (const g of planGroups(parts, (p) => p.body.byteLength, (p) => p.records, maxEvents, maxBytes, spread)) {
      if (g.length === 1 && (g[0].records > maxEvents || g[0].body.byteLength > maxBytes)) {
        for (const docs of planRequests(splitLines(g[0].chunks), maxEvents, maxBytes, this.protocol.overheadPerRecord)) out.push({ docs });
      } else {
        out.push({ parts: g.map((p) => p.body), chunks: g.flatMap((p) => p.chunks), records: g.reduce((n, p) => n + p.records, 0) });
      }
    }
    return out;
  }

  /** Sends a write's requests (at most `concurrency` at once); remembers what is to be resent. */
  private async sendAll(chunks: readonly Uint8Array[], requests: Request[], total: number): Promise<void> {
    const failed: Uint8Array[] = [];
    let maybeStored = 0;
    let reason = '';
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const q = requests[next++];
        const r = 'docs' in q ? await this.sendGroup(q.docs) : await this.sendBuilt(q);
        if (r.retry.length) {
          for (const d of r.retry) failed.push(d);
          maybeStored += r.maybeStored;
          reason = r.reason;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.cfg.concurrency, requests.length) }, worker));
    if (failed.length) {
      this.carry.set(chunks, { docs: failed, maybeStored });
      throw new SinkError(this.id, `${failed.length} of ${total} records not stored yet: ${reason}`, true);
    }
  }

  /**
   * Sends one request; splits it when the store refuses its content. Returns the records to resend, and how many
   * of them the store may have taken anyway.
   */
  private async sendGroup(docs: Uint8Array[]): Promise<Resend> {
    let body: Uint8Array;
    try {
      body = this.encoder ? await this.encoder.encode(docs) : this.protocol.encode(docs);
    } catch (err) {
      // A failed encoder thread refused nothing: the records are resent (a new thread starts).
      if (this.encoder && !(err instanceof EncodeRefused)) return { retry: docs, reason: (err as Error).message, maybeStored: 0 };
      return this.split(docs, `cannot encode: ${(err as Error).message}`);
    }
    return this.deliver(body, docs.length, () => docs, this.encoder !== undefined && this.cfg.compression === 'gzip');
  }

  /** Sends the workers' body parts of one request as one body (gzipped by the transport on libuv's pool). */
  private sendBuilt(q: { parts: Uint8Array[]; chunks: Uint8Array[]; records: number }): Promise<Resend> {
    // The records are the lines of the parts' chunks in the same order (a bulk response's items follow it).
    // The pieces go to the transport unjoined: it gzips them as one body (a copy out of shared memory saved).
    return this.deliver(bodyPieces(this.workerBody!, q.parts), q.records, () => splitLines(q.chunks), false);
  }

  /** Posts a body of `count` records and reads the outcome; `docsOf` gives the records when some must go again. */
  private async deliver(body: Uint8Array | readonly Uint8Array[], count: number, docsOf: () => Uint8Array[], gzipped: boolean): Promise<Resend> {
    let outcome: RequestOutcome;
    try {
      const res = await this.transport.post(this.protocol.path, body, this.protocol.contentType, this.protocol.headers, gzipped);
      outcome = res.status >= 200 && res.status < 300 ? this.protocol.classify(res, count) : classifyStatus(res.status, res.body);
    } catch (err) {
      outcome = { kind: 'retry', reason: (err as Error).message, maybeStored: mayHaveBeenStored(err) };
    }
    switch (outcome.kind) {
      case 'ok':
        return { retry: [], reason: '', maybeStored: 0 };
      case 'retry': {
        const docs = docsOf();
        return { retry: docs, reason: outcome.reason, maybeStored: outcome.maybeStored ? docs.length : 0 };
      }
      case 'rejected':
        return this.split(docsOf(), outcome.reason);
      case 'items': {
        const docs = docsOf();
        for (const d of outcome.dead) await this.deadLettered(docs[d.index], d.reason);
        // The store answered for each item: the ones it asks to resend were not stored.
        return { retry: outcome.retry.map((i) => docs[i]), reason: outcome.retryReason ?? 'store asked to retry some records', maybeStored: 0 };
      }
    }
  }

  /** Halves a refused request until the refused records stand alone; those are dead-lettered. */
  private async split(docs: Uint8Array[], reason: string): Promise<Resend> {
    if (docs.length === 1) {
      await this.deadLettered(docs[0], reason);
      return { retry: [], reason: '', maybeStored: 0 };
    }
    const mid = docs.length >> 1;
    const a = await this.sendGroup(docs.slice(0, mid));
    const b = await this.sendGroup(docs.slice(mid));
    return { retry: [...a.retry, ...b.retry], reason: a.reason || b.reason, maybeStored: a.maybeStored + b.maybeStored };
  }

  private async deadLettered(doc: Uint8Array, reason: string): Promise<void> {
    const now = Date.now();
    const line = this.deadLetter && deadLetterLine(this.id, reason, doc);
    // The file is bounded: past the bound a refused record is dropped, counted (dead_letter_full) and logged.
    const full = line !== undefined && this.deadLetterBytes + line.byteLength > this.cfg.deadLetterMaxBytes;
    if (full) {
      this.deadLetterSkipped++;
      this.ctx.component?.discarded('dead_letter_full').inc();
      if (now - this.lastFullLog > LOG_EVERY_MS) {
        this.lastFullLog = now;
        this.log.error({ sink: this.id, reason, deadLetterPath: this.cfg.deadLetterPath, deadLetterMaxBytes: this.cfg.deadLetterMaxBytes, skipped: this.deadLetterSkipped }, 'store refused a record for good; dropped: the dead-letter file is full (further ones logged at most every 10 s; see zlog_component_discarded_events_total{reason="dead_letter_full"}; move the file away and restart, or raise deadLetterMaxBytes)');
      }
      return;
    }
    this.ctx.component?.discarded('rejected').inc();
    if (now - this.lastDeadLog > LOG_EVERY_MS) {
      this.lastDeadLog = now;
      this.log.error({ sink: this.id, reason, deadLetterPath: this.cfg.deadLetterPath ?? null }, `store refused a record for good; ${line ? 'dead-lettered' : 'dropped (no deadLetterPath)'} (further ones logged at most every 10 s; see zlog_component_discarded_events_total{reason="rejected"})`);
    }
    if (!line) return;
    // Counted before the write: writes in flight at once (Sink.concurrentWrites, and `concurrency` requests per
    // write) each check the bound while others are being appended.
    this.deadLetterBytes += line.byteLength;
    try {
      await this.deadLetter!.write(line);
      await this.deadLetter!.datasync();
    } catch (err) {
      this.deadLetterBytes -= line.byteLength;
      throw err;
    }
  }

  health(): SinkSelfHealth {
    const path = this.cfg.deadLetterPath;
    return {
      retrying: false,
      lastError: null,
      deadLetter: path === undefined ? undefined : { path, bytes: this.deadLetterBytes, maxBytes: this.cfg.deadLetterMaxBytes, skipped: this.deadLetterSkipped },
    };
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.encoder?.close();
    await this.transport.close();
    await this.deadLetter?.close();
    this.deadLetter = undefined;
  }
}

/**
 * One dead-letter line: `{"sink","reason","record"}` with the record as it was when it is one JSON value (what the
 * worker produces), else `"recordText"` (the record as a JSON string) when it is UTF-8, else `"recordBase64"`, so
 * every line is one JSON object whatever the record held (docs/sinks.md, "Dead letters").
 */
export function deadLetterLine(sink: string, reason: string, doc: Uint8Array): Buffer {
  const head = `{"sink":${JSON.stringify(sink)},"reason":${JSON.stringify(reason)},`;
  const bytes = Buffer.from(doc.buffer, doc.byteOffset, doc.byteLength);
  const text = isUtf8(bytes) ? bytes.toString('utf8') : undefined;
  if (text !== undefined && isJson(text)) return Buffer.concat([Buffer.from(`${head}"record":`), bytes, Buffer.from('}\n')]);
  if (text !== undefined) return Buffer.from(`${head}"recordText":${JSON.stringify(text)}}\n`);
  return Buffer.from(`${head}"recordBase64":"${bytes.toString('base64')}"}\n`);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
