// zmq-router: the native protocol v1 (docs/protocol.md). Each message is checked on receipt (frames, header,
// version, sizes, CRC); bad ones are NACKed with a reason at once. Good ones are queued and ACKed when the
// ack mode says so. When the queue is full the input keeps reading but answers "busy" so clients back off
// and retry, and while draining it answers "draining" so clients reconnect elsewhere. The socket under it is a
// RouterTransport (transport.ts): the native addon's thread or zeromq.js.
import { ProtocolError, type RejectReason } from '../../errors.js';
import type { ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';
import { checkMessage, noAckOf, sequenceOf } from '../../protocol/message.js';
import { checkRecordFraming } from '../../protocol/payload.js';
import { compressionCode, type MessageHeader } from '../../protocol/header.js';
import { encodeAck, encodeNack } from '../../protocol/reply.js';
import { FLAG_JSON_PLAIN, KIND_NATIVE, routingIdText } from '../../pipeline/chunk.js';
import { STAGE, latencyTrace, mark, now, type TraceRow } from '../../observability/latency-trace.js';
import type { Inbound } from '../../pipeline/pipeline.js';
import type { Input, InputContext } from '../input.js';
import { totalBytes } from '../zmq/socket.js';
import type { ZmqRouterConfig } from './schema.js';
import type { RouterMessage, RouterTransport } from './transport.js';
import { batchKey, PendingBatches, RecentBatches } from './pending-batches.js';
import { refusalFor, SenderRoutes } from './sink-gate.js';
import { AckBudget } from './ack-budget.js';
import { acksOnReceipt } from './ack-rule.js';

/**
 * Bounds of the pending-batch table: 65,536 batches (a full default queue of 200,000 records in batches of 3 or
 * more) and 16 MiB (entries with 255-byte routing ids). Past either, new batches get `busy`.
 */
const PENDING_MAX_ENTRIES = 65_536;
const PENDING_MAX_BYTES = 16 * 1024 * 1024;
/** Bounds of the table of batches answered last (what a resend after a lost ACK is recognised against). */
const ANSWERED_MAX_ENTRIES = 65_536;
const ANSWERED_MAX_BYTES = 16 * 1024 * 1024;
/** Senders whose last route is remembered (sink-gate.ts): 16,384 routing ids of up to 255 bytes, ~5 MiB at most. */
const SENDER_ROUTES_MAX = 16_384;
/** While a sender's last batch went to a full sink, one batch of it goes on to the worker this often (a probe). */
const PROBE_MS = 1000;
/** How long a drain waits for batches the receive thread acknowledged to come through (they are delivered within ~10 ms). */
const THREAD_ACKS_WAIT_MS = 5000;

/** Where a batch's reply goes: the connection its latest copy came on (RouterMessage.connection). */
interface ReplyTarget {
  connection: number | undefined;
}

export class RouterInput implements Input {
  readonly id: string;
  readonly type = 'zmq-router';
  readonly endpoints: string[] = [];
  private draining = false;
  /** The last routing id seen and its text: a client sends many batches in a row. */
  private lastId: Buffer = Buffer.alloc(0);
  private lastIdText = '';
  /**
   * Batches admitted and not yet answered (pending-batches.ts), each with the connection its reply goes to. A
   * resend of one of them is not admitted: the first copy's reply answers it, on the connection the latest copy
   * came on (a client that reconnected resends on its new connection; the old one gets no reply, see
   * RouterMessage.connection).
   */
  private readonly pending = new PendingBatches<ReplyTarget>(PENDING_MAX_ENTRIES, PENDING_MAX_BYTES);
  /** Batches acknowledged last: a resend of one is stored again, and counted (zlog_input_resent_events_total). */
  private readonly answered = new RecentBatches(ANSWERED_MAX_ENTRIES, ANSWERED_MAX_BYTES);
  /** With routing and several sinks: where each sender's last batch went (sink-gate.ts). */
  private readonly senders?: SenderRoutes;
  /** `received` on the native path: the budget within which the receive thread acknowledges batches itself. */
  private readonly ackBudget?: AckBudget;

  constructor(
    private readonly cfg: ZmqRouterConfig,
    private readonly ctx: InputContext,
    private readonly transport: RouterTransport,
  ) {
    this.id = cfg.id;
    if (ctx.sinkGate) this.senders = new SenderRoutes(SENDER_ROUTES_MAX);
    const { grantAcks, revokeAcks } = transport;
    if (grantAcks && revokeAcks) {
      this.ackBudget = new AckBudget(ctx.admission, (r, b) => grantAcks.call(transport, r, b), () => revokeAcks.call(transport));
    }
  }

  get receiver(): 'native' | 'zeromq' {
    return this.transport.receiver;
  }

  watchConnections(metrics: Metrics): ConnectionWatch {
    return this.transport.watchConnections(metrics);
  }

  async start(): Promise<void> {
    this.endpoints.push(...(await this.transport.start(this.cfg.bind, (m) => this.handle(m))));
    this.ackBudget?.refill();
  }

  private routingId(id: Buffer): string {
    if (!id.equals(this.lastId)) {
      this.lastId = id;
      this.lastIdText = routingIdText(id);
    }
    return this.lastIdText;
  }

  private handle(msg: RouterMessage): void {
    const handledAt = latencyTrace ? now() : 0;
    if (msg.ackedAt !== undefined) this.admitAcked(msg, handledAt);
    else this.check(msg, handledAt);
    // No budget while chunks pile up in front of the workers (Pipeline.backlogged), as while the queue is full.
    this.ackBudget?.refill(this.ctx.admission.hasRoom() && !this.ctx.pipeline.backlogged());
  }

  /**
   * A batch the receive thread acknowledged itself (native path, `received`): it passed the same checks there
   * (native/src/receiver.cc NativeAckable) within the budget granted out of the queue's room, so it is admitted
   * whatever holds now (draining, a full queue): it was promised.
   */
  private admitAcked(msg: RouterMessage, handledAt: number): void {
    const { admission, metrics, limits } = this.ctx;
    const { routingId: identity, frames, receivedAt } = msg;
    const bytes = totalBytes(frames);
    metrics.receivedBytes.inc(bytes);
    const records = frames[0].readUInt32BE(16);
    this.ackBudget!.seen(records, bytes);
    let checked;
    try {
      checked = checkMessage(frames, { maxMessageBytes: limits.maxMessageBytes, maxBatchRecords: limits.maxBatchRecords, maxDecompressedBytes: limits.maxDecompressedBytes }, true);
    } catch (err) {
      // Cannot happen while NativeAckable checks what checkMessage does; if it did, the batch is lost like a
      // received batch a worker refuses, and said so.
      if (!(err instanceof ProtocolError)) throw err;
      metrics.discarded(err.reason).inc();
      this.ctx.log.error({ input: this.id, reason: err.reason }, `a batch the receive thread acknowledged fails the input's checks and is dropped: ${err.message}`);
      return;
    }
    const { header } = checked;
    const key = batchKey(identity, header.seq, header.crc, header.uncompressedLength, header.recordCount);
    if (this.answered.has(key)) this.ctx.countResent?.(records);
    this.answered.add(key);
    admission.add(records, bytes);
    this.ctx.countReply('ack', '');
    this.ctx.observeAckLatency((msg.ackedAt! - receivedAt) / 1000);
    const trace = latencyTrace?.begin(header.seq, receivedAt, handledAt);
    mark(trace, STAGE.acked, msg.ackedAt);
    latencyTrace?.ackedByThread(trace);
    this.submit(msg, header, bytes, trace, undefined, undefined);
  }

  private check(msg: RouterMessage, handledAt: number): void {
    const { admission, metrics, limits } = this.ctx;
    // Replies go to the connection the message came on (native path), not to whoever holds its routing id then.
    const { routingId: identity, frames, receivedAt, connection } = msg;
    const bytes = totalBytes(frames);
    metrics.receivedBytes.inc(bytes);
    if (msg.oversize) {
      // Counted by the transport (the thread dropped the rest of it); answered here.
      if (!noAckOf(frames)) this.nack(identity, sequenceOf(frames), 'too_large', `message is over the limit of ${limits.maxMessageBytes} bytes`, connection);
      return;
    }
    let checked;
    // In `received` mode an uncompressed batch is acknowledged at admission (below), before a worker opens it:
    // the ACK then costs one pass of the main thread, not the worker's round trip and whatever chunk is ahead
    // of it. So what the worker would refuse it for (its record framing) is checked here first. When that
    // applies (not compressed, no sink gate, ...) is one rule with the receive thread's: ack-rule.ts.
    let ackAtAdmission = false;
    try {
      checked = checkMessage(frames, { maxMessageBytes: limits.maxMessageBytes, maxBatchRecords: limits.maxBatchRecords, maxDecompressedBytes: limits.maxDecompressedBytes }, msg.crcChecked);
      ackAtAdmission = acksOnReceipt(this.ctx, checked.header);
      if (ackAtAdmission) checkRecordFraming(checked.payload, checked.header.recordCount);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      metrics.discarded(err.reason).inc();
      if (!noAckOf(frames)) this.nack(identity, sequenceOf(frames), err.reason, err.message, connection);
      return;
    }
    const { header } = checked;
    // A refused message counts once, like every other refusal: its record count is the sender's claim, unread.
    if (this.draining) {
      metrics.discarded('draining').inc();
      if (!header.noAck) this.nack(identity, header.seq, 'draining', 'collector is draining; reconnect and resend', connection);
      return;
    }
    const key = header.noAck ? undefined : batchKey(identity, header.seq, header.crc, header.uncompressedLength, header.recordCount);
    if (key !== undefined && this.pending.has(key)) {
      const target = this.pending.get(key);
      if (target) target.connection = connection;
      metrics.discarded('resent_pending').inc();
      return;
    }
    // Before admission: a batch from a sender whose batches go to a full sink takes no queue space.
    const gate = this.ctx.sinkGate;
    const senderKey = this.senders && this.routingId(identity);
    // A known sender's batch counts against the sinks its last batch went to from admission (Inbound.announceTo).
    let announceTo: number | undefined;
    if (gate && senderKey !== undefined) {
      const route = this.senders!.get(senderKey);
      announceTo = route?.sinks || undefined;
      const refused = refusalFor(route, gate.feeds, gate.full(), performance.now(), PROBE_MS);
      if (refused !== 0) {
        metrics.discarded('busy').inc();
        this.ctx.countBusy?.(refused);
        if (!header.noAck) this.nack(identity, header.seq, 'busy', `the queue of sink ${gate.names(refused)}, where this sender's batches go, is full (its store is slow or down); retry later`, connection);
        return;
      }
    }
    const target: ReplyTarget = { connection };
    // A batch the table cannot track is refused like a full queue's: admitted untracked, its resends would be
    // stored again.
    // Nor while chunks pile up in front of the workers (Pipeline.backlogged): they would only take memory.
    if (!admission.hasRoom() || this.ctx.pipeline.backlogged() || (key !== undefined && !this.pending.add(key, target))) {
      metrics.discarded('busy').inc();
      this.ctx.countBusy?.();
      if (!header.noAck) this.nack(identity, header.seq, 'busy', 'queue full; retry later', connection);
      return;
    }
    const records = header.recordCount;
    if (key !== undefined && this.answered.has(key)) this.ctx.countResent?.(records);
    // Memory follows the decompressed size, not the wire size: a 100-byte brotli payload may declare 31 MiB.
    // The worker refuses a payload whose real size differs from the declaration (openPayload).
    const charged = Math.max(bytes, header.uncompressedLength);
    admission.add(records, charged);
    const seq = header.seq;
    const noAck = header.noAck;
    const reply = (r: { ok: true } | { ok: false; reason: RejectReason; detail: string }): void => {
      if (key !== undefined) {
        this.pending.delete(key);
        if (r.ok) this.answered.add(key);
      }
      if (r.ok) {
        this.ctx.observeAckLatency((Date.now() - receivedAt) / 1000);
        if (!noAck) this.reply([identity, encodeAck(seq)], 'ack', '', target.connection);
      } else if (!noAck) {
        this.nack(identity, seq, r.reason, r.detail, target.connection);
      }
    };
    const trace = latencyTrace?.begin(seq, receivedAt, handledAt);
    if (ackAtAdmission) {
      // Admitted and checked: the promise of `received` (docs/protocol.md). Later failures (a worker crash) are
      // counted as discards, like the loss of the queue in a crash, which this mode already accepts.
      mark(trace, STAGE.acked);
      reply({ ok: true });
    }
    this.submit(msg, header, charged, trace, senderKey, ackAtAdmission ? undefined : reply, announceTo);
  }

  /**
   * Hands an admitted batch (charged: bytes counted against the queue) to the pipeline. `announceTo`: the sinks
   * the sender's last batch went to (Inbound.announceTo).
   */
  private submit(msg: RouterMessage, header: MessageHeader, charged: number, trace: TraceRow | undefined, senderKey: string | undefined, reply: Inbound['reply'], announceTo?: number): void {
    const records = header.recordCount;
    this.ctx.pipeline.submit({
      input: this.ctx.index,
      kind: KIND_NATIVE,
      compression: compressionCode(header.compression),
      recordCount: records,
      frames: msg.frames,
      flags: msg.jsonPlain ? FLAG_JSON_PLAIN : 0,
      receivedAt: msg.receivedAt,
      admitted: { records, bytes: charged },
      sender: msg.sender,
      routingId: this.routingId(msg.routingId),
      trace,
      routed: senderKey === undefined ? undefined : (sinks) => this.senders!.set(senderKey, sinks),
      announceTo,
      reply,
    });
  }

  private nack(identity: Buffer, seq: bigint, reason: RejectReason, detail: string, connection: number | undefined): void {
    this.reply([identity, encodeNack(seq, reason, detail)], 'nack', reason, connection);
  }

  private reply(frames: Buffer[], result: 'ack' | 'nack', reason: string, connection: number | undefined): void {
    this.ctx.countReply(result, reason);
    if (!this.transport.send(frames, connection)) this.ctx.metrics.discarded('reply_overflow').inc();
  }

  /**
   * Refuse new batches (NACK draining, so clients reconnect elsewhere) but keep the socket and its connections:
   * unbinding would cut the connections that still wait for ACKs of accepted batches, and every lost ACK
   * becomes a duplicate when the client resends.
   */
  async stopAccepting(_quietMs?: number, deadline = Infinity): Promise<void> {
    this.draining = true;
    // Batches the receive thread acknowledged must reach the pipeline before the drain waits for it to empty.
    const budget = this.ackBudget;
    if (!budget) return;
    budget.stop();
    const until = Math.min(deadline, Date.now() + THREAD_ACKS_WAIT_MS);
    while (budget.outstanding && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    if (budget.outstanding) this.ctx.log.warn({ input: this.id }, 'batches the receive thread acknowledged had not arrived when the drain went on');
  }

  /** After the pipeline is empty: send the last replies and close. */
  async finish(deadline: number): Promise<void> {
    await this.transport.stopReading();
    await this.transport.flushReplies(deadline);
    this.close();
  }

  close(): void {
    this.transport.close();
  }
}
