// zmq-router: the native protocol v1 (docs/protocol.md). Each message is checked on receipt (frames, header,
// version, sizes, CRC); bad ones are NACKed with a reason at once. Good ones are queued and ACKed when the
// ack mode says so. When the queue is full the input keeps reading but answers "busy" so clients back off
// and retry, and while draining it answers "draining" so clients reconnect elsewhere.
import * as zmq from 'zeromq';
import { ProtocolError, type RejectReason } from '../../errors.js';
import { SocketWatch, type ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';
import { checkMessage, noAckOf, sequenceOf } from '../../protocol/message.js';
import { compressionCode } from '../../protocol/header.js';
import { encodeAck, encodeNack } from '../../protocol/reply.js';
import { KIND_NATIVE } from '../../pipeline/chunk.js';
import type { Input, InputContext } from '../input.js';
import { POLL_MS, ReceiveLoop } from '../zmq/receive-loop.js';
import { bindAll, isTimeout, receiveHighWaterMark, socketMaxMessageSize, totalBytes } from '../zmq/socket.js';
import type { ZmqRouterConfig } from './schema.js';

/** Replies waiting for the socket; beyond this a reply is dropped (the client times out and resends). */
const MAX_PENDING_REPLIES = 100_000;

export class RouterInput implements Input {
  readonly id: string;
  readonly type = 'zmq-router';
  readonly endpoints: string[] = [];
  private readonly sock: zmq.Router;
  private readonly loop: ReceiveLoop;
  private draining = false;
  private replies: Buffer[][] = [];
  private sending = false;
  private repliesDone?: () => void;

  watchConnections(metrics: Metrics): ConnectionWatch {
    return new SocketWatch(this.id, this.socket, metrics);
  }

  get socket(): zmq.Socket {
    return this.sock;
  }

  constructor(
    private readonly cfg: ZmqRouterConfig,
    private readonly ctx: InputContext,
  ) {
    this.id = cfg.id;
    // Not mandatory: a reply to a client that vanished or never reads is dropped instead of blocking us.
    this.sock = new zmq.Router({
      receiveHighWaterMark: receiveHighWaterMark(cfg.rcvHwm, ctx.limits),
      maxMessageSize: socketMaxMessageSize(ctx.limits),
      receiveTimeout: POLL_MS,
      sendTimeout: 0,
      linger: 1000,
      mandatory: false,
      // A client reconnecting with its fixed routing id (docs/protocol.md) takes the id over from a connection
      // that still holds it (a half-open TCP connection, or a peer squatting on the id); without this libzmq
      // refuses the newcomer and the client times out for as long as the old connection lives.
      handover: true,
      ...ctx.curveSocketOptions,
    });
    // No waitForRoom: a full queue is answered with NACK busy, which needs the message read.
    this.loop = new ReceiveLoop(this.sock, {
      onMessage: (msg) => this.handle(msg),
      onError: (err) => {
        ctx.log.error({ input: this.id, err }, 'receive failed');
        ctx.metrics.error('io', 'receive').inc();
      },
    });
  }

  async start(): Promise<void> {
    this.endpoints.push(...(await bindAll(this.sock, this.cfg.bind)));
    this.loop.start();
  }

  private handle(msg: Buffer[]): void {
    const { admission, pipeline, metrics, limits, index } = this.ctx;
    const receivedAt = Date.now();
    const identity = msg[0];
    const frames = msg.slice(1);
    const bytes = totalBytes(frames);
    metrics.receivedBytes.inc(bytes);
    let checked;
    try {
      checked = checkMessage(frames, { maxMessageBytes: limits.maxMessageBytes, maxBatchRecords: limits.maxBatchRecords, maxDecompressedBytes: limits.maxDecompressedBytes });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      metrics.discarded(err.reason).inc();
      if (!noAckOf(frames)) this.nack(identity, sequenceOf(frames), err.reason, err.message);
      return;
    }
    const { header } = checked;
    // A refused message counts once, like every other refusal: its record count is the sender's claim, unread.
    if (this.draining) {
      metrics.discarded('draining').inc();
      if (!header.noAck) this.nack(identity, header.seq, 'draining', 'collector is draining; reconnect and resend');
      return;
    }
    if (!admission.hasRoom()) {
      metrics.discarded('busy').inc();
      if (!header.noAck) this.nack(identity, header.seq, 'busy', 'queue full; retry later');
      return;
    }
    const records = header.recordCount;
    // Memory follows the decompressed size, not the wire size: a 100-byte brotli payload may declare 31 MiB.
    // The worker refuses a payload whose real size differs from the declaration (openPayload).
    const charged = Math.max(bytes, header.uncompressedLength);
    admission.add(records, charged);
    const seq = header.seq;
    const noAck = header.noAck;
    pipeline.submit({
      input: index,
      kind: KIND_NATIVE,
      compression: compressionCode(header.compression),
      recordCount: records,
      frames,
      receivedAt,
      admitted: { records, bytes: charged },
      reply: (r) => {
        if (r.ok) {
          this.ctx.observeAckLatency((Date.now() - receivedAt) / 1000);
          if (!noAck) this.enqueueReply([identity, encodeAck(seq)], 'ack', '');
        } else if (!noAck) {
          this.nack(identity, seq, r.reason, r.detail);
        }
      },
    });
  }

  private nack(identity: Buffer, seq: bigint, reason: RejectReason, detail: string): void {
    this.enqueueReply([identity, encodeNack(seq, reason, detail)], 'nack', reason);
  }

  private enqueueReply(frames: Buffer[], result: 'ack' | 'nack', reason: string): void {
    this.ctx.countReply(result, reason);
    if (this.replies.length >= MAX_PENDING_REPLIES) {
      this.ctx.metrics.discarded('reply_overflow').inc();
      return;
    }
    this.replies.push(frames);
    if (!this.sending) void this.pumpReplies();
  }

  // zeromq.js allows one send in flight per socket, so replies go out one after another from a queue.
  private async pumpReplies(): Promise<void> {
    this.sending = true;
    while (this.replies.length) {
      const r = this.replies.shift()!;
      try {
        await this.sock.send(r);
      } catch (err) {
        // EAGAIN: the peer's pipe is full or gone; it will time out and resend.
        if (!isTimeout(err) && !this.sock.closed) this.ctx.log.warn({ input: this.id, err }, 'reply send failed');
        if (this.sock.closed) break;
      }
    }
    this.sending = false;
    this.repliesDone?.();
  }

  /** Waits until every queued reply has been handed to ZeroMQ. */
  private flushReplies(): Promise<void> {
    if (!this.sending && this.replies.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.repliesDone = resolve));
  }

  /**
   * Refuse new batches (NACK draining, so clients reconnect elsewhere) but keep the socket and its connections:
   * unbinding would cut the connections that still wait for ACKs of accepted batches, and every lost ACK
   * becomes a duplicate when the client resends.
   */
  async stopAccepting(): Promise<void> {
    this.draining = true;
  }

  /** After the pipeline is empty: send the last replies and close. */
  async finish(deadline: number): Promise<void> {
    await this.loop.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flushReplies(), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
    this.close();
  }

  close(): void {
    void this.loop.stop();
    if (!this.sock.closed) this.sock.close();
  }
}
