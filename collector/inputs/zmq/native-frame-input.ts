// zmq-pull and zmq-sub on the native receive path (native-receive.ts): the addon's thread drains the libzmq
// socket into pooled chunk buffers lent from here, and each filled buffer goes to the pipeline as one chunk.
// The main thread does per-chunk work only (admission, metrics, one submit), so single-record PUSH/PUB input
// is no longer capped by one zeromq.js receive() per frame.
//
// Back-pressure is the same as FrameInput's: when admission is full the thread is paused, the socket's queue
// fills, and PUSH senders block at their high-water mark (PUB senders drop). The same happens when the workers
// fall behind: the pipeline lends a buffer only when fewer chunks wait for a worker than are in flight
// (Pipeline.requestChunkBuffer), so the backlog stays in the socket and the senders, not in memory. At most LENT
// buffers of fillBytes each are in flight beyond the admission limit.
import { PolledConnectionWatch, type ConnectionCounts, type ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';
import type { DrainUnread, Input, InputContext } from '../input.js';
import type { ZmqPullConfig } from '../zmq-pull/schema.js';
import type { ZmqSubConfig } from '../zmq-sub/schema.js';
import { NativeAuth } from './native-auth.js';
import { connectionCountsOf, lendable, unlent, type LendableBuffer, type NativeReceiveAddon, type NativeReceiver } from './native-receive.js';
import { nativeSocketOptions, stillSending } from './socket.js';
import { connectEndpoints } from './schema.js';

/** Buffers lent to the receive thread at a time: one being filled, one handed over, one spare. */
const LENT = 3;
/**
 * An input that delivered nothing for this long (checked every this often, so after 1-2 times it) gives back
 * every lent buffer but one (NativeReceiver.reclaim): an idle input should not hold pool slots (memory) that
 * busy inputs wait for. The one kept takes the next message at once; the first delivery after it lends the rest
 * again.
 */
export const IDLE_RECLAIM_MS = 5000;

export class NativeFrameInput implements Input {
  readonly id: string;
  readonly type: string;
  readonly endpoints: string[] = [];
  readonly receiver = 'native';
  private readonly native: NativeReceiver;
  private oversizeSeen = 0;
  private paused = false;
  private closed = false;
  private drained?: () => void;
  private readonly auth?: NativeAuth;
  /** Deliveries so far, and at the last idle check. */
  private deliveries = 0;
  private deliveriesChecked = 0;
  /** Buffers given back while idle (reclaim) that the next delivery lends again. */
  private reclaimed = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(
    private readonly cfg: ZmqPullConfig | ZmqSubConfig,
    private readonly ctx: InputContext,
    addon: NativeReceiveAddon,
    private readonly idleReclaimMs = IDLE_RECLAIM_MS,
  ) {
    this.id = cfg.id;
    this.type = cfg.type;
    this.native = new addon.Receiver(
      {
        type: cfg.type === 'zmq-sub' ? 'sub' : 'pull',
        subscribe: cfg.type === 'zmq-sub' ? cfg.topics : undefined,
        ...nativeSocketOptions(ctx, cfg),
        maxMessageRecords: ctx.limits.maxBatchRecords,
        framing: cfg.framing,
      },
      (buffer, length, messages, records, bytes, drained, spent) => this.onChunk(buffer, length, messages, records, bytes, drained, spent),
    );
    if (ctx.curve) this.auth = new NativeAuth(this.native, ctx.curve);
  }

  async start(): Promise<void> {
    this.auth?.start();
    for (const ep of this.cfg.bind) this.endpoints.push(this.native.bind(ep));
    for (const ep of connectEndpoints(this.cfg)) {
      this.native.connect(ep);
      this.endpoints.push(ep);
    }
    for (let i = 0; i < LENT; i++) this.lend();
    this.native.start();
    this.idleTimer = setInterval(() => this.reclaimIfIdle(), this.idleReclaimMs);
    this.idleTimer.unref();
  }

  /** Gives the pool back all lent buffers but one when nothing was delivered since the last check. */
  private reclaimIfIdle(): void {
    const idle = this.deliveries === this.deliveriesChecked;
    this.deliveriesChecked = this.deliveries;
    if (!idle || this.closed || this.paused) return;
    for (const b of this.native.reclaim(1)) {
      this.ctx.pipeline.returnChunkBuffer(unlent(b));
      this.reclaimed++;
    }
  }

  /** Lent buffers the thread holds or will get (lend requests waiting for the pipeline included), for tests. */
  get lentBuffers(): number {
    return LENT - this.reclaimed;
  }

  /** Asks the pipeline for a buffer to lend the thread; it comes once the pipeline can take another chunk. */
  private lend(): void {
    this.ctx.pipeline.requestChunkBuffer((buffer, fillBytes) => {
      if (!this.closed) this.native.lend(lendable(buffer), fillBytes);
      else this.ctx.pipeline.returnChunkBuffer(buffer);
    });
  }

  private onChunk(buffer: LendableBuffer | null, length: number, messages: number, records: number, bytes: number, drained: boolean, spent?: LendableBuffer): void {
    const { admission, pipeline, metrics, index } = this.ctx;
    this.deliveries++;
    if (spent) pipeline.returnChunkBuffer(unlent(spent));
    if (buffer && messages > 0) {
      metrics.receivedBytes.inc(bytes);
      admission.add(records, bytes);
      pipeline.submitPacked({ input: index, buffer: unlent(buffer), length, messages, receivedAt: Date.now(), admitted: { records, bytes } });
    } else if (buffer) pipeline.returnChunkBuffer(unlent(buffer));
    this.countOversize(this.native.stats().oversize);
    if (drained) {
      this.drained?.();
      return;
    }
    if (this.closed) return;
    // The buffer went to the pipeline (the worker pool returns it to the pool); lend a fresh one from the pool
    // when the pipeline has room for another chunk.
    if (buffer) this.lend();
    // Busy again after an idle time: lend again what reclaimIfIdle gave back.
    for (; this.reclaimed > 0; this.reclaimed--) this.lend();
    // With the input's index: also while a sink this input feeds is full (it cannot refuse what it reads).
    if (!this.paused && !admission.hasRoom(index)) {
      this.paused = true;
      this.native.pause();
      void admission.waitForRoom(index)?.then(() => {
        this.paused = false;
        if (!this.closed) this.native.resume();
      });
    }
  }

  /** Messages the thread dropped as too large, into the metric (also from the health poll: a flood of nothing
   * but oversize messages delivers no chunk). */
  private countOversize(oversize: number): void {
    if (oversize > this.oversizeSeen) {
      this.ctx.metrics.discarded('too_large').inc(oversize - this.oversizeSeen);
      this.oversizeSeen = oversize;
    }
  }

  watchConnections(metrics: Metrics): ConnectionWatch {
    return new PolledConnectionWatch(this.id, () => this.connectionCounts(), metrics);
  }

  connectionCounts(): ConnectionCounts {
    const s = this.native.stats();
    this.countOversize(s.oversize);
    return connectionCountsOf(s);
  }

  /**
   * Asks the peers to stop (the receive thread shuts the write side of every accepted connection, so each libzmq
   * peer keeps what it has not sent yet for the next collector and closes; a SUB cancels its subscriptions),
   * reads until every such peer closed and the socket stayed quiet for quietMs (or the deadline), then closes.
   * Resolves with what was left unread when the deadline came first (native/src/receiver.cc, StopPeers).
   */
  async stopAccepting(quietMs: number, deadline: number): Promise<DrainUnread | undefined> {
    const done = new Promise<void>((resolve) => (this.drained = resolve));
    this.native.stopAccepting(quietMs, true);
    const left = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const quiet = await Promise.race([done.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), left)))]);
    clearTimeout(timer);
    this.close();
    if (quiet) return undefined;
    const s = this.native.stats();
    const unread = { input: this.id, messages: s.unreadMessages ?? 0, bytes: s.unreadBytes ?? 0 };
    stillSending(this.ctx, this.id, unread);
    return unread;
  }

  /** Nothing to answer: PUSH and PUB emitters expect no reply. */
  async finish(): Promise<void> {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    this.auth?.stop();
    this.native.close();
  }
}
