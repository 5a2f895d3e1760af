// Builds an HTTP sink's request bodies (and gzips them) on a worker thread of its own, so the main thread only
// copies each request's records into one buffer and hands the finished body to the HTTP client. The loki sink
// uses it: a push body re-escapes every record as a JSON string (10 us of CPU per 1 KiB record here), and built
// on the main thread it was slower again (1 KiB: 2,913 against 3,827 records/s on the thread, one run at load
// 29). The elasticsearch sink does not: a bulk body is one copy of the records, and the thread only added a
// copy and a serial gzip.
import { Worker } from 'node:worker_threads';

/** What the worker runs: `module`'s export `factory(params)` returns the encoder (docs → body). */
export interface EncoderSpec {
  /** URL (file:) of an ES module that exports `factory`. */
  module: string;
  factory: string;
  /** Structured-cloneable settings passed to the factory. */
  params: unknown;
  /** gzip the body (level 1) in the worker. */
  gzip: boolean;
}

/** The records could not be encoded (a line that is not a JSON object): the caller splits and dead-letters. */
export class EncodeRefused extends Error {}

export interface EncodeRequest {
  id: number;
  /** The records, each followed by a newline. */
  records: ArrayBuffer;
}

export type EncodeReply = { id: number; body: ArrayBuffer; length: number } | { id: number; refused: string } | { ready: true };

export class EncodeThread {
  private worker?: Worker;
  private ready?: Promise<void>;
  private readonly waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(private readonly spec: EncoderSpec) {}

  /** Whether the thread has been started (by open() or a first encode()) and not closed or failed since. */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /**
   * The body of these records. Rejects with EncodeRefused when a record cannot be encoded, with another Error
   * when the thread failed (the records are then to be retried, not refused).
   */
  encode(docs: readonly Uint8Array[]): Promise<Uint8Array> {
    let n = 0;
    for (const d of docs) n += d.byteLength + 1;
    const records = new Uint8Array(n);
    let o = 0;
    for (const d of docs) {
      records.set(d, o);
      o += d.byteLength;
      records[o++] = 0x0a;
    }
    const w = this.start();
    const id = this.nextId++;
    // Referenced only while starting or while a body is awaited: an idle thread must not keep a stopping
    // process alive.
    if (this.waiting.size === 0) w.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, records: records.buffer } satisfies EncodeRequest, [records.buffer]);
    });
  }

  /**
   * Starts the thread and resolves once it has loaded its encoder (rejects if it cannot), so a sink pays the
   * start-up (a new V8 isolate: seconds on a loaded machine) in open(), not in its first write.
   */
  async open(): Promise<void> {
    this.start();
    await this.ready;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./encode-worker.js', import.meta.url), { workerData: this.spec });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    // Awaited only by open(): a failure before ready also fails the pending requests below.
    this.ready.catch(() => {});
    w.on('message', (m: EncodeReply) => {
      if ('ready' in m) {
        // Referenced while starting (open() awaits it), then only while a body is awaited.
        if (this.waiting.size === 0) w.unref();
        return readyResolve();
      }
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) w.unref();
      if ('refused' in m) p.reject(new EncodeRefused(m.refused));
      else p.resolve(new Uint8Array(m.body, 0, m.length));
    });
    const fail = (err: Error) => {
      readyReject(new Error(`encoder thread failed: ${err.message}`));
      if (this.worker !== w) return;
      this.worker = undefined;
      const pending = [...this.waiting.values()];
      this.waiting.clear();
      for (const p of pending) p.reject(new Error(`encoder thread failed: ${err.message}`));
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.waiting.values()) p.reject(new Error('encoder thread closed'));
    this.waiting.clear();
    await w?.terminate();
  }
}
