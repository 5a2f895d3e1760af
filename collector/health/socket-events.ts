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

export class SocketWatch {
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
