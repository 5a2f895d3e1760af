// NDJSON files with rotation by size and age, gzip of rotated files, retention by count and age, and an fsync
// policy. A failed write is cut back to the last complete line (ftruncate) so a retry never leaves a torn or
// duplicated record behind.
//
// Crash safety of rotated files: gzip goes to `NAME.gz.tmp`, is fsynced and renamed to `NAME.gz`, and only then
// is `NAME` deleted, with the directory fsynced after each rename/unlink; so at any moment a rotated file has at
// least one complete copy. At start, leftover `.gz.tmp` files are deleted and rotated files that were never
// compressed are compressed. Retention treats `NAME` and `NAME.gz` as one file.
//
// External rotation (logrotate): SIGHUP (Collector.reopenOutputs -> reopen()) and a watch that notices the current
// file was moved or deleted both make the next write go to a fresh file at the configured path.
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { SinkError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { RetentionDeletion, Sink } from '../sink.js';
import type { FileSinkConfig } from './schema.js';
import { skipBytes } from '../../util/chunks.js';
import { latencyTrace, now } from '../../observability/latency-trace.js';

/** Suffix of a gzip being written; a crash leaves it behind and the next start deletes it. */
const TMP_SUFFIX = '.tmp';
/**
 * Opening the directory and the file may never settle (mkdir under /proc, a FIFO as the file: FACTS.md); start-up
 * and writes must not hang on it.
 */
export const OPEN_TIMEOUT_MS = 10_000;
/** How often the current file's identity is compared with the path (moved or deleted by hand or logrotate). */
const WATCH_MS = 1000;

export class FileSink implements Sink {
  readonly type = 'file';
  readonly id: string;
  private fh?: FileHandle;
  /** Inode of the open file, to notice it was moved away or deleted. */
  private ino = 0;
  private syncable = true;
  private size = 0;
  private openedAt = 0;
  private dirty = false;
  private syncTimer?: NodeJS.Timeout;
  private watchTimer?: NodeJS.Timeout;
  private background = new Set<Promise<void>>();
  private retention: Promise<void> = Promise.resolve();
  /** Rotated files whose gzip is in progress: retention leaves them to the pass that follows their gzip. */
  private readonly compressing = new Set<string>();
  private rotations = 0;
  private reopenWanted = false;
  /** Writes, rotations, reopens and syncs of the current file run one at a time. */
  private lock: Promise<unknown> = Promise.resolve();
  private started = false;
  private readonly base: string;
  private readonly ext: string;

  constructor(
    private readonly cfg: FileSinkConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly onRetention: (d: RetentionDeletion) => void = () => {},
  ) {
    this.id = cfg.id;
    const dot = cfg.filename.lastIndexOf('.');
    this.base = dot > 0 ? cfg.filename.slice(0, dot) : cfg.filename;
    this.ext = dot > 0 ? cfg.filename.slice(dot) : '';
  }

  get currentPath(): string {
    return join(this.cfg.path, this.cfg.filename);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  async open(): Promise<void> {
    await this.exclusive(() => this.openFile());
    if (this.started) return;
    this.started = true;
    if (this.cfg.fsync === 'interval') {
      this.syncTimer = setInterval(() => void this.exclusive(() => this.syncIfDirty()).catch((e) => this.log.warn({ err: e, sink: this.id }, 'interval fsync failed')), this.cfg.fsyncIntervalMs);
      this.syncTimer.unref();
    }
    this.watchTimer = setInterval(() => void this.exclusive(() => this.checkMoved()).catch(() => {}), WATCH_MS);
    this.watchTimer.unref();
    // Finish what a crash interrupted: partial gzips go, rotated files that were never compressed are compressed.
    this.inBackground(this.recover(), 'recovering rotated files');
  }

  private async openFile(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`did not complete within ${OPEN_TIMEOUT_MS} ms (a FIFO, or a path that never answers?)`), { code: 'ETIMEDOUT' })), OPEN_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.openNow(), timeout]);
    } catch (err) {
      this.fh = undefined;
      throw this.wrap('open', err);
    } finally {
      clearTimeout(timer);
    }
  }

  private async openNow(): Promise<void> {
    await mkdir(this.cfg.path, { recursive: true });
    // open(2) of a FIFO blocks until a reader appears, and a thread blocked there keeps even process.exit()
    // from finishing: probe without blocking first, and fail at once while nobody reads.
    // The probe stays open until the real descriptor is: closing the only writer would end the reader (EOF).
    let probe: FileHandle | undefined;
    if ((await stat(this.currentPath).catch(() => undefined))?.isFIFO()) {
      probe = await open(this.currentPath, constants.O_WRONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENXIO') throw Object.assign(new Error('is a FIFO (named pipe) that no process reads'), { code: 'ENXIO' });
        throw err;
      });
    }
    let fh: FileHandle;
    try {
      // `fsync: batch` opens the file O_DSYNC: each writev returns once its data is on disk, as writev +
      // fdatasync would, in one system call and one trip through libuv's thread pool instead of two (each trip
      // is a wait for a pool thread and then for the main thread, on the persisted ACK's path).
      const dsync = this.cfg.fsync === 'batch' ? constants.O_DSYNC : 0;
      fh = await open(this.currentPath, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | dsync, 0o666);
    } finally {
      await probe?.close();
    }
    const st = await fh.stat();
    // fsync(2) applies to files only (EINVAL on a FIFO or a character device): what went into a pipe is the
    // reader's. (A directory as the output fails open(2) with EISDIR, refused as permanent by wrap().)
    this.syncable = st.isFile();
    this.fh = fh;
    this.ino = st.ino;
    this.size = st.size;
    this.openedAt = st.size > 0 ? Math.min(st.birthtimeMs || st.mtimeMs, this.now()) : this.now();
    this.reopenWanted = false;
    // A new file's directory entry must survive a crash as well as its data.
    if (st.size === 0) await syncDir(this.cfg.path);
  }

  /** Asks for the current file to be closed and opened again by path (SIGHUP, after logrotate moved it). */
  reopen(): void {
    this.reopenWanted = true;
    void this.exclusive(() => this.reopenIfWanted()).catch((err) => this.log.warn({ err, sink: this.id }, 'reopen failed; retried on the next write'));
  }

  private async reopenIfWanted(): Promise<void> {
    if (!this.reopenWanted || !this.fh) return;
    const old = this.fh;
    this.fh = undefined;
    // What was written to the old file was acknowledged under this sink's fsync policy: keep that promise.
    if (this.cfg.fsync !== 'never' && this.syncable) await old.datasync().catch(() => {});
    await old.close().catch(() => {});
    this.dirty = false;
    await this.openFile();
    this.log.info({ sink: this.id, file: this.currentPath }, 'output file reopened');
  }

  private async checkMoved(): Promise<void> {
    if (!this.fh || this.reopenWanted) return;
    const st = await stat(this.currentPath).catch(() => undefined);
    if (st && st.ino === this.ino) return;
    this.log.warn({ sink: this.id, file: this.currentPath }, st ? 'output file was replaced; reopening' : 'output file was moved or deleted; reopening');
    this.reopenWanted = true;
    await this.reopenIfWanted();
  }

  write(chunks: readonly Uint8Array[], bytes: number): Promise<void> {
    return this.exclusive(() => this.writeNow(chunks, bytes));
  }

  private async writeNow(chunks: readonly Uint8Array[], bytes: number): Promise<void> {
    if (this.reopenWanted) await this.reopenIfWanted();
    if (!this.fh) await this.openFile();
    if (this.shouldRotate()) await this.rotate();
    const fh = this.fh!;
    const before = this.size;
    const t0 = latencyTrace ? now() : 0;
    try {
      let written = 0;
      let pending = chunks.filter((c) => c.byteLength > 0);
      while (written < bytes && pending.length) {
        const { bytesWritten } = await fh.writev(pending as Uint8Array[]);
        written += bytesWritten;
        pending = skipBytes(pending, bytesWritten);
      }
      this.size = before + written;
      // `fsync: batch`: the file is O_DSYNC (openNow), so the data is on disk now. A FIFO or a device has no
      // sync (syncable false: what went into a pipe is the reader's).
      if (this.cfg.fsync !== 'batch') this.dirty = true;
      if (latencyTrace) latencyTrace.fileWrite(t0, now() - t0, this.cfg.fsync === 'batch' && this.syncable, written);
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
  private async rotate(): Promise<void> {
    if (!this.fh) return;
    if (this.cfg.fsync !== 'never' && this.syncable) await this.fh.datasync();
    await this.fh.close();
    this.fh = undefined;
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '');
    const rotated = join(this.cfg.path, `${this.base}-${stamp}-${++this.rotations}${this.ext}`);
    await rename(this.currentPath, rotated);
    await syncDir(this.cfg.path);
    await this.openFile();
    this.inBackground((this.cfg.compress ? this.compress(rotated) : Promise.resolve()).then(() => this.applyRetention()), `post-rotation work on ${rotated}`);
  }

  private inBackground(job: Promise<void>, what: string): void {
    const p = job.catch((err) => this.log.warn({ err, sink: this.id }, `${what} failed`));
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** gzip to a temporary name, fsync, rename, fsync the directory; only then delete the original. */
  private async compress(file: string): Promise<void> {
    const gz = `${file}.gz`;
    const tmp = gz + TMP_SUFFIX;
    this.compressing.add(file);
    try {
      await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp));
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, gz);
      await syncDir(this.cfg.path);
      await unlink(file);
      await syncDir(this.cfg.path);
    } finally {
      this.compressing.delete(file);
    }
  }

  /** Deletes partial gzips and compresses rotated files a crash left uncompressed (their `.gz`, if any, is partial). */
  private async recover(): Promise<void> {
    const names = await readdir(this.cfg.path);
    const mine = names.filter((n) => this.isRotated(n));
    for (const n of mine.filter((x) => x.endsWith(TMP_SUFFIX))) {
      await unlink(join(this.cfg.path, n)).catch(() => {});
      this.log.warn({ sink: this.id, file: n }, 'deleted a partial gzip left by a crash');
    }
    if (this.cfg.compress) {
      for (const n of mine.filter((x) => !x.endsWith('.gz') && !x.endsWith(TMP_SUFFIX))) {
        // The uncompressed file is complete (it is deleted only after its gzip is renamed into place), so a
        // `.gz` next to it may be the torn output of an older version: replace it.
        await unlink(join(this.cfg.path, `${n}.gz`)).catch(() => {});
        await this.compress(join(this.cfg.path, n));
        this.log.info({ sink: this.id, file: n }, 'compressed a rotated file left uncompressed by a crash');
      }
    }
    await this.applyRetention();
  }

  private isRotated(name: string): boolean {
    return name.startsWith(`${this.base}-`) && name !== this.cfg.filename && /-\d{8}T\d{6}\.\d{3}Z-\d+/.test(name);
  }

  /** Rotated files of this sink, oldest first (names sort by time); `NAME` and `NAME.gz` count as one. */
  async rotatedFiles(): Promise<string[]> {
    const names = await readdir(this.cfg.path);
    const groups = new Set(names.filter((n) => this.isRotated(n) && !n.endsWith(TMP_SUFFIX)).map((n) => n.replace(/\.gz$/, '')));
    return [...groups].sort();
  }

  /**
   * One retention pass at a time: post-rotation jobs run in the background, and two at once both picked the
   * oldest file (one then counted a file the other had deleted).
   */
  private applyRetention(): Promise<void> {
    const run = this.retention.then(() => this.retentionPass());
    this.retention = run.catch(() => {});
    return run;
  }

  private async retentionPass(): Promise<void> {
    const groups = await this.rotatedFiles();
    const { maxFiles, maxAgeSeconds } = this.cfg.retention;
    const doomed = new Set(groups.slice(0, Math.max(0, groups.length - maxFiles)));
    if (maxAgeSeconds > 0) {
      for (const g of groups) {
        const st = (await stat(join(this.cfg.path, g)).catch(() => undefined)) ?? (await stat(join(this.cfg.path, `${g}.gz`)).catch(() => undefined));
        if (st && this.now() - st.mtimeMs > maxAgeSeconds * 1000) doomed.add(g);
      }
    }
    // A file mid-gzip changes spelling under the count (plain read, then unlinked): counted 0 records while its
    // gzip was deleted (a fresh-clone unit run under load). Its own post-rotation pass deletes it once settled.
    for (const g of doomed) if (!this.compressing.has(join(this.cfg.path, g))) await this.deleteRotated(g);
  }

  /** Deletes one rotated file (both spellings), counting its records first: retention drops acknowledged data. */
  private async deleteRotated(group: string): Promise<void> {
    const plain = join(this.cfg.path, group);
    const gz = `${plain}.gz`;
    const readable = (await stat(plain).catch(() => undefined)) ? plain : gz;
    const { lines: records, bytes } = await countLines(readable, readable === gz).catch(() => ({ lines: 0, bytes: 0 }));
    let deleted = false;
    for (const f of [gz, plain]) {
      try {
        await unlink(f);
        deleted = true;
      } catch {
        // the other spelling
      }
    }
    if (!deleted) return;
    await syncDir(this.cfg.path).catch(() => {});
    const d = { file: readable, records, bytes };
    this.log.info({ sink: this.id, ...d, reason: 'retention' }, 'retention deleted a rotated file');
    this.onRetention(d);
  }

  private async syncIfDirty(): Promise<void> {
    if (!this.dirty || !this.fh) return;
    this.dirty = false;
    // `never` means never, a drain included; and a FIFO cannot be synced (EINVAL).
    if (this.cfg.fsync === 'never' || !this.syncable) return;
    await this.fh.datasync();
  }

  async flush(): Promise<void> {
    try {
      await this.exclusive(async () => {
        if (this.fh) {
          this.dirty = true;
          await this.syncIfDirty();
        }
      });
    } catch (err) {
      throw this.wrap('fsync', err);
    }
  }

  async close(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    await this.flush().catch(() => {});
    await this.exclusive(async () => {
      await this.fh?.close().catch(() => {});
      this.fh = undefined;
    });
    await Promise.allSettled([...this.background]);
  }

  private wrap(op: string, err: unknown): SinkError {
    if (err instanceof SinkError) return err;
    const e = err as NodeJS.ErrnoException;
    // EROFS/EACCES will not heal by themselves; ENOSPC, EIO and friends may (space freed, volume remounted).
    const permanent = e.code === 'EROFS' || e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EISDIR';
    return new SinkError(this.id, `${op} ${this.currentPath}: ${e.code ?? ''} ${e.message}`.trim(), !permanent, { cause: err });
  }
}

/** fsync of a directory: makes a file's creation, rename or deletion in it durable (POSIX leaves that to the caller). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Newline count (= NDJSON records) and bytes of a file, gunzipped when `gz`. Rejects when the file cannot be read
 * (ENOENT when another job deleted it first, or a torn gzip): pipeline() hands the read stream's errors to the
 * caller, where `.pipe()` left them as an unhandled 'error' event that ended the process.
 */
export async function countLines(file: string, gz: boolean): Promise<{ lines: number; bytes: number }> {
  let lines = 0;
  let bytes = 0;
  const count = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    }
  };
  if (gz) await pipeline(createReadStream(file), createGunzip(), count);
  else await pipeline(createReadStream(file), count);
  return { lines, bytes };
}

