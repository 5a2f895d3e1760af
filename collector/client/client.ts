// ZlogClient: a DEALER client of the native protocol v1 (docs/protocol.md).
//
// Records are gathered into batches (by count, bytes and a linger delay), each batch gets the next sequence
// number and is encoded once; its frames are kept until the server ACKs it, so it can be resent unchanged.
// At most `maxInFlightBatches` batches wait for an ACK; when the window is full, `send` waits, so memory is
// bounded by roughly (window + 2) * maxBatchBytes. Delivery is at-least-once: a batch whose ACK was lost is sent
// again with the same sequence number, which is what a server de-duplicates on (with the routing id).

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Dealer } from 'zeromq';
import { LogServerError, REJECT_REASONS, type RejectReason } from '../errors.js';
import { AUTO_COMPRESS_THRESHOLD, type CompressionChoice } from '../protocol/compression.js';
import { encodeMessage } from '../protocol/message.js';
import type { RecordInput } from '../protocol/payload.js';
import { decodeReply } from '../protocol/reply.js';
import { backoffDelay } from '../util/backoff.js';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import { addressEndpoint, lookupAll, parseTcpEndpoint, peerDiff, type SpreadOptions } from './spread.js';

export type { SpreadOptions } from './spread.js';

/** Why a batch was not delivered: a NACK reason, a reply code this client does not know, or a local cause. */
export type FailureReason = RejectReason | 'unknown' | 'timeout' | 'closed';

/**
 * Rejects the `send` promises of every record of a batch that could not be delivered. Not retryable: the client
 * has already retried what can be retried. `seq` is -1n for a record refused before it joined a batch.
 */
export class DeliveryError extends LogServerError {
  readonly reason: FailureReason;
  readonly seq: bigint;
  readonly records: number;
  readonly detail: string;
  constructor(reason: FailureReason, seq: bigint, records: number, detail: string) {
    super(
      `zlog batch ${seq} (${records} records) not delivered: ${reason}${detail ? ` (${detail})` : ''}`,
      reason === 'timeout' || reason === 'closed' ? 'io' : 'protocol',
      false,
    );
    this.reason = reason;
    this.seq = seq;
    this.records = records;
    this.detail = detail;
  }
}

export interface ZlogClientOptions {
  /** Records per batch (default 1000). */
  maxBatchRecords?: number;
  /** Payload bytes per batch before compression (default 256 KiB). A larger single record travels alone. */
  maxBatchBytes?: number;
  /** How long a non-full batch waits for more records (default 5 ms). */
  maxDelayMs?: number;
  /** Default 'auto': deflate above `autoCompressThreshold` bytes when it makes the batch smaller. */
  compression?: CompressionChoice;
  autoCompressThreshold?: number;
  /** Batches sent and not yet acknowledged (default 32). */
  maxInFlightBatches?: number;
  /** Resend a batch when no reply came within this time (default 5000 ms). */
  ackTimeoutMs?: number;
  /** Give up on a batch (reason 'timeout') this long after its first send; 0 retries forever (default 60 s). */
  deliveryTimeoutMs?: number;
  /** Backoff after NACK busy/draining or a failed send (defaults 50 ms doubling up to 5 s, with jitter). */
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Resends after NACK checksum before the batch fails (default 3). */
  checksumRetries?: number;
  /** Ask the server not to reply; a batch then counts as delivered once ZeroMQ took it (at-most-once). */
  noAck?: boolean;
  /** ZeroMQ send timeout, so a send never hangs when no server is there (default 1000 ms). */
  sendTimeoutMs?: number;
  /**
   * Routing id to present (the server's de-duplication key together with seq); default random per client. Kept
   * across reconnects, unless the server keeps refusing it (see routingIdWaitMs).
   */
  routingId?: string;
  /**
   * How long the server may keep refusing this client's routing id (every connection ended right after its
   * handshake, at least 3 in a row, no reply: another connection holds the id) before the client continues
   * under a fresh generated id on a new socket and resends every unacknowledged batch (docs/protocol.md,
   * "Routing ids"). Without CURVE any peer can claim an id, so a fixed id cannot be proven and must not let a
   * squatter block the client. Default 10,000 ms: longer than the collector's default heartbeat interval +
   * timeout (2 s + 6 s), within which it frees the id of this client's own previous connection if that one died
   * unseen. 0: keep the id for ever (batches then wait, and expire after deliveryTimeoutMs).
   */
  routingIdWaitMs?: number;
  /** First sequence number (default 1). */
  firstSeq?: bigint;
  /** Latency samples kept for percentiles (default 10000). */
  latencySamples?: number;
  /** How long close() waits for outstanding batches by default (default 5000 ms). */
  closeTimeoutMs?: number;
  /**
   * CurveZMQ (RFC 26): authenticate to a CURVE input and encrypt. Keys in Z85 (40 characters); read them from
   * zcert files with `curveFromFiles` (collector/security/client-curve.ts).
   */
  curve?: CurveClientKeys;
}

/** A CurveZMQ client's keys: its own pair and the server's public key, all Z85. */
export interface CurveClientKeys {
  serverPublicKey: string;
  publicKey: string;
  secretKey: string;
}

export interface ZlogClientStats {
  /** Batches and records sent at least once. */
  sentBatches: number;
  sentRecords: number;
  ackedBatches: number;
  ackedRecords: number;
  /** NACKs received, by reason (retried ones included). */
  nacked: Record<RejectReason | 'unknown', number>;
  /** Batches given up on, by failure reason, and their records. */
  failedBatches: number;
  failedRecords: number;
  /** Transmissions beyond the first of a batch (any cause). */
  retries: number;
  ackTimeouts: number;
  /** Batches resent because the connection was re-established while they waited for an ACK. */
  resentAfterReconnect: number;
  reconnects: number;
  /** ZeroMQ send() failures (e.g. send timeout with no server). */
  sendErrors: number;
  /** Replies for batches already settled (ACKs of duplicates) and replies that did not decode. */
  duplicateReplies: number;
  badReplies: number;
  inFlightBatches: number;
  inFlightRecords: number;
  /** ZMTP security handshakes completed (with CurveZMQ: keys accepted by the server). */
  handshakes: number;
  /** Handshakes that failed, and the last failure: `auth` when the server refused the client (ZAP status 400). */
  handshakeFailures: number;
  lastHandshakeFailure?: { kind: 'auth' | 'protocol' | 'other'; endpoint: string; message: string };
  /**
   * Connections the server ended right after their handshake (within ROUTING_ID_REFUSAL_MS) with batches waiting and
   * no reply on them: what a server does to a client whose routing id another connection holds (docs/protocol.md,
   * "Routing ids"). The client keeps reconnecting and resending; its batches are not lost, and a batch given up on
   * says so in its error.
   */
  refusedConnections: number;
  /**
   * Times the client gave up its routing id after routingIdWaitMs of refusals and continued under a fresh one,
   * and the batches it then resent (they may have been stored already under the old id: duplicates, at most the
   * window of unacknowledged batches per change).
   */
  routingIdChanges: number;
  resentAfterRoutingIdChange: number;
  /** connectAll: addresses connected now, resolutions done and failed, batches resent because a peer went away. */
  peers: number;
  resolves: number;
  resolveErrors: number;
  resentAfterPeerLoss: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may fire-and-forget send(); failures are counted in stats and must not crash the process as an
  // unhandled rejection. Callers that await the promise still see the rejection.
  handled(promise);
  return { promise, resolve, reject };
}

function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

interface OpenBatch extends Deferred {
  records: RecordInput[];
  bytes: number;
  timer: NodeJS.Timeout;
}

interface Batch extends Deferred {
  seq: bigint;
  frames: [Buffer, Buffer];
  records: number;
  attempts: number;
  checksumNacks: number;
  /** performance.now() of the first and the latest transmission; 0 before the first. */
  firstSentAt: number;
  lastSentAt: number;
  /** Waiting in the outbox for the socket. */
  queued: boolean;
  /** Sent and waiting for a reply (the ack timer runs). */
  awaitingAck: boolean;
  timer: NodeJS.Timeout | null;
  done: boolean;
  /** `attempts` when the latest NACK was handled (0: none): a NACK can overtake the send() call it answers. */
  nackedAtAttempt: number;
}

const REASONS: readonly (RejectReason | 'unknown')[] = [...REJECT_REASONS, 'unknown'];
/** A connection ended by the server this soon after its handshake, with no reply on it, counts as refused. */
const ROUTING_ID_REFUSAL_MS = 1000;
/** Refused connections in a row after which a batch given up on names the likely cause. */
const ROUTING_ID_REFUSALS_IN_A_ROW = 3;

/** A random routing id: 64 bits, so that two clients never present the same one by chance. */
function freshRoutingId(): string {
  return `zl-${randomBytes(8).toString('hex')}`;
}

export class ZlogClient {
  /** The current socket; replaced (with a fresh routing id) when the server keeps refusing the id (renewRoutingId). */
  private socket: Dealer;
  private readonly o: Required<Omit<ZlogClientOptions, 'routingId' | 'firstSeq' | 'curve'>>;
  private readonly curve?: CurveClientKeys;
  private id: string;
  private readonly latencyRec: LatencyRecorder;
  private nextSeq: bigint;

  private open: OpenBatch | null = null;
  /** Encoded batches waiting for room in the window (at most 2-3: only a send with room may create one). */
  private readonly sealed: Batch[] = [];
  private readonly window = new Map<bigint, Batch>();
  private readonly outbox: Batch[] = [];
  private pumping = false;
  private receiving = false;
  private waiting = 0;
  /** Settles when the last waiting send has added its record (see sendWhenRoom). */
  private waitChain: Promise<void> = Promise.resolve();
  private space: Deferred | null = null;
  private closing = false;
  private closed = false;
  private disconnectedAt = -1;
  // The current connection: when its handshake completed (-1: none), and whether a reply came on it; and how many
  // connections in a row the server ended that way (see ZlogClientStats.refusedConnections).
  private handshakeAt = -1;
  private repliedSinceHandshake = false;
  private refusedInARow = 0;
  /** performance.now() of the first refusal of the current run of refusals (-1: none). */
  private firstRefusalAt = -1;
  /** Endpoints connected (connect, and connectAll's peers): a socket that replaces the current one connects to each. */
  private readonly endpoints = new Set<string>();
  /** First delivery failure since the last flush(). */
  private failure: DeliveryError | null = null;
  private closePromise: Promise<void> | null = null;
  /** connectAll: endpoints of the resolved addresses connected now, and the re-resolution timer. */
  private readonly peers = new Set<string>();
  private spreading = false;
  private resolveTimer: NodeJS.Timeout | null = null;

  private readonly s: ZlogClientStats;

  constructor(options: ZlogClientOptions = {}) {
    this.o = {
      maxBatchRecords: options.maxBatchRecords ?? 1000,
      maxBatchBytes: options.maxBatchBytes ?? 256 * 1024,
      maxDelayMs: options.maxDelayMs ?? 5,
      compression: options.compression ?? 'auto',
      autoCompressThreshold: options.autoCompressThreshold ?? AUTO_COMPRESS_THRESHOLD,
      maxInFlightBatches: options.maxInFlightBatches ?? 32,
      ackTimeoutMs: options.ackTimeoutMs ?? 5000,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 60_000,
      retryInitialDelayMs: options.retryInitialDelayMs ?? 50,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 5000,
      checksumRetries: options.checksumRetries ?? 3,
      noAck: options.noAck ?? false,
      sendTimeoutMs: options.sendTimeoutMs ?? 1000,
      latencySamples: options.latencySamples ?? 10_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 5000,
      routingIdWaitMs: options.routingIdWaitMs ?? 10_000,
    };
    for (const key of ['maxBatchRecords', 'maxBatchBytes', 'maxInFlightBatches', 'ackTimeoutMs', 'sendTimeoutMs'] as const) {
      const v = this.o[key];
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`ZlogClient option ${key} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(this.o.routingIdWaitMs) || this.o.routingIdWaitMs < 0) {
      throw new RangeError(`ZlogClient option routingIdWaitMs must be a non-negative integer, got ${this.o.routingIdWaitMs}`);
    }
    this.nextSeq = options.firstSeq ?? 1n;
    this.latencyRec = new LatencyRecorder(this.o.latencySamples);
    this.s = {
      sentBatches: 0, sentRecords: 0, ackedBatches: 0, ackedRecords: 0,
      nacked: Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<RejectReason | 'unknown', number>,
      failedBatches: 0, failedRecords: 0, retries: 0, ackTimeouts: 0, resentAfterReconnect: 0, reconnects: 0,
      sendErrors: 0, duplicateReplies: 0, badReplies: 0, inFlightBatches: 0, inFlightRecords: 0,
      handshakes: 0, handshakeFailures: 0, refusedConnections: 0, routingIdChanges: 0, resentAfterRoutingIdChange: 0,
      peers: 0, resolves: 0, resolveErrors: 0, resentAfterPeerLoss: 0,
    };
    this.curve = options.curve;
    this.id = options.routingId ?? freshRoutingId();
    this.socket = this.newSocket(this.id);
  }

  /** The routing id this client presents now (options.routingId or a random one; a fresh one after renewRoutingId). */
  get routingId(): string {
    return this.id;
  }

  /** A DEALER presenting `routingId`, its events counted while it is the current socket. */
  private newSocket(routingId: string): Dealer {
    const curve = this.curve;
    const socket = new Dealer({
      routingId,
      sendTimeout: this.o.sendTimeoutMs,
      // close() has already waited for what it was going to wait for; anything still queued is reported failed.
      linger: 0,
      reconnectInterval: 100,
      reconnectMaxInterval: 5000,
      ...(curve ? { curveServerKey: curve.serverPublicKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey } : {}),
    });
    // A replaced socket's last events (its close) are not this client's any more.
    const current = () => socket === this.socket && !this.closed;
    socket.events.on('disconnect', () => {
      if (!current()) return;
      this.disconnectedAt = performance.now();
      if (this.handshakeAt >= 0 && !this.repliedSinceHandshake && this.window.size > 0 && this.disconnectedAt - this.handshakeAt < ROUTING_ID_REFUSAL_MS) {
        this.s.refusedConnections++;
        if (this.refusedInARow++ === 0) this.firstRefusalAt = this.disconnectedAt;
        const wait = this.o.routingIdWaitMs;
        if (wait > 0 && this.refusedInARow >= ROUTING_ID_REFUSALS_IN_A_ROW && this.disconnectedAt - this.firstRefusalAt >= wait) {
          // Not from inside the socket's own event: the socket is closed there.
          setImmediate(() => {
            if (current()) this.renewRoutingId();
          });
        }
      }
      this.handshakeAt = -1;
      // Spread over several peers: what the lost one had not acknowledged goes to the others now (the pipe of
      // a disconnected peer takes no turns with ZMQ_IMMEDIATE), instead of waiting for it to come back.
      if (this.spreading && this.peers.size > 1) this.resendSentBefore(this.disconnectedAt);
    });
    socket.events.on('handshake', () => {
      if (!current()) return;
      this.s.handshakes++;
      this.handshakeAt = performance.now();
      this.repliedSinceHandshake = false;
      this.onConnected();
    });
    // A refused CurveZMQ client otherwise only sees its batches time out; these events say why.
    const failed = (kind: 'auth' | 'protocol' | 'other') => (e: { address: string; error: Error }) => {
      if (!current()) return;
      this.s.handshakeFailures++;
      this.s.lastHandshakeFailure = { kind, endpoint: e.address, message: e.error.message };
    };
    socket.events.on('handshake:error:auth', failed('auth'));
    socket.events.on('handshake:error:protocol', failed('protocol'));
    socket.events.on('handshake:error:other', failed('other'));
    return socket;
  }

  /**
   * The server has refused this client's routing id for routingIdWaitMs (another connection holds it; without
   * CURVE nothing proves whose it is): continue under a fresh random id on a new socket, connected to the same
   * endpoints, and resend every batch not yet acknowledged. One the server stored under the old id and whose ACK
   * was lost is stored again (at most the window); nothing acknowledged is lost.
   */
  private renewRoutingId(): void {
    const old = this.socket;
    this.id = freshRoutingId();
    this.socket = this.newSocket(this.id);
    if (this.spreading) this.socket.immediate = true;
    for (const e of this.endpoints) this.socket.connect(e);
    old.close();
    this.s.routingIdChanges++;
    this.refusedInARow = 0;
    this.firstRefusalAt = -1;
    this.handshakeAt = -1;
    this.disconnectedAt = -1;
    void this.receiveLoop(this.socket);
    for (const b of this.window.values()) {
      if (b.done || b.queued) continue;
      this.s.resentAfterRoutingIdChange++;
      this.transmit(b);
    }
  }

  /** Connects to a server endpoint (e.g. tcp://zlog.logging.svc:5557). May be called for several endpoints. */
  connect(endpoint: string): void {
    if (this.closing) throw new Error('ZlogClient is closed');
    this.socket.connect(endpoint);
    this.endpoints.add(endpoint);
    if (!this.receiving) {
      this.receiving = true;
      void this.receiveLoop(this.socket);
    }
  }

  /**
   * Connects to every address `tcp://NAME:PORT` resolves to (a headless Service: one per ready pod) and resolves
   * again every `resolveIntervalMs`: new addresses are connected, addresses gone from the answer are
   * disconnected and the batches they may have held are resent to the others. ZeroMQ spreads batches over the
   * connections round-robin. Resolves after the first resolution; rejects (connecting nothing) when it fails
   * or finds no address. A later failed or empty resolution keeps the current peers (counted in stats).
   */
  async connectAll(endpoint: string, opts: SpreadOptions = {}): Promise<void> {
    if (this.closing) throw new Error('ZlogClient is closed');
    if (this.spreading) throw new Error('ZlogClient.connectAll may be called once');
    const { host, port } = parseTcpEndpoint(endpoint);
    const resolve = opts.resolve ?? lookupAll;
    const interval = opts.resolveIntervalMs ?? 10_000;
    const max = opts.maxPeers ?? 256;
    if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`connectAll resolveIntervalMs must be a positive integer, got ${interval}`);
    const first = await resolve(host);
    if (first.length === 0) throw new Error(`connectAll: ${host} resolved to no address`);
    this.spreading = true;
    // A peer whose connection is not up takes no turns: batches go only to connected pods.
    this.socket.immediate = true;
    this.s.resolves++;
    this.applyPeers(first.map((a) => addressEndpoint(a, port)), max);
    const again = async () => {
      this.resolveTimer = null;
      if (this.closing) return;
      try {
        const next = await resolve(host);
        this.s.resolves++;
        if (next.length === 0) this.s.resolveErrors++;
        else if (!this.closing) this.applyPeers(next.map((a) => addressEndpoint(a, port)), max);
      } catch {
        this.s.resolveErrors++;
      }
      if (!this.closing) this.resolveTimer = setTimeout(() => void again(), interval);
    };
    this.resolveTimer = setTimeout(() => void again(), interval);
  }

  /** Endpoints connected by connectAll now. */
  get connectedPeers(): string[] {
    return [...this.peers];
  }

  private applyPeers(endpoints: string[], max: number): void {
    const { add, remove } = peerDiff(this.peers, endpoints, max);
    for (const e of add) {
      this.peers.add(e);
      this.connect(e);
    }
    for (const e of remove) {
      this.peers.delete(e);
      this.endpoints.delete(e);
      try {
        this.socket.disconnect(e);
      } catch {
        // Already gone (never connected): nothing to undo.
      }
    }
    this.s.peers = this.peers.size;
    // Messages queued on a dropped peer's pipe are gone with it; unacknowledged batches go to the others.
    if (remove.length > 0) this.resendSentBefore(performance.now());
  }

  /** Resends every batch awaiting an ACK that was last sent before `t` (a peer that may have held it is gone). */
  private resendSentBefore(t: number): void {
    for (const b of this.window.values()) {
      if (b.awaitingAck && b.lastSentAt <= t) {
        this.s.resentAfterPeerLoss++;
        this.transmit(b);
      }
    }
  }

  /** True when send() would not have to wait for the window. */
  get writable(): boolean {
    return this.sealed.length === 0 && this.waiting === 0 && !this.closing;
  }

  /** Resolves when the window has room again (for producers that do not await each send). */
  async whenWritable(): Promise<void> {
    while (this.sealed.length > 0 && !this.closing) await this.spaceFreed();
  }

  /**
   * Queues one record. The promise resolves when the batch holding it is acknowledged (or sent, with noAck) and
   * rejects with a DeliveryError naming the reason when the batch cannot be delivered.
   */
  send(record: RecordInput): Promise<void> {
    if (typeof record !== 'string' && !(record instanceof Uint8Array)) {
      // Checked here, not when the batch is encoded, so one bad record cannot fail the records batched with it.
      return handled(Promise.reject(new TypeError(`ZlogClient.send takes a string or Uint8Array, got ${typeof record}`)));
    }
    if (this.closing) return handled(Promise.reject(new DeliveryError('closed', -1n, 1, 'client is closing')));
    if (this.sealed.length > 0 || this.waiting > 0) return handled(this.sendWhenRoom(record));
    return this.add(record);
  }

  /**
   * Sends what is batched now and waits for every batch so far. Rejects with the first DeliveryError since the
   * previous flush (so producers that do not await each send still learn about failures), then forgets it.
   */
  async flush(): Promise<void> {
    this.seal();
    await Promise.allSettled([...this.sealed, ...this.window.values()].map((b) => b.promise));
    const failure = this.failure;
    this.failure = null;
    if (failure !== null) throw failure;
  }

  /**
   * Stops accepting records, waits up to `timeoutMs` for outstanding batches, fails the rest with reason
   * 'closed' and closes the socket.
   */
  close(timeoutMs: number = this.o.closeTimeoutMs): Promise<void> {
    this.closePromise ??= this.doClose(timeoutMs);
    return this.closePromise;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.resolveTimer !== null) clearTimeout(this.resolveTimer);
    this.resolveTimer = null;
    this.space?.resolve();
    this.seal();
    let timer: NodeJS.Timeout | undefined;
    const drained = Promise.allSettled([...this.sealed, ...this.window.values()].map((b) => b.promise));
    await Promise.race([drained, new Promise<void>((res) => (timer = setTimeout(res, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    for (const b of [...this.sealed, ...this.window.values()]) {
      this.settle(b, new DeliveryError('closed', b.seq, b.records, 'client closed before the batch was acknowledged'));
    }
    this.sealed.length = 0;
    this.outbox.length = 0;
    this.socket.close();
  }

  get stats(): ZlogClientStats {
    let records = 0;
    for (const b of this.window.values()) records += b.records;
    return { ...this.s, nacked: { ...this.s.nacked }, ...(this.s.lastHandshakeFailure ? { lastHandshakeFailure: { ...this.s.lastHandshakeFailure } } : {}), inFlightBatches: this.window.size, inFlightRecords: records, peers: this.peers.size };
  }

  /** Send-to-ACK latency per batch (from its first transmission), over the most recent batches. */
  latency(): LatencySummary {
    return this.latencyRec.summary();
  }

  // ---- batching ----

  /**
   * A send that must wait for the window. Waiters form a chain: each waits for the one before it to have added its
   * record, and only the chain's head waits for room, so records keep their send() order and each ACK wakes one
   * waiter, not all of them (with every waiter on the room signal, n unawaited sends cost n wake-ups per ACK: 80,000
   * of them starved a producer's process until its batches expired).
   */
  private async sendWhenRoom(record: RecordInput): Promise<void> {
    this.waiting++;
    const before = this.waitChain;
    let done!: () => void;
    this.waitChain = new Promise<void>((resolve) => (done = resolve));
    try {
      await before;
      while (this.sealed.length > 0 && !this.closing) await this.spaceFreed();
      if (this.closing) throw new DeliveryError('closed', -1n, 1, 'client is closing');
      return this.add(record);
    } finally {
      this.waiting--;
      done();
    }
  }

  private spaceFreed(): Promise<void> {
    this.space ??= deferred();
    return this.space.promise;
  }

  private add(record: RecordInput): Promise<void> {
    const len = 4 + (typeof record === 'string' ? Buffer.byteLength(record, 'utf8') : record.length);
    if (this.open !== null && this.open.bytes + len > this.o.maxBatchBytes) this.seal();
    if (this.open === null) {
      const d = deferred();
      const timer = setTimeout(() => this.seal(), this.o.maxDelayMs);
      this.open = { ...d, records: [], bytes: 0, timer };
    }
    const open = this.open;
    open.records.push(record);
    open.bytes += len;
    if (open.records.length >= this.o.maxBatchRecords || open.bytes >= this.o.maxBatchBytes) this.seal();
    return open.promise;
  }

  private seal(): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    clearTimeout(open.timer);
    if (open.records.length === 0) return;
    const seq = this.nextSeq++;
    let frames: [Buffer, Buffer];
    try {
      frames = encodeMessage(seq, open.records, {
        compression: this.o.compression,
        autoThreshold: this.o.autoCompressThreshold,
        noAck: this.o.noAck,
      });
    } catch (err) {
      open.reject(new DeliveryError('malformed', seq, open.records.length, `cannot encode: ${String(err)}`));
      return;
    }
    const batch: Batch = {
      promise: open.promise, resolve: open.resolve, reject: open.reject,
      seq, frames, records: open.records.length, attempts: 0, checksumNacks: 0, firstSentAt: 0, lastSentAt: 0,
      queued: false, awaitingAck: false, timer: null, done: false, nackedAtAttempt: 0,
    };
    this.sealed.push(batch);
    this.admit();
  }

  /** Moves sealed batches into the window while it has room, and wakes waiting senders when none are left. */
  private admit(): void {
    while (this.sealed.length > 0 && this.window.size < this.o.maxInFlightBatches && !this.closed) {
      const b = this.sealed.shift()!;
      this.window.set(b.seq, b);
      this.transmit(b);
    }
    if (this.sealed.length === 0 && this.space !== null) {
      const s = this.space;
      this.space = null;
      s.resolve();
    }
  }

  // ---- transmission (one send() in flight on the socket, as zeromq.js requires) ----

  private transmit(b: Batch): void {
    if (b.queued || b.done || this.closed) return;
    this.clearTimer(b);
    b.queued = true;
    this.outbox.push(b);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.outbox.length > 0 && !this.closed) {
        const b = this.outbox.shift()!;
        b.queued = false;
        if (b.done) continue;
        const now = performance.now();
        if (b.attempts === 0) {
          b.firstSentAt = now;
          this.s.sentBatches++;
          this.s.sentRecords += b.records;
        } else {
          this.s.retries++;
        }
        const attempt = ++b.attempts;
        b.lastSentAt = now;
        const socket = this.socket;
        try {
          await socket.send(b.frames);
        } catch (err) {
          if (this.closed) break;
          // The socket was replaced meanwhile (renewRoutingId): the batch is queued again for the new one.
          if (socket !== this.socket) continue;
          this.s.sendErrors++;
          this.retryLater(b, `send failed: ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
        if (b.done || socket !== this.socket) continue;
        if (this.o.noAck) {
          this.settle(b, null);
        } else {
          // The reply can come before send() resolves: a NACK handled since this copy went out armed the backoff
          // timer that resends it. Arming the ack timer over it left the batch waiting for the ack timeout
          // (seen: 2 of 40 batches NACKed busy while a disk was full, stuck until ackTimeoutMs).
          if (b.nackedAtAttempt === attempt) continue;
          // A NACK for an earlier copy may have armed a backoff timer meanwhile; this copy's reply supersedes it.
          this.clearTimer(b);
          b.awaitingAck = true;
          b.timer = setTimeout(() => this.onAckTimeout(b), this.o.ackTimeoutMs);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private clearTimer(b: Batch): void {
    if (b.timer !== null) clearTimeout(b.timer);
    b.timer = null;
    b.awaitingAck = false;
  }

  private expired(b: Batch): boolean {
    return this.o.deliveryTimeoutMs > 0 && performance.now() - b.firstSentAt >= this.o.deliveryTimeoutMs;
  }

  private onAckTimeout(b: Batch): void {
    b.timer = null;
    b.awaitingAck = false;
    if (b.done) return;
    this.s.ackTimeouts++;
    if (this.expired(b)) {
      this.settle(b, new DeliveryError('timeout', b.seq, b.records, `no reply after ${b.attempts} attempts${this.refusalHint()}`));
    } else {
      this.transmit(b);
    }
  }

  /** Why no reply may have come: the server ending every connection at once (its routing id held elsewhere). */
  private refusalHint(): string {
    if (this.refusedInARow < ROUTING_ID_REFUSALS_IN_A_ROW) return '';
    return `; the server ended the last ${this.refusedInARow} connections right after their handshake without a reply: routing id '${this.routingId}' is probably held by another connection (docs/protocol.md, "Routing ids")`;
  }

  private retryLater(b: Batch, why: string): void {
    // Already queued for the socket: that transmission is the retry.
    if (b.queued) return;
    this.clearTimer(b);
    if (this.expired(b)) {
      this.settle(b, new DeliveryError('timeout', b.seq, b.records, `gave up after ${b.attempts} attempts; last: ${why}${this.refusalHint()}`));
      return;
    }
    const delay = backoffDelay(b.attempts, { initialDelayMs: this.o.retryInitialDelayMs, maxDelayMs: this.o.retryMaxDelayMs });
    b.timer = setTimeout(() => {
      b.timer = null;
      this.transmit(b);
    }, delay);
  }

  private settle(b: Batch, err: DeliveryError | null): void {
    if (b.done) return;
    b.done = true;
    this.clearTimer(b);
    this.window.delete(b.seq);
    if (err === null) {
      this.s.ackedBatches++;
      this.s.ackedRecords += b.records;
      b.resolve();
    } else {
      this.s.failedBatches++;
      this.s.failedRecords += b.records;
      this.failure ??= err;
      b.reject(err);
    }
    this.admit();
  }

  // ---- replies and connection events ----

  private async receiveLoop(socket: Dealer): Promise<void> {
    try {
      for (;;) {
        const [frame] = await socket.receive();
        if (socket !== this.socket) return;
        if (frame !== undefined) this.onReply(frame);
      }
    } catch (err) {
      // Closed by close(), or replaced by renewRoutingId (whose new socket has a loop of its own).
      if (this.closed || socket !== this.socket) return;
      // The socket failed under us: nothing more can be acknowledged, so fail what is outstanding.
      this.closing = true;
      this.closed = true;
      const detail = `receive failed: ${err instanceof Error ? err.message : String(err)}`;
      for (const b of [...this.sealed, ...this.window.values()]) this.settle(b, new DeliveryError('closed', b.seq, b.records, detail));
      this.sealed.length = 0;
    }
  }

  private onReply(frame: Buffer): void {
    this.repliedSinceHandshake = true;
    this.refusedInARow = 0;
    this.firstRefusalAt = -1;
    let reply;
    try {
      reply = decodeReply(frame);
    } catch {
      this.s.badReplies++;
      return;
    }
    const b = this.window.get(reply.seq);
    if (b === undefined || b.done) {
      this.s.duplicateReplies++;
      return;
    }
    if (reply.type === 'ack') {
      this.latencyRec.record(performance.now() - b.firstSentAt);
      this.settle(b, null);
      return;
    }
    this.s.nacked[reply.reason ?? 'unknown']++;
    b.nackedAtAttempt = b.attempts;
    const detail = reply.detail;
    switch (reply.reason) {
      case 'busy':
      case 'draining':
        // The server is alive but cannot take the batch now; a draining server closes soon and the socket
        // reconnects (through a Kubernetes Service, usually to another pod).
        this.retryLater(b, `NACK ${reply.reason}: ${detail}`);
        return;
      case 'checksum':
        // Corruption in transit is not expected to repeat; a batch that keeps failing is corrupt at the source.
        if (++b.checksumNacks <= this.o.checksumRetries) this.retryLater(b, `NACK checksum: ${detail}`);
        else this.settle(b, new DeliveryError('checksum', b.seq, b.records, detail));
        return;
      case undefined:
        this.settle(b, new DeliveryError('unknown', b.seq, b.records, `reason code ${reply.code}: ${detail}`));
        return;
      default:
        this.settle(b, new DeliveryError(reply.reason, b.seq, b.records, detail));
    }
  }

  /**
   * A (re)established connection: batches sent before the last disconnect may have died with the old connection,
   * so resend those still waiting for an ACK instead of waiting for their ack timeout. Batches sent after it sit
   * in ZeroMQ's queue and go out on the new connection by themselves.
   */
  private onConnected(): void {
    if (this.disconnectedAt < 0 || this.closed) return;
    const cutoff = this.disconnectedAt;
    this.disconnectedAt = -1;
    this.s.reconnects++;
    for (const b of this.window.values()) {
      if (b.awaitingAck && b.lastSentAt <= cutoff) {
        // Reconnects can come faster than the ack timeout (a server refusing the routing id ends every
        // connection at once), so the delivery timeout is checked here too.
        if (this.expired(b)) {
          this.settle(b, new DeliveryError('timeout', b.seq, b.records, `no reply after ${b.attempts} attempts${this.refusalHint()}`));
          continue;
        }
        this.s.resentAfterReconnect++;
        this.transmit(b);
      }
    }
  }
}
