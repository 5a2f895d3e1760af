// The engine every HTTP sink runs on. A stage write is split into requests (count and byte limits), sent with at
// most `concurrency` in flight; each request's outcome decides per record: stored, resend, or refused for good
// (dead-lettered with a metric, never retried forever). write() resolves only when every record of the write is
// stored or dead-lettered, so a persisted-mode ACK means "in the store". When some records must be resent it
// throws a retryable error and remembers exactly those: the sink stage retries the same write with backoff and
// jitter, and only the remembered records go out again (no duplicates of what the store already took).
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { SinkError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { SinkContext } from '../sink.js';
import type { Sink } from '../sink.js';
import type { SinkSelfHealth } from '../health.js';
import { classifyStatus, planRequests, splitLines, type RequestOutcome } from './batch.js';
import type { HttpSinkSettings } from './schema.js';
import { HttpTransport, type HttpResponse } from './transport.js';
import { EncodeRefused, EncodeThread, type EncoderSpec } from './encode-thread.js';

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
  /** Reads a 2xx response for `count` records. */
  classify(res: HttpResponse, count: number): RequestOutcome;
}

const LOG_EVERY_MS = 10_000;
/**
 * A write is cut into `concurrency` requests only down to this size: smaller requests cost the store more per
 * record than the parallelism gains (one 4 MiB write at 1 KiB went out as a single request, so the store
 * worked on one request at a time: 0.48 of a loader sending 4 at once).
 */
const MIN_SPLIT_BYTES = 256 * 1024;

export class HttpSink implements Sink {
  private readonly transport: HttpTransport;
  private carry?: { key: readonly Uint8Array[]; docs: Uint8Array[] };
  private deadLetter?: FileHandle;
  /** Bytes in the dead-letter file (its size at open plus what was appended), against cfg.deadLetterMaxBytes. */
  private deadLetterBytes = 0;
  /** Rejected records not appended because the dead-letter file was full (logged). */
  private deadLetterSkipped = 0;
  private lastFullLog = 0;
  private lastDeadLog = 0;
  private readonly log: Logger;
  private readonly encoder?: EncodeThread;

  constructor(
    readonly id: string,
    readonly type: string,
    private readonly cfg: HttpSinkSettings,
    private readonly protocol: HttpProtocol,
    private readonly ctx: SinkContext,
  ) {
    this.log = ctx.log;
    if (protocol.offThread) this.encoder = new EncodeThread({ ...protocol.offThread, gzip: cfg.compression === 'gzip' });
    const http = ctx.metrics?.httpClient(id);
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
      await this.encoder?.open();
      if (this.cfg.deadLetterPath) {
        await mkdir(dirname(this.cfg.deadLetterPath), { recursive: true });
        this.deadLetter = await open(this.cfg.deadLetterPath, 'a');
        this.deadLetterBytes = (await this.deadLetter.stat()).size;
      }
    } catch (err) {
      throw new SinkError(this.id, (err as Error).message, false, { cause: err });
    }
  }

  async write(chunks: readonly Uint8Array[]): Promise<void> {
    const docs = this.carry && this.carry.key === chunks ? this.carry.docs : splitLines(chunks);
    this.carry = undefined;
    const failed: Uint8Array[] = [];
    let reason = '';
    const groups = planRequests(docs, this.cfg.batch.maxEvents, this.cfg.batch.maxBytes, this.protocol.overheadPerRecord, { parallel: this.cfg.concurrency, minBytes: MIN_SPLIT_BYTES });
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const g = groups[next++];
        const r = await this.sendGroup(g);
        if (r.retry.length) {
          for (const d of r.retry) failed.push(d);
          reason = r.reason;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.cfg.concurrency, groups.length) }, worker));
    if (failed.length) {
      this.carry = { key: chunks, docs: failed };
      throw new SinkError(this.id, `${failed.length} of ${docs.length} records not stored yet: ${reason}`, true);
    }
  }

  /** Sends one request; splits it when the store refuses its content. Returns the records to resend. */
  private async sendGroup(docs: Uint8Array[]): Promise<{ retry: Uint8Array[]; reason: string }> {
    let body: Uint8Array;
    try {
      body = this.encoder ? await this.encoder.encode(docs) : this.protocol.encode(docs);
    } catch (err) {
      // A failed encoder thread refused nothing: the records are resent (a new thread starts).
      if (this.encoder && !(err instanceof EncodeRefused)) return { retry: docs, reason: (err as Error).message };
      return this.split(docs, `cannot encode: ${(err as Error).message}`);
    }
    let outcome: RequestOutcome;
    try {
      const res = await this.transport.post(this.protocol.path, body, this.protocol.contentType, this.protocol.headers, this.encoder !== undefined && this.cfg.compression === 'gzip');
      outcome = res.status >= 200 && res.status < 300 ? this.protocol.classify(res, docs.length) : classifyStatus(res.status, res.body);
    } catch (err) {
      outcome = { kind: 'retry', reason: (err as Error).message };
    }
    switch (outcome.kind) {
      case 'ok':
        return { retry: [], reason: '' };
      case 'retry':
        return { retry: docs, reason: outcome.reason };
      case 'rejected':
        return this.split(docs, outcome.reason);
      case 'items': {
        for (const d of outcome.dead) await this.deadLettered(docs[d.index], d.reason);
        return { retry: outcome.retry.map((i) => docs[i]), reason: outcome.retryReason ?? 'store asked to retry some records' };
      }
    }
  }

  /** Halves a refused request until the refused records stand alone; those are dead-lettered. */
  private async split(docs: Uint8Array[], reason: string): Promise<{ retry: Uint8Array[]; reason: string }> {
    if (docs.length === 1) {
      await this.deadLettered(docs[0], reason);
      return { retry: [], reason: '' };
    }
    const mid = docs.length >> 1;
    const a = await this.sendGroup(docs.slice(0, mid));
    const b = await this.sendGroup(docs.slice(mid));
    return { retry: [...a.retry, ...b.retry], reason: a.reason || b.reason };
  }

  private async deadLettered(doc: Uint8Array, reason: string): Promise<void> {
    this.ctx.component?.discarded('rejected').inc();
    const now = Date.now();
    if (now - this.lastDeadLog > LOG_EVERY_MS) {
      this.lastDeadLog = now;
      this.log.error({ sink: this.id, reason, deadLetterPath: this.cfg.deadLetterPath ?? null }, 'store refused a record for good; dead-lettered (further ones logged at most every 10 s; see zlog_component_discarded_events_total{reason="rejected"})');
    }
    if (!this.deadLetter) return;
    const line = Buffer.concat([Buffer.from(`{"sink":${JSON.stringify(this.id)},"reason":${JSON.stringify(reason)},"record":`), doc, Buffer.from('}\n')]);
    // The file is bounded: past the bound a rejected record is only counted (rejected) and logged.
    if (this.deadLetterBytes + line.byteLength > this.cfg.deadLetterMaxBytes) {
      this.deadLetterSkipped++;
      if (now - this.lastFullLog > LOG_EVERY_MS) {
        this.lastFullLog = now;
        this.log.error({ sink: this.id, deadLetterPath: this.cfg.deadLetterPath, deadLetterMaxBytes: this.cfg.deadLetterMaxBytes, skipped: this.deadLetterSkipped }, 'dead-letter file full: rejected records are counted and logged but no longer appended (move the file away and restart, or raise deadLetterMaxBytes)');
      }
      return;
    }
    await this.deadLetter.write(line);
    await this.deadLetter.datasync();
    this.deadLetterBytes += line.byteLength;
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
