// The native receive path (native/src/receiver.cc): a libzmq PULL, SUB or ROUTER socket drained by a thread of its own,
// which packs whole messages into chunk buffers lent by JavaScript (the layout of pipeline/chunk.ts) and
// hands back each filled buffer in one call. Loaded with node-gyp-build from `native/` (a prebuild, or the
// build `make native` leaves in native/build); when it is missing, inputs fall back to zeromq.js.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ConnectionCounts } from '../../health/socket-events.js';

/** Options of one native receiver. Sizes in bytes. */
export interface NativeReceiverOptions {
  /** 'router': the native protocol (zmq-router); routing ids are the messages' first frames, replies go through send(). */
  type: 'pull' | 'sub' | 'router';
  /** SUB only: topic prefixes (ZMQ_SUBSCRIBE); [''] takes everything. */
  subscribe?: readonly string[];
  /** Index of the input in the worker's input table (chunk message header byte 1). */
  inputIndex: number;
  /** ZMQ_RCVHWM, in messages. */
  receiveHighWaterMark: number;
  /** ZMQ_MAXMSGSIZE: libzmq drops the connection of a peer that sends a bigger frame. */
  maxFrameBytes: number;
  /**
   * A whole message (all frames) above this is counted in stats().oversize and dropped (ROUTER: the frames after
   * the routing id; what was received of its routing id and header is still delivered, flagged FLAG_OVERSIZE).
   */
  maxMessageBytes: number;
  /** ROUTER: replies queued for the thread at most; send() refuses more. Default 100000. */
  maxReplies?: number;
  /**
   * ROUTER, `ackMode: received`: the thread acknowledges an uncompressed batch itself once it holds it, when the
   * batch passes every check of the input (these are its limits) and the budget of grantAcks() covers it
   * (native/src/receiver.cc AckAtReceipt). Absent: every reply comes from send().
   */
  ackAtReceipt?: { maxMessageBytes: number; maxBatchRecords: number; maxDecompressedBytes: number };
  /**
   * ROUTER: ZMTP heartbeats (RFC 37 PING/PONG; ZMQ_HEARTBEAT_IVL, and ZMQ_HEARTBEAT_TIMEOUT and _TTL both set to
   * the timeout), in ms: a connection whose peer answers nothing for the timeout after a PING is ended, which frees
   * its routing id. 0 or absent: none.
   */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /**
   * Per-message limits of zlog's patched libzmq (ZLOG_ZMQ_MAXMSGBYTES, ZLOG_ZMQ_MAXMSGPARTS; scripts/build-libzmq.sh):
   * libzmq drops the connection of a peer whose message, all frames summed, exceeds this many bytes or frames
   * while it is still arriving (stats().messageTooLarge, tooManyFrames), so no message is held whole above them.
   * Defaults: maxFrameBytes, and no frame limit.
   */
  maxHeldMessageBytes?: number;
  maxHeldMessageFrames?: number;
  /**
   * CurveZMQ server (RFC 26) with the addon's own ZAP handler (RFC 27, native/src/zap.h), which answers from the
   * keys given to setClientKeys (none until then). Every message then carries its sender's key name.
   */
  curve?: { serverSecretKey: string; zapDomain: string };
  /** Most connections at once: one more is shut down when accepted (stats().refusedConnections). 0: no limit. */
  maxConnections?: number;
  /** A message that becomes more records than this (frames, or lines with framing 'lines') is dropped the same way. Default: no limit. */
  maxMessageRecords?: number;
  /** 'lines': a frame's records are its lines (counted in the thread); otherwise one record per frame. */
  framing?: string;
}

/** ZAP outcomes of a CURVE receiver: counters since start, and the refusals kept since the last authStats(). */
export interface NativeAuthStats {
  accepted: number;
  /** By reason: unknown_key, mechanism, unknown_domain, malformed_request. */
  refused: Record<string, number>;
  /** Messages dropped because their connection's key was removed after it authenticated. */
  revokedMessages: number;
  /** Connections ended because their key was removed (at the key change, or at the first message of one that had sent none). */
  revokedConnections: number;
  /** Whether libzmq took ZMQ_ZAP_ENFORCE_DOMAIN (a draft option). */
  zapEnforceDomain: boolean;
  /** At most 64 between two calls; the rest are only counted. key: the 32-byte public key, when there was one. */
  refusals: { reason: string; key?: Buffer; address: string }[];
}

/**
 * Called on the main thread for every delivery. `buffer` is a lent buffer (the very object lent: an ArrayBuffer
 * or a Uint8Array over a SharedArrayBuffer) filled to `length`, or a new ArrayBuffer for a message bigger than
 * any lent buffer (then `spent` is the lent buffer it used up, unfilled), or null for an empty final delivery. It
 * holds `messages` messages of `records` records at most (frames, or lines with framing 'lines') and `bytes`
 * payload bytes in all. `drained` marks the last delivery after stopAccepting(): the socket is closed by then.
 */
export type OnChunk = (buffer: LendableBuffer | null, length: number, messages: number, records: number, bytes: number, drained: boolean, spent?: LendableBuffer) => void;

/** What the receive thread can fill: an ArrayBuffer, or a Uint8Array (the form a SharedArrayBuffer is lent in). */
export type LendableBuffer = ArrayBuffer | Uint8Array;

/** The form in which the addon takes `buffer` (Node-API reaches a SharedArrayBuffer's memory only through a view). */
export function lendable(buffer: ArrayBufferLike): LendableBuffer {
  return buffer instanceof ArrayBuffer ? buffer : new Uint8Array(buffer);
}

/** The buffer of what lendable() made. */
export function unlent(b: LendableBuffer): ArrayBufferLike {
  return b instanceof ArrayBuffer ? b : b.buffer;
}

export interface NativeReceiverStats {
  messages: number;
  bytes: number;
  /** Messages dropped for exceeding maxMessageBytes or maxMessageRecords. */
  oversize: number;
  /** Times the thread had a message and no lent buffer to put it in (back-pressure from the pipeline). */
  waitsForBuffer: number;
  /** libzmq socket monitor events, cumulative: peers accepted (bind) or connected to (connect), peers gone, failed handshakes. */
  accepted: number;
  connected: number;
  disconnected: number;
  handshakeFailed: number;
  refusedConnections: number;
  /**
   * Connections libzmq dropped while their peer was still connected, after the handshake, for bytes that are not
   * ZMTP. libzmq's monitor reports these as a plain disconnect; the addon tells them apart by peeking at its own
   * copy of the descriptor (WatchConnection). Drops over a size limit are not in here: they are counted once,
   * in frameTooLarge, messageTooLarge or tooManyFrames.
   * Absent from an addon built before this count existed.
   */
  protocolDrops?: number;
  /**
   * After close() cut a drain short (stopAccepting() without its drained delivery): messages that were still in
   * libzmq's queue (read and discarded to count them, at most 1,000,000) and bytes still in the kernel's receive
   * buffers of the connections. 0 otherwise.
   */
  unreadMessages?: number;
  unreadBytes?: number;
  /** ROUTER only: replies queued and not yet handed to libzmq; sent; dropped for a peer that is gone; dropped for a full peer pipe. */
  repliesPending?: number;
  repliesSent?: number;
  repliesUnroutable?: number;
  repliesBlocked?: number;
  /** ROUTER only: replies dropped because the connection of the message they answer had ended (send's `connection`). */
  repliesToEndedConnections?: number;
  /** ROUTER with ackAtReceipt: batches the thread acknowledged itself (their replies are counted in repliesSent too). */
  threadAcks?: number;
  /** Connections libzmq ended for a frame above maxFrameBytes, a message above maxHeldMessageBytes, or one of more frames than maxHeldMessageFrames. */
  frameTooLarge: number;
  messageTooLarge: number;
  tooManyFrames: number;
  /**
   * ROUTER only: connections ended for presenting a routing id another connection held (zlog's libzmq patch,
   * ZLOG_ZMQ_ROUTER_REFUSE_DUPLICATE), when the holder authenticated with the same CURVE key (or neither used
   * CURVE), and with another key.
   */
  routingIdInUse?: number;
  routingIdOtherKey?: number;
}

/** A native receiver's connection events in the shape the health sources and metrics read (health/socket-events.ts). */
export function connectionCountsOf(s: NativeReceiverStats): ConnectionCounts {
  return {
    accepted: s.accepted,
    connected: s.connected,
    disconnected: s.disconnected,
    handshake_failed: s.handshakeFailed,
    refused: s.refusedConnections,
    protocol_error: s.protocolDrops ?? 0,
    frame_too_large: s.frameTooLarge,
    message_too_large: s.messageTooLarge,
    too_many_frames: s.tooManyFrames,
    routing_id_in_use: s.routingIdInUse ?? 0,
    routing_id_other_key: s.routingIdOtherKey ?? 0,
  };
}

export interface NativeReceiver {
  /** Binds (before start()); returns the endpoint actually bound (wildcard ports resolved). Throws on failure. */
  bind(endpoint: string): string;
  connect(endpoint: string): void;
  start(): void;
  /** Lends a buffer to fill up to `fillBytes` (default: all of it); untouchable until it comes back via OnChunk. */
  lend(buffer: LendableBuffer, fillBytes?: number): void;
  /**
   * Gives back the lent buffers the thread has not started to fill, all but `keep` of them (the objects lent,
   * oldest first): for an idle input. The one it is filling, if any, stays with it.
   */
  reclaim(keep: number): LendableBuffer[];
  /** Stops reading (the socket's queue, then the peers' high-water marks, hold what comes next). */
  pause(): void;
  resume(): void;
  /**
   * Starts the drain: with `stopPeers`, shuts the write side of every accepted connection (its libzmq peer closes
   * and keeps what it had not sent) and cancels a SUB's subscriptions; reads until those peers have closed and
   * the socket was quiet for quietMs, closes the socket, then delivers drained.
   */
  stopAccepting(quietMs: number, stopPeers: boolean): void;
  /** Stops the thread and closes everything at once (joins the thread: at most ~100 ms). */
  close(): void;
  stats(): NativeReceiverStats;
  /**
   * Bytes libzmq reads from a connection per read(2) (zlog's ZLOG_ZMQ_IN_BATCH_SIZE, native/libzmq/
   * zlog-tcp-read-batch.patch): PULL/SUB maxMessageBytes capped at 64 KiB, and libzmq's 8 KiB when that is
   * smaller or for ROUTER.
   */
  readBatchBytes(): number;
  /** CURVE receivers: the allowed keys as [hex (64 characters), name] pairs; replaces the previous set at once. */
  setClientKeys(keys: [string, string][]): void;
  /** CURVE receivers: see NativeAuthStats; null without curve. */
  authStats(): NativeAuthStats | null;
  /**
   * ROUTER: queues one reply (routing id first) for the receive thread, which owns the socket and sends it with
   * ZMQ_DONTWAIT. With `connection` (the `connection` of the delivered message it answers, chunk.ts
   * FLAG_CONNECTION) it goes only to that connection: if it has ended, the reply is dropped and counted in
   * stats().repliesToEndedConnections, whoever holds the routing id now. False when maxReplies are already
   * waiting: the reply is dropped.
   */
  send(frames: readonly Uint8Array[], connection?: number): boolean;
  /**
   * ROUTER: the routing-id refusals since the last call (at most 64; all are counted in stats()), each with the
   * refused connection's CURVE key name ('' without CURVE).
   */
  takeRoutingIdRefusals(): { reason: 'routing_id_in_use' | 'routing_id_other_key'; user: string }[];
  /** ROUTER with ackAtReceipt: adds to the budget of records and bytes (header + payload) the thread may acknowledge. */
  grantAcks(records: number, bytes: number): void;
  /** ROUTER with ackAtReceipt: empties that budget and returns what was left, [records, bytes]. */
  revokeAcks(): [number, number];
}

export interface NativeReceiveAddon {
  Receiver: new (options: NativeReceiverOptions, onChunk: OnChunk) => NativeReceiver;
  /** The libzmq linked into the addon (scripts/build-libzmq.sh: Debian 4.3.4-6 source plus zlog's patch). */
  libzmqVersion: string;
  curve: boolean;
  /** CRC-32 (zlib's: reflected 0xEDB88320) of the bytes, as the ROUTER receive thread checks payloads (native/src/crc32.h). */
  crc32(bytes: Uint8Array): number;
}

let loaded: NativeReceiveAddon | Error | undefined;

/** The addon, or the Error that says why it could not be loaded (not built, libsodium23 missing). Cached. */
export function loadNativeReceive(): NativeReceiveAddon | Error {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeReceiveAddon;
    // dist/collector/inputs/zmq/ -> repository (or image) root -> native/
    loaded = nodeGypBuild(fileURLToPath(new URL('../../../../native', import.meta.url)));
  } catch (err) {
    loaded = err instanceof Error ? err : new Error(String(err));
  }
  return loaded;
}
