// NDJSON files with rotation by size and age, gzip of rotated files, retention by count and age, and an fsync
// policy. A failed write is cut back to the last complete line (ftruncate) so a retry never leaves a torn or
// duplicated record behind.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { SinkError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Sink } from '../sink.js';
import type { FileSinkConfig } from './schema.js';

export class FileSink implements Sink {
  readonly type = 'file';
  readonly id: string;
  private fh?: FileHandle;
  private size = 0;
  private openedAt = 0;
  private dirty = false;
  private syncTimer?: NodeJS.Timeout;
  private background = new Set<Promise<void>>();
  private rotations = 0;
  private readonly base: string;
  private readonly ext: string;

  constructor(
    private readonly cfg: FileSinkConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.id = cfg.id;
    const dot = cfg.filename.lastIndexOf('.');
    this.base = dot > 0 ? cfg.filename.slice(0, dot) : cfg.filename;
    this.ext = dot > 0 ? cfg.filename.slice(dot) : '';
  }

  get currentPath(): string {
    return join(this.cfg.path, this.cfg.filename);
  }

  async open(): Promise<void> {
    try {
      await mkdir(this.cfg.path, { recursive: true });
      this.fh = await open(this.currentPath, 'a');
      const st = await this.fh.stat();
      this.size = st.size;
      this.openedAt = st.size > 0 ? Math.min(st.birthtimeMs || st.mtimeMs, this.now()) : this.now();
    } catch (err) {
      this.fh = undefined;
      throw this.wrap('open', err);
    }
    if (this.cfg.fsync === 'interval') {
      this.syncTimer = setInterval(() => void this.syncIfDirty().catch((e) => this.log.warn({ err: e, sink: this.id }, 'interval fsync failed')), this.cfg.fsyncIntervalMs);
      this.syncTimer.unref();
    }
  }

  async write(chunks: readonly Uint8Array[], bytes: number): Promise<void> {
    if (!this.fh) await this.open();
    if (this.shouldRotate()) await this.rotate();
    const fh = this.fh!;
    const before = this.size;
    try {
      let written = 0;
      let pending = chunks.filter((c) => c.byteLength > 0);
      while (written < bytes && pending.length) {
        const { bytesWritten } = await fh.writev(pending as Uint8Array[]);
        written += bytesWritten;
        pending = skip(pending, bytesWritten);
      }
      this.size = before + written;
      if (this.cfg.fsync === 'batch') await fh.datasync();
      else this.dirty = true;
    } catch (err) {
      // Cut back to the last whole line so the retry does not duplicate or tear records.
      try {
        await fh.truncate(before);
        this.size = before;
      } catch {
        // The handle itself is broken: reopen on the next attempt.
        await fh.close().catch(() => {});
        this.fh = undefined;
      }
      throw this.wrap('write', err);
    }
  }

  private shouldRotate(): boolean {
    if (this.size === 0) return false;
    if (this.size >= this.cfg.rotation.maxBytes) return true;
    const age = this.cfg.rotation.maxAgeSeconds;
    return age > 0 && this.now() - this.openedAt >= age * 1000;
  }

  /** Closes the current file under a timestamped name and starts a new one; compression runs in background. */
  async rotate(): Promise<void> {
    if (!this.fh) return;
    await this.fh.datasync();
    await this.fh.close();
    this.fh = undefined;
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '');
    const rotated = join(this.cfg.path, `${this.base}-${stamp}-${++this.rotations}${this.ext}`);
    await rename(this.currentPath, rotated);
    await this.open();
    const job = (this.cfg.compress ? this.compress(rotated) : Promise.resolve())
      .then(() => this.applyRetention())
      .catch((err) => this.log.warn({ err, sink: this.id, file: rotated }, 'post-rotation work failed'));
    this.background.add(job);
    void job.finally(() => this.background.delete(job));
  }

  private async compress(file: string): Promise<void> {
    const gz = `${file}.gz`;
    await pipeline(createReadStream(file), createGzip(), createWriteStream(gz, { flush: true }));
    await unlink(file);
  }

  /** Rotated files of this sink, oldest first (names sort by time). */
  async rotatedFiles(): Promise<string[]> {
    const names = await readdir(this.cfg.path);
    const prefix = `${this.base}-`;
    return names.filter((n) => n.startsWith(prefix) && n !== this.cfg.filename && /-\d{8}T\d{6}\.\d{3}Z-\d+/.test(n)).sort();
  }

  private async applyRetention(): Promise<void> {
    const files = await this.rotatedFiles();
    const { maxFiles, maxAgeSeconds } = this.cfg.retention;
    const doomed = new Set(files.slice(0, Math.max(0, files.length - maxFiles)));
    if (maxAgeSeconds > 0) {
      for (const f of files) {
        const st = await stat(join(this.cfg.path, f)).catch(() => undefined);
        if (st && this.now() - st.mtimeMs > maxAgeSeconds * 1000) doomed.add(f);
      }
    }
    for (const f of doomed) await unlink(join(this.cfg.path, f)).catch(() => {});
  }

  private async syncIfDirty(): Promise<void> {
    if (!this.dirty || !this.fh) return;
    this.dirty = false;
    await this.fh.datasync();
  }

  async flush(): Promise<void> {
    try {
      if (this.fh) {
        this.dirty = true;
        await this.syncIfDirty();
      }
    } catch (err) {
      throw this.wrap('fsync', err);
    }
  }

  async close(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    await this.flush().catch(() => {});
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
    await Promise.allSettled([...this.background]);
  }

  private wrap(op: string, err: unknown): SinkError {
    const e = err as NodeJS.ErrnoException;
    // EROFS/EACCES will not heal by themselves; ENOSPC, EIO and friends may (space freed, volume remounted).
    const permanent = e.code === 'EROFS' || e.code === 'EACCES' || e.code === 'EPERM';
    return new SinkError(this.id, `${op} ${this.currentPath}: ${e.code ?? ''} ${e.message}`.trim(), !permanent, { cause: err });
  }
}

function skip(chunks: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    if (n >= c.byteLength) {
      n -= c.byteLength;
      continue;
    }
    out.push(n > 0 ? c.subarray(n) : c);
    n = 0;
  }
  return out;
}
