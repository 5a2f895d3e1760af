// A sink behind a disk buffer. write() returns once the records are fsynced in the buffer (so a persisted-mode
// ACK means "on this pod's disk"), or waits while the buffer is full (the pipeline queue then fills and native
// clients get busy NACKs). A forwarder sends the buffer to the inner sink in order, retrying with backoff and
// jitter, and moves the buffer's cursor only after the inner sink took a read; on start it replays what a
// previous run left unsent.
import { join } from 'node:path';
import { backoffDelay } from '../../util/backoff.js';
import { errorCategory, SinkError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { SinkBufferMetrics } from '../../observability/metrics.js';
import { sleep } from '../../util/sleep.js';
import type { Sink, SinkContext } from '../sink.js';
import { DiskQueue } from './disk-queue.js';
import { errorNote, type ErrorNote, type SinkSelfHealth } from '../health.js';
import type { SinkBufferConfig } from './schema.js';

export interface BufferedSinkOptions {
  retryInitialMs: number;
  retryMaxMs: number;
}

export class BufferedSink implements Sink {
  readonly id: string;
  readonly type: string;
  private readonly queue: DiskQueue;
  private readonly abort = new AbortController();
  private forwarding?: Promise<void>;
  private spaceWaiters: (() => void)[] = [];
  private readonly log: Logger;
  /** The inner sink's last error (kept after recovery, for health). */
  private lastError: ErrorNote | null = null;
  /** True while sending the buffer to the inner sink fails. */
  private retrying = false;
  /**
   * Set at start when a previous run left records: the first read holds what that run's last request may have
   * carried before it was killed or stopped (it moved the cursor only after the store took a read), so its
   * records count in zlog_sink_resent_events_total as possible duplicates.
   */
  private replayMaySend = false;

  constructor(
    private readonly inner: Sink,
    private readonly cfg: SinkBufferConfig,
    private readonly ctx: SinkContext,
    private readonly opts: BufferedSinkOptions,
    private readonly metrics?: SinkBufferMetrics,
  ) {
    this.id = inner.id;
    this.type = inner.type;
    this.log = ctx.log;
    this.queue = new DiskQueue(join(cfg.path, inner.id), cfg.segmentBytes);
  }

  async open(): Promise<void> {
    try {
      await this.queue.open();
    } catch (err) {
      throw new SinkError(this.id, `disk buffer ${this.queue.dir}: ${(err as Error).message}`, false, { cause: err });
    }
    await this.inner.open();
    if (this.metrics) {
      const q = this.queue;
      this.metrics.observe(() => ({ bytes: q.bytes, oldestMs: q.oldestMs, replayTotal: q.replayTotal, replaySent: q.replaySent, maxBytes: this.cfg.maxBytes }));
    }
    this.replayMaySend = this.queue.replayTotal > 0;
    if (this.queue.replayTotal > 0) this.log.info({ sink: this.id, bytes: this.queue.replayTotal, dir: this.queue.dir }, 'disk buffer holds records from a previous run; replaying them');
    this.forwarding = this.forward();
  }

  async write(chunks: readonly Uint8Array[], bytes: number): Promise<void> {
    while (this.queue.bytes > 0 && this.queue.bytes + bytes > this.cfg.maxBytes) {
      if (this.abort.signal.aborted) throw new SinkError(this.id, 'closed while the disk buffer was full', true);
      this.metrics?.fullWaits.inc();
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    try {
      await this.queue.append(chunks, bytes);
    } catch (err) {
      throw new SinkError(this.id, `disk buffer append: ${(err as Error).message}`, true, { cause: err });
    }
  }

  private async forward(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    while (!signal.aborted) {
      const r = await this.queue.read(this.cfg.readBytes).catch((err: Error) => {
        this.log.error({ sink: this.id, err: err.message }, 'disk buffer read failed');
        return null;
      });
      if (r === undefined) {
        await Promise.race([this.queue.whenData(), new Promise((res) => signal.addEventListener('abort', res, { once: true }))]);
        continue;
      }
      if (r === null) {
        await sleep(1000, signal).catch(() => {});
        continue;
      }
      const chunks = [r.data];
      if (this.replayMaySend) {
        this.replayMaySend = false;
        this.ctx.metrics?.sinkResent.labels(this.id).inc(countLines(r.data));
      }
      for (;;) {
        try {
          await this.inner.write(chunks, r.data.byteLength);
          if (this.retrying) this.log.info({ sink: this.id }, 'sink recovered');
          this.retrying = false;
          attempt = 0;
          break;
        } catch (err) {
          this.ctx.component?.error(errorCategory(err), 'write').inc();
          if (attempt % 20 === 0) this.log.error({ sink: this.id, err: (err as Error).message, attempt, buffered: this.queue.bytes }, 'sink write from disk buffer failed; retrying');
          this.lastError = errorNote((err as Error).message);
          this.retrying = true;
          this.metrics?.retries.inc();
          attempt++;
          try {
            await sleep(backoffDelay(attempt, { initialDelayMs: this.opts.retryInitialMs, maxDelayMs: this.opts.retryMaxMs }), signal);
          } catch {
            return;
          }
        }
      }
      await this.queue.commit(r.next, r.data.byteLength);
      this.metrics?.sentBytes.inc(r.data.byteLength);
      const w = this.spaceWaiters;
      this.spaceWaiters = [];
      for (const f of w) f();
    }
  }

  /** Unsent bytes in the buffer. */
  get bufferedBytes(): number {
    return this.queue.bytes;
  }

  health(): SinkSelfHealth {
    const q = this.queue;
    const oldest = q.oldestMs;
    return {
      retrying: this.retrying,
      lastError: this.lastError,
      buffer: {
        bytes: q.bytes,
        maxBytes: this.cfg.maxBytes,
        oldestAgeSeconds: oldest === undefined ? 0 : Math.max(0, Math.round((Date.now() - oldest) / 100) / 10),
        replayRemainingBytes: q.replayTotal - q.replaySent,
        full: this.spaceWaiters.length > 0,
      },
      deadLetter: this.inner.health?.().deadLetter,
    };
  }

  /** The buffer is this sink's durability: nothing to flush beyond it (records stay for the next start). */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.abort.abort();
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const f of w) f();
    // An in-flight request ends when the inner sink closes; what it carried stays in the buffer for next time.
    await Promise.race([this.forwarding, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.queue.close();
    await this.inner.close();
  }
}

/** NDJSON lines in `data` (each ends with a newline; a last one without counts too). */
function countLines(data: Uint8Array): number {
  let n = 0;
  let at = -1;
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  while ((at = b.indexOf(0x0a, at + 1)) !== -1) n++;
  return b.length > 0 && b[b.length - 1] !== 0x0a ? n + 1 : n;
}
