// The zmq-router input's transport on zeromq.js (`receiver: zeromq`, or `auto` without the native addon): a
// ROUTER socket read by a ReceiveLoop, replies sent one at a time from a queue. zeromq.js cannot read a
// message's User-Id, so its messages carry no sender (records get no clientKey), and a removed key's open
// connection stays open.
import * as zmq from 'zeromq';
import { SocketWatch, type ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';
import type { InputContext } from '../input.js';
import { POLL_MS, ReceiveLoop } from '../zmq/receive-loop.js';
import { bindAll, isTimeout, receiveHighWaterMark, socketMaxMessageSize } from '../zmq/socket.js';
import type { ZmqRouterConfig } from './schema.js';
import type { RouterMessage, RouterTransport } from './transport.js';

/** Replies waiting for the socket; beyond this a reply is dropped (the client times out and resends). */
export const MAX_PENDING_REPLIES = 100_000;

export class ZeromqRouterTransport implements RouterTransport {
  readonly receiver = 'zeromq';
  private readonly sock: zmq.Router;
  private loop?: ReceiveLoop;
  private replies: Buffer[][] = [];
  private sending = false;
  private repliesDone?: () => void;

  constructor(
    private readonly cfg: ZmqRouterConfig,
    private readonly ctx: InputContext,
  ) {
    // Not mandatory: a reply to a client that vanished or never reads is dropped instead of blocking us.
    this.sock = new zmq.Router({
      receiveHighWaterMark: receiveHighWaterMark(cfg.rcvHwm, ctx.limits),
      maxMessageSize: socketMaxMessageSize(ctx.limits),
      receiveTimeout: POLL_MS,
      sendTimeout: 0,
      linger: 1000,
      mandatory: false,
      // The fallback keeps the older semantics (docs/protocol.md, "Routing ids"): a peer presenting a routing id
      // takes it over from the connection that holds it. Without handover, zeromq.js's libzmq keeps such a peer
      // unidentified and reads its next frame as its routing id (libzmq issue #4503); only the native path's
      // patched libzmq refuses it cleanly.
      handover: true,
      // The input's heartbeat setting (schema.ts), as on the native path.
      heartbeatInterval: cfg.heartbeat.intervalMs,
      heartbeatTimeout: cfg.heartbeat.timeoutMs,
      heartbeatTimeToLive: cfg.heartbeat.timeoutMs,
      ...ctx.curveSocketOptions,
    });
  }

  watchConnections(metrics: Metrics): ConnectionWatch {
    return new SocketWatch(this.cfg.id, this.sock, metrics);
  }

  async start(bind: readonly string[], onMessage: (m: RouterMessage) => void): Promise<string[]> {
    // No waitForRoom: a full queue is answered with NACK busy, which needs the message read.
    this.loop = new ReceiveLoop(this.sock, {
      onMessage: (msg) => onMessage({ routingId: msg[0], frames: msg.slice(1), receivedAt: Date.now() }),
      onError: (err) => {
        this.ctx.log.error({ input: this.cfg.id, err }, 'receive failed');
        this.ctx.metrics.error('io', 'receive').inc();
      },
    });
    const endpoints = await bindAll(this.sock, bind);
    this.loop.start();
    return endpoints;
  }

  send(frames: Buffer[]): boolean {
    if (this.replies.length >= MAX_PENDING_REPLIES) return false;
    this.replies.push(frames);
    if (!this.sending) void this.pumpReplies();
    return true;
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
        if (!isTimeout(err) && !this.sock.closed) this.ctx.log.warn({ input: this.cfg.id, err }, 'reply send failed');
        if (this.sock.closed) break;
      }
    }
    this.sending = false;
    this.repliesDone?.();
  }

  async flushReplies(deadline: number): Promise<void> {
    if (!this.sending && this.replies.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (this.repliesDone = resolve)), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
  }

  async stopReading(): Promise<void> {
    await this.loop?.stop();
  }

  close(): void {
    void this.loop?.stop();
    if (!this.sock.closed) this.sock.close();
  }
}
