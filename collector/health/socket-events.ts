// Connection health at the edge: listens to a ZeroMQ socket's monitor (zeromq.js `socket.events`, libzmq's
// zmq_socket_monitor) and keeps the peer count and event counts the `connections:<input>` check reports.
import type * as zmq from 'zeromq';
import type { Metrics } from '../observability/metrics.js';
import type { InputReading } from './types.js';

/** Monitor event -> the name counted (`zlog_input_socket_events_total{event}`) and its effect on the peer count. */
const EVENTS: [zmq.EventType, string, number][] = [
  ['accept', 'accepted', 1],
  ['connect', 'connected', 1],
  ['disconnect', 'disconnected', -1],
  ['handshake:error:protocol', 'handshake_failed', 0],
  ['handshake:error:auth', 'handshake_failed', 0],
  ['handshake:error:other', 'handshake_failed', 0],
];

/** Cumulative connection events of one socket, by the names counted in `zlog_input_socket_events_total`. */
export interface ConnectionCounts {
  accepted: number;
  connected: number;
  disconnected: number;
  handshake_failed: number;
  /** Connections closed at once for exceeding the input's maxConnections (native receive path only). */
  refused?: number;
  /**
   * Connections libzmq dropped while the peer was still connected (native receive path only) for bytes that are
   * not ZMTP. Upstream libzmq's monitor has no event of its own for this (a plain `disconnected`); see
   * WatchConnection in native/src/receiver.cc.
   */
  protocol_error?: number;
  /**
   * Connections libzmq ended over a size limit, by limit (each counted here only, not also as protocol_error) (native receive path only, named by the patched
   * libzmq's monitor): a frame above the per-frame limit, a message whose frames sum above the per-message limit,
   * or one of more frames than allowed (collector/inputs/zmq/socket.ts, socketMaxMessageSize and
   * socketMaxMessageFrames).
   */
  frame_too_large?: number;
  message_too_large?: number;
  too_many_frames?: number;
  /**
   * zmq-router on the native receive path: connections ended for presenting a routing id another connection
   * held, by whether that holder had the same CURVE key (or neither used CURVE) or another one
   * (docs/protocol.md, "Routing ids").
   */
  routing_id_in_use?: number;
  routing_id_other_key?: number;
}

/** What the health sources read per input: its peers now and its cumulative connection events. */
export interface ConnectionWatch {
  reading(): InputReading;
}

export class SocketWatch implements ConnectionWatch {
  private peers = 0;
  private readonly events: Record<string, number> = { accepted: 0, connected: 0, disconnected: 0, handshake_failed: 0 };

  constructor(
    readonly id: string,
    socket: zmq.Socket,
    metrics: Metrics,
  ) {
    const gauge = metrics.inputConnections.labels(id);
    gauge.set(0);
    for (const [type, name, delta] of EVENTS) {
      const counter = metrics.socketEvents.labels(id, name);
      socket.events.on(type, () => {
        this.events[name]++;
        counter.inc();
        this.peers = Math.max(0, this.peers + delta);
        gauge.set(this.peers);
      });
    }
  }

  reading(): InputReading {
    return { id: this.id, peers: this.peers, events: { ...this.events } };
  }
}

/**
 * The same reading for a socket that is not a zeromq.js one (the native receive path, whose libzmq monitor is
 * read by the addon's thread): its cumulative counts are polled at each reading and the metrics advanced by
 * the difference.
 */
export class PolledConnectionWatch implements ConnectionWatch {
  private readonly seen: Required<ConnectionCounts> = {
    accepted: 0,
    connected: 0,
    disconnected: 0,
    handshake_failed: 0,
    refused: 0,
    protocol_error: 0,
    frame_too_large: 0,
    message_too_large: 0,
    too_many_frames: 0,
    routing_id_in_use: 0,
    routing_id_other_key: 0,
  };
  private readonly gauge: ReturnType<Metrics['inputConnections']['labels']>;

  constructor(
    readonly id: string,
    private readonly counts: () => ConnectionCounts,
    private readonly metrics: Metrics,
  ) {
    this.gauge = metrics.inputConnections.labels(id);
    this.gauge.set(0);
  }

  reading(): InputReading {
    const now = this.counts();
    for (const name of Object.keys(this.seen) as (keyof ConnectionCounts)[]) {
      const delta = (now[name] ?? 0) - this.seen[name];
      if (delta > 0) this.metrics.socketEvents.labels(this.id, name).inc(delta);
      this.seen[name] = now[name] ?? 0;
    }
    const peers = Math.max(0, now.accepted + now.connected - now.disconnected);
    this.gauge.set(peers);
    return { id: this.id, peers, events: { ...now } };
  }
}
