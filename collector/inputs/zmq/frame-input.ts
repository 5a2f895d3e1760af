// zmq-pull and zmq-sub: messages are raw frames from emitters that expect no reply (rsyslog omczmq, pyzmq,
// Python's PUBHandler). When the queue is full we stop reading: PUSH senders block at their high-water mark,
// PUB senders drop (ZeroMQ's PUB/SUB has no back-pressure; see docs/operations.md). The kinds differ only in
// the socket they hand in (inputs/zmq-pull/, inputs/zmq-sub/).
import type * as zmq from 'zeromq';
import { KIND_FRAMES } from '../../pipeline/chunk.js';
import { SocketWatch, type ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';
import type { DrainUnread, Input, InputContext } from '../input.js';
import type { ZmqPullConfig } from '../zmq-pull/schema.js';
import type { ZmqSubConfig } from '../zmq-sub/schema.js';
import { POLL_MS, ReceiveLoop } from './receive-loop.js';
import { bindAll, frameRecords, receiveHighWaterMark, socketMaxMessageSize, stillSending, totalBytes } from './socket.js';
import { connectEndpoints } from './schema.js';

/** Options of the socket a frame input receives on. */
export function frameSocketOptions(cfg: ZmqPullConfig | ZmqSubConfig, ctx: InputContext) {
  return { receiveHighWaterMark: receiveHighWaterMark(cfg.rcvHwm, ctx.limits), maxMessageSize: socketMaxMessageSize(ctx.limits), receiveTimeout: POLL_MS, linger: 0, ...ctx.curveSocketOptions };
}

export class FrameInput implements Input {
  readonly id: string;
  readonly type: string;
  readonly endpoints: string[] = [];
  readonly receiver = 'zeromq';
  private bound: string[] = [];
  private readonly loop: ReceiveLoop;
  /** Received bytes not yet added to the counter: one prom-client inc per event-loop turn, not per message. */
  private unreportedBytes = 0;
  private reportScheduled = false;
  private readonly reportBytes = (): void => {
    this.reportScheduled = false;
    this.ctx.metrics.receivedBytes.inc(this.unreportedBytes);
    this.unreportedBytes = 0;
  };

  /** The connection count the drain reads (set when the collector watches this input's socket events). */
  private watch: SocketWatch | undefined;

  watchConnections(metrics: Metrics): ConnectionWatch {
    this.watch = new SocketWatch(this.id, this.socket, metrics);
    return this.watch;
  }

  get socket(): zmq.Socket {
    return this.sock;
  }

  constructor(
    private readonly cfg: ZmqPullConfig | ZmqSubConfig,
    private readonly ctx: InputContext,
    private readonly sock: zmq.Pull | zmq.Subscriber,
  ) {
    this.id = cfg.id;
    this.type = cfg.type;
    const { admission, log, metrics } = ctx;
    this.loop = new ReceiveLoop(sock, {
      onMessage: (frames) => this.accept(frames),
      onError: (err) => {
        log.error({ input: this.id, err }, 'receive failed');
        metrics.error('io', 'receive').inc();
      },
      // With the input's index: also while a sink this input feeds is full (it cannot refuse what it reads).
      waitForRoom: () => admission.waitForRoom(ctx.index),
    });
  }

  async start(): Promise<void> {
    this.bound = await bindAll(this.sock, this.cfg.bind);
    this.endpoints.push(...this.bound);
    for (const ep of connectEndpoints(this.cfg)) {
      this.sock.connect(ep);
      this.endpoints.push(ep);
    }
    this.loop.start();
  }

  private accept(frames: Buffer[]): void {
    const { admission, pipeline, metrics, limits, index } = this.ctx;
    const bytes = totalBytes(frames);
    this.unreportedBytes += bytes;
    if (!this.reportScheduled) {
      this.reportScheduled = true;
      setImmediate(this.reportBytes);
    }
    // Bytes and records are both bounded per message: a message of a million 1-byte frames (or of a million
    // lines) is small in bytes but would hold the queue at many times queue.maxRecords.
    const records = bytes > limits.maxMessageBytes ? 0 : frameRecords(frames, this.cfg.framing);
    if (records === 0 || records > limits.maxBatchRecords) {
      metrics.discarded('too_large').inc();
      return;
    }
    admission.add(records, bytes);
    pipeline.submit({ input: index, kind: KIND_FRAMES, compression: 0, recordCount: 0, frames, receivedAt: Date.now(), admitted: { records, bytes } });
  }

  /**
   * Unbinds and disconnects (no new peers), then reads what peers already handed over until quiet, and closes.
   * zeromq.js offers no way to ask a peer to stop (it exposes no connection's descriptor to shut) or to count
   * what is left: unbinding ends the connections, and what their peers had in flight (the kernels' buffers,
   * libzmq's decoder) is lost uncounted. So a drain that cut connections reports this input in `unread` with
   * null counts, as one whose read deadline came first does (docs/operations.md; the native path, the default,
   * asks each peer to stop and reads it to its end).
   */
  async stopAccepting(quietMs: number, deadline: number): Promise<DrainUnread | undefined> {
    const cut = this.watch?.reading().peers ?? 0;
    for (const ep of this.bound) await this.sock.unbind(ep).catch(() => {});
    for (const ep of connectEndpoints(this.cfg)) {
      try {
        this.sock.disconnect(ep);
      } catch {
        // already gone
      }
    }
    await this.loop.stop();
    const emptied = await this.loop.readQueued(quietMs, deadline);
    if (!emptied) stillSending(this.ctx, this.id);
    else if (cut > 0) {
      this.ctx.log.warn({ input: this.id, connections: cut }, 'drain (receiver: zeromq) ended open connections at once; what their peers had in flight is lost uncounted (receiver: native asks each peer to stop and reads it to its end)');
      this.ctx.metrics.error('drain', 'unread').inc();
    }
    this.close();
    return emptied && cut === 0 ? undefined : { input: this.id, messages: null, bytes: null };
  }

  /** Nothing to answer: PUSH and PUB emitters expect no reply. */
  async finish(): Promise<void> {}

  close(): void {
    void this.loop.stop();
    if (!this.sock.closed) this.sock.close();
  }
}
