// The zmq-router input's transport on the native addon (native/src/receiver.cc, type 'router'): the addon's
// thread owns the libzmq ROUTER socket, packs whole messages (routing id first) into buffers lent from here and
// hands each filled buffer back in one call; replies go back to the thread through a bounded queue, which sends
// them with ZMQ_DONTWAIT. With CURVE the addon answers ZAP itself, so every message carries the name of the key
// that authenticated its connection, and a removed key's connection is ended when the key is removed.
//
// Routing ids (docs/protocol.md, "Routing ids"): a connection presenting a routing id another connection holds is
// ended (no handover: zlog's libzmq patch, ZLOG_ZMQ_ROUTER_REFUSE_DUPLICATE), counted in
// zlog_input_socket_events_total{event="routing_id_in_use"|"routing_id_other_key"} and logged once per key; ZMTP
// heartbeats end a connection whose peer stopped answering, which frees its id.
//
// Unlike PULL/SUB, reading never pauses: a full queue is answered with NACK busy, which needs the message read.
import { PolledConnectionWatch, type ConnectionCounts, type ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';
import { FLAG_ACKED, FLAG_CRC_CHECKED, FLAG_JSON_PLAIN, FLAG_OVERSIZE, readChunk } from '../../pipeline/chunk.js';
import { OncePerKey } from '../../security/curve.js';
import type { InputContext } from '../input.js';
import { NativeAuth } from '../zmq/native-auth.js';
import { connectionCountsOf, type LendableBuffer, type NativeReceiveAddon, type NativeReceiver } from '../zmq/native-receive.js';
import { nativeSocketOptions } from '../zmq/socket.js';
import { acksOnReceipt } from './ack-rule.js';
import type { ZmqRouterConfig } from './schema.js';
import type { RouterMessage, RouterTransport } from './transport.js';
import { MAX_PENDING_REPLIES } from './zeromq-transport.js';

/** Buffers lent to the receive thread at a time (one being filled, one being read here, one spare), and their size. */
const LENT = 3;
const BUFFER_BYTES = 1 << 20;
/** How often flushReplies looks whether the thread has sent everything. */
const FLUSH_POLL_MS = 5;

export class NativeRouterTransport implements RouterTransport {
  readonly receiver = 'native';
  private readonly native: NativeReceiver;
  private readonly auth?: NativeAuth;
  private onMessage?: (m: RouterMessage) => void;
  private oversizeSeen = 0;
  private repliesDroppedSeen = 0;
  private repliesStaleSeen = 0;
  private threadAcksSeen = 0;
  private readonly refusalsLogged = new OncePerKey();
  private reading = true;
  private closed = false;

  constructor(
    private readonly cfg: ZmqRouterConfig,
    private readonly ctx: InputContext,
    addon: NativeReceiveAddon,
  ) {
    const ackAtReceipt = acksOnReceipt(ctx);
    this.native = new addon.Receiver(
      {
        type: 'router',
        ...nativeSocketOptions(ctx, cfg),
        maxReplies: MAX_PENDING_REPLIES,
        // The input's heartbeat setting (schema.ts): it frees the routing id of a client that stopped answering.
        heartbeatIntervalMs: cfg.heartbeat.intervalMs,
        heartbeatTimeoutMs: cfg.heartbeat.timeoutMs,
        // `received`: the thread acknowledges what it holds within the input's budget (router-input.ts AckBudget).
        // Not with a sink gate (routing, several sinks): that refusal depends on the sender and the sinks' state,
        // which only the main thread knows, so there every ACK is the input's.
        ackAtReceipt:
          ackAtReceipt
            ? { maxMessageBytes: ctx.limits.maxMessageBytes, maxBatchRecords: ctx.limits.maxBatchRecords, maxDecompressedBytes: ctx.limits.maxDecompressedBytes }
            : undefined,
      },
      (buffer, length) => this.onChunk(buffer, length),
    );
    if (ctx.curve) this.auth = new NativeAuth(this.native, ctx.curve);
    if (ackAtReceipt) {
      this.grantAcks = (records, bytes) => this.native.grantAcks(records, bytes);
      this.revokeAcks = () => this.native.revokeAcks();
    }
  }

  async start(bind: readonly string[], onMessage: (m: RouterMessage) => void): Promise<string[]> {
    this.onMessage = onMessage;
    this.auth?.start();
    const endpoints = bind.map((ep) => this.native.bind(ep));
    for (let i = 0; i < LENT; i++) this.native.lend(new ArrayBuffer(BUFFER_BYTES));
    this.native.start();
    return endpoints;
  }

  private onChunk(lent: LendableBuffer | null, length: number): void {
    // Only ArrayBuffers are lent here (start(), below).
    const buffer = lent as ArrayBuffer | null;
    if (!buffer) return;
    if (this.reading && this.onMessage) {
      for (const m of readChunk(buffer, length)) {
        const frames = m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));
        // The routing id outlives this call (in the reply), the buffer does not: copy it.
        const flags = m.flags ?? 0;
        this.onMessage({
          routingId: Buffer.from(frames[0]),
          frames: frames.slice(1),
          receivedAt: m.receivedAt,
          sender: m.sender,
          connection: m.connection,
          oversize: (flags & FLAG_OVERSIZE) !== 0,
          jsonPlain: (flags & FLAG_JSON_PLAIN) !== 0,
          crcChecked: (flags & FLAG_CRC_CHECKED) !== 0,
          // With FLAG_ACKED the record count field is the µs from receipt to the thread's ACK.
          ackedAt: (flags & FLAG_ACKED) !== 0 ? m.receivedAt + m.recordCount / 1000 : undefined,
        });
      }
    }
    this.countDrops();
    // Every delivery used up one lent buffer; lend one back (a message bigger than a buffer came in one of its own).
    if (!this.closed) this.native.lend(buffer.byteLength === BUFFER_BYTES ? buffer : new ArrayBuffer(BUFFER_BYTES));
  }

  /**
   * Oversize messages (too_large), replies the thread could not send, replies it dropped because their
   * connection had ended (reply_to_ended_connection: the client resends on its new connection), and the ACKs it
   * sent itself (zlog_input_thread_acks_total; each such batch comes with a delivery, so this is current), into
   * metrics.
   */
  private countDrops(): void {
    const s = this.native.stats();
    if (s.oversize > this.oversizeSeen) {
      this.ctx.metrics.discarded('too_large').inc(s.oversize - this.oversizeSeen);
      this.oversizeSeen = s.oversize;
    }
    const dropped = (s.repliesUnroutable ?? 0) + (s.repliesBlocked ?? 0);
    if (dropped > this.repliesDroppedSeen) {
      this.ctx.metrics.error('io', 'reply').inc(dropped - this.repliesDroppedSeen);
      this.repliesDroppedSeen = dropped;
    }
    const stale = s.repliesToEndedConnections ?? 0;
    if (stale > this.repliesStaleSeen) {
      this.ctx.metrics.discarded('reply_to_ended_connection').inc(stale - this.repliesStaleSeen);
      this.repliesStaleSeen = stale;
    }
    const acks = s.threadAcks ?? 0;
    if (acks > this.threadAcksSeen) {
      this.ctx.countThreadAcks?.(acks - this.threadAcksSeen);
      this.threadAcksSeen = acks;
    }
  }

  grantAcks?: (records: number, bytes: number) => void;
  revokeAcks?: () => [number, number];

  send(frames: Buffer[], connection?: number): boolean {
    return !this.closed && this.native.send(frames, connection);
  }

  async flushReplies(deadline: number): Promise<void> {
    while (!this.closed && (this.native.stats().repliesPending ?? 0) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, FLUSH_POLL_MS));
    }
    if (!this.closed) this.countDrops();
  }

  async stopReading(): Promise<void> {
    // The thread keeps the socket (and sends the last replies); what arrives from now on is not taken.
    this.reading = false;
  }

  watchConnections(metrics: Metrics): ConnectionWatch {
    return new PolledConnectionWatch(this.cfg.id, () => this.connectionCounts(), metrics);
  }

  connectionCounts(): ConnectionCounts {
    const s = this.native.stats();
    if (!this.closed) {
      this.countDrops();
      this.logRoutingIdRefusals();
    }
    return connectionCountsOf(s);
  }

  /** Routing-id refusals, logged once per reason and key (counted by connectionCounts either way). */
  private logRoutingIdRefusals(): void {
    for (const r of this.native.takeRoutingIdRefusals()) {
      if (!this.refusalsLogged.first(`${r.reason}\0${r.user}`)) continue;
      this.ctx.log.warn(
        { input: this.cfg.id, reason: r.reason, clientKeyName: r.user || undefined },
        r.reason === 'routing_id_other_key'
          ? 'connection refused: its routing id is held by a connection of another client key (logged once per key)'
          : 'connection refused: its routing id is held by another connection (logged once per key)',
      );
    }
  }

  close(): void {
    if (this.closed) return;
    this.auth?.stop();
    this.closed = true;
    this.native.close();
  }
}
