// A bounded on-disk FIFO of NDJSON lines: append-only segment files `<seq>-<createdMs>.seg` plus a cursor file
// naming the first unsent byte. append() returns once the bytes are fdatasync'ed; read() hands out whole lines
// from the cursor; commit() moves the cursor (and deletes fully sent segments). After SIGKILL, open() cuts a torn
// last line (never acknowledged: the fsync had not returned) and resumes at the cursor: what was sent after the
// last cursor write is sent again (at-least-once; such duplicates are bounded by one read).
import { mkdir, open, readdir, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { skipBytes } from '../../util/chunks.js';
import { READ_CAPS, readFileBoundedAsync } from '../../util/read-bounded.js';

interface Segment {
  seq: number;
  createdMs: number;
  size: number;
}

const SEG = /^(\d{16})-(\d+)\.seg$/;

export interface QueueCursor {
  seq: number;
  offset: number;
}

export class DiskQueue {
  private segments: Segment[] = [];
  private writer?: { fh: FileHandle; seg: Segment };
  private cursor: QueueCursor = { seq: 0, offset: 0 };
  private appended: (() => void)[] = [];
  /** Unsent bytes found at open() (the replay to do), and how many of them are sent since. */
  replayTotal = 0;
  replaySent = 0;

  constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((n) => SEG.test(n)).sort();
    try {
      this.cursor = JSON.parse(await readFileBoundedAsync(join(this.dir, 'cursor.json'), READ_CAPS.state)) as QueueCursor;
    } catch {
      this.cursor = { seq: 0, offset: 0 };
    }
    for (const n of names) {
      const m = SEG.exec(n)!;
      const seg = { seq: Number(m[1]), createdMs: Number(m[2]), size: (await stat(join(this.dir, n))).size };
      if (seg.seq < this.cursor.seq) await unlink(join(this.dir, n));
      else this.segments.push(seg);
    }
    const last = this.segments.at(-1);
    if (last) await this.cutTornLine(last);
    if (this.segments.length && this.segments[0].seq !== this.cursor.seq) this.cursor = { seq: this.segments[0].seq, offset: 0 };
    this.replayTotal = this.bytes;
    // A new segment for new writes: the old ones are only read from now on.
    await this.startSegment((last?.seq ?? 0) + 1);
  }

  /** A SIGKILL during append leaves a partial line that was never acknowledged; drop it. */
  private async cutTornLine(seg: Segment): Promise<void> {
    if (seg.size === 0) return;
    const fh = await open(this.path(seg), 'r+');
    try {
      const tail = Math.min(seg.size, 1024 * 1024);
      const buf = Buffer.alloc(tail);
      await fh.read(buf, 0, tail, seg.size - tail);
      const nl = buf.lastIndexOf(0x0a);
      const keep = nl < 0 ? seg.size - tail : seg.size - tail + nl + 1;
      if (keep !== seg.size) {
        await fh.truncate(keep);
        seg.size = keep;
      }
    } finally {
      await fh.close();
    }
  }

  private path(seg: Segment): string {
    return join(this.dir, `${String(seg.seq).padStart(16, '0')}-${seg.createdMs}.seg`);
  }

  private async startSegment(seq: number): Promise<void> {
    const seg = { seq, createdMs: this.now(), size: 0 };
    const fh = await open(this.path(seg), 'a');
    await this.writer?.fh.close();
    this.segments.push(seg);
    this.writer = { fh, seg };
  }

  /** Unsent bytes. */
  get bytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n - (this.segments.length && this.segments[0].seq === this.cursor.seq ? this.cursor.offset : 0);
  }

  /** Creation time (ms) of the oldest segment holding unsent bytes, or undefined when empty. */
  get oldestMs(): number | undefined {
    return this.bytes > 0 ? this.segments[0].createdMs : undefined;
  }

  /** Appends whole lines and syncs them. On failure the segment is cut back, so nothing half-written stays. */
  async append(chunks: readonly Uint8Array[], bytes: number): Promise<void> {
    if (!this.writer) throw new Error('disk queue is not open');
    if (this.writer.seg.size >= this.segmentBytes) await this.startSegment(this.writer.seg.seq + 1);
    const { fh, seg } = this.writer;
    const before = seg.size;
    try {
      let written = 0;
      let pending = chunks.filter((c) => c.byteLength > 0) as Uint8Array[];
      while (written < bytes && pending.length) {
        const { bytesWritten } = await fh.writev(pending);
        written += bytesWritten;
        pending = skipBytes(pending, bytesWritten);
      }
      await fh.datasync();
      seg.size = before + written;
    } catch (err) {
      await fh.truncate(before).catch(() => {});
      throw err;
    }
    const w = this.appended;
    this.appended = [];
    for (const f of w) f();
  }

  /** Resolves at the next append (or at once when unsent bytes exist). */
  whenData(): Promise<void> {
    if (this.bytes > 0) return Promise.resolve();
    return new Promise((resolve) => this.appended.push(resolve));
  }

  /**
   * Up to `max` bytes of whole lines from the cursor (a longer single line whole), with the cursor after them,
   * or undefined when nothing is unsent.
   */
  async read(max: number): Promise<{ data: Uint8Array; next: QueueCursor } | undefined> {
    await this.dropSent();
    const seg = this.segments[0];
    if (!seg) return undefined;
    const offset = seg.seq === this.cursor.seq ? this.cursor.offset : 0;
    const avail = seg.size - offset;
    if (avail <= 0) return undefined;
    const fh = await open(this.path(seg), 'r');
    try {
      let len = Math.min(avail, max);
      for (;;) {
        const buf = Buffer.allocUnsafe(len);
        const { bytesRead } = await fh.read(buf, 0, len, offset);
        const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (nl >= 0) return { data: buf.subarray(0, nl + 1), next: { seq: seg.seq, offset: offset + nl + 1 } };
        if (len >= avail) return undefined; // only a partial line (cannot happen after open's cut)
        len = Math.min(avail, len * 2);
      }
    } finally {
      await fh.close();
    }
  }

  /** Everything before `next` is delivered: persist the cursor (atomically) and delete finished segments. */
  async commit(next: QueueCursor, sentBytes: number): Promise<void> {
    this.cursor = next;
    const tmp = join(this.dir, 'cursor.json.tmp');
    await writeFile(tmp, JSON.stringify(next));
    await rename(tmp, join(this.dir, 'cursor.json'));
    this.replaySent = Math.min(this.replayTotal, this.replaySent + sentBytes);
    await this.dropSent();
  }

  /** Deletes read-only segments whose every byte is sent, moving the cursor to the next one. */
  private async dropSent(): Promise<void> {
    while (this.segments.length > 1) {
      const head = this.segments[0];
      const offset = head.seq === this.cursor.seq ? this.cursor.offset : 0;
      if (offset < head.size) return;
      this.segments.shift();
      this.cursor = { seq: this.segments[0].seq, offset: 0 };
      await unlink(this.path(head)).catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.writer?.fh.close();
    this.writer = undefined;
  }
}

