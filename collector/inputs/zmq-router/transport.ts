// What the zmq-router input (router-input.ts) needs of the socket under it: messages in, replies out. Two
// transports implement it: the native addon's receive thread (native-transport.ts) and zeromq.js
// (zeromq-transport.ts); the input's `receiver` setting picks one (index.ts).
import type { ConnectionWatch } from '../../health/socket-events.js';
import type { Metrics } from '../../observability/metrics.js';

/** One message a ROUTER received: the peer's routing id (its own copy) and the frames the peer sent. */
export interface RouterMessage {
  routingId: Buffer;
  /** The peer's frames (protocol: header, payload). Valid only during the onMessage call: copy what you keep. */
  frames: Buffer[];
  /** ms since epoch. */
  receivedAt: number;
  /** CURVE on the native path: the name of the client key that authenticated the connection (ZAP User-Id). */
  sender?: string;
  /**
   * The message was over limits.maxMessageBytes and was not kept: `frames` holds at most its header, enough to
   * NACK it (native path; zeromq.js delivers such a message whole and the protocol check refuses it).
   */
  oversize?: boolean;
  /**
   * Native path: the connection the message came on (opaque); a reply given it goes to that connection only.
   * Absent on zeromq.js, whose replies go to whoever holds the routing id.
   */
  connection?: number;
  /**
   * Native path: every record of the uncompressed payload is UTF-8 that a JSON string holds as itself (checked
   * by the receive thread while it copied the message; chunk.ts FLAG_JSON_PLAIN), so the worker copies them as
   * they are. Absent: the worker checks each record.
   */
  jsonPlain?: boolean;
  /**
   * Native path: the receive thread found the payload's CRC-32 equal to the header's (chunk.ts FLAG_CRC_CHECKED),
   * so checkMessage need not compute it. Absent: the input computes it.
   */
  crcChecked?: boolean;
  /**
   * Native path, `ackMode: received`: the receive thread sent this batch's ACK itself at this time (ms since epoch),
   * within the budget the input granted (RouterTransport.grantAcks). The input must admit it whatever else holds.
   */
  ackedAt?: number;
}

export interface RouterTransport {
  readonly receiver: 'native' | 'zeromq';
  /** Binds every endpoint, then delivers each message to onMessage. Resolves to the endpoints bound. */
  start(bind: readonly string[], onMessage: (m: RouterMessage) => void): Promise<string[]>;
  /**
   * Queues one reply ([routing id, frame]), for `connection` (RouterMessage.connection) only when given. False when
   * it was dropped because too many replies wait.
   */
  send(frames: Buffer[], connection?: number): boolean;
  /** Resolves once every queued reply was handed to ZeroMQ, or at the epoch-ms deadline. */
  flushReplies(deadline: number): Promise<void>;
  /** Stops reading; replies queued so far may still go out until close(). */
  stopReading(): Promise<void>;
  watchConnections(metrics: Metrics): ConnectionWatch;
  /**
   * Present when the transport acknowledges batches itself at receipt (native path, `ackMode: received`, see
   * native/src/receiver.cc AckAtReceipt): adds records and bytes (header + payload) to the budget within which it
   * may; each batch it acknowledges takes its share and arrives with `ackedAt`.
   */
  grantAcks?(records: number, bytes: number): void;
  /** With grantAcks: empties the budget and returns what was left, [records, bytes]; no ACK at receipt follows. */
  revokeAcks?(): [number, number];
  /** Releases the socket (the last replies get ZeroMQ's linger to leave). Idempotent. */
  close(): void;
}
