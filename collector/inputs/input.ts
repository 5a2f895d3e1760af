// The contract between the collector and every input, whatever its transport. An input receives messages,
// charges them to admission, submits them to the pipeline and (if its protocol has replies) answers them.
// Kinds are listed in registry/; ZeroMQ helpers live in inputs/zmq/.
import type { AckMode, LimitsConfig } from '../config/types.js';
import type { ConnectionWatch } from '../health/socket-events.js';
import type { Logger } from '../observability/logger.js';
import type { ComponentMetrics, Metrics } from '../observability/metrics.js';
import type { Admission } from '../pipeline/admission.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { CurveSocketOptions, InputCurve } from '../security/curve.js';

/** Everything an input is given at construction; the same for every kind. */
export interface InputContext {
  /** Position in `inputs[]`: what the input puts in `Inbound.input`. */
  index: number;
  limits: LimitsConfig;
  admission: Admission;
  pipeline: Pipeline;
  /** The input's own metrics (component_id = its id). */
  metrics: ComponentMetrics;
  log: Logger;
  /** When replies of accepted batches go out (pipeline.ackMode); inputs without replies ignore it. */
  ackMode: AckMode;
  /** Records one ACK's latency, receipt to reply, in seconds (zlog_ack_latency_seconds{mode}). */
  observeAckLatency(seconds: number): void;
  /** Counts one reply sent (zlog_acks_total{component_id, result, reason}); reason is '' for an ACK. */
  countReply(result: 'ack' | 'nack', reason: string): void;
  /** Counts records of a batch received again after its first copy was acknowledged (zlog_input_resent_events_total). */
  countResent?(records: number): void;
  /** Counts ACKs the native receive thread sent itself (zlog_input_thread_acks_total; zmq-router, `received`). */
  countThreadAcks?(acks: number): void;
  /**
   * Counts a batch refused `busy` before admission (zlog_input_busy_refusals_total{stage="before_admission"}):
   * for the full sinks in `sinks` (mask, bit i = sinks[i]), or, left out, for whatever stopped admission (the
   * sinks whose full queues stop it, else the shared queue).
   */
  countBusy?(sinks?: number): void;
  /**
   * ZeroMQ inputs with `security.mode: curve`: spread into the socket's options (CurveZMQ server, ZAP domain).
   * The collector registers the ZAP domain before the input starts and releases it after it closes.
   */
  curveSocketOptions?: CurveSocketOptions;
  /** The same input's CURVE state, for an input that answers ZAP itself (the native receive path). */
  curve?: InputCurve;
  /**
   * With routing and several sinks: the sink queues that are full now and the sinks this input's records can go
   * to, for inputs that refuse a batch before admitting it when it goes to a full sink (zmq-router/sink-gate.ts).
   * Masks: bit i = sinks[i].
   */
  sinkGate?: SinkGate;
}

export interface SinkGate {
  /** Sinks whose queues are full now. */
  full(): number;
  /** Sinks this input's records can go to (routing/feeds.ts). */
  readonly feeds: number;
  /** The sink ids of a mask, for a refusal's detail. */
  names(mask: number): string;
}

/** What a PULL/SUB input's drain left in its socket when its read deadline came first (lost with the socket). */
export interface DrainUnread {
  input: string;
  /** Messages still in libzmq's queue (read and discarded to count them); null where they cannot be counted. */
  messages: number | null;
  /** Bytes still in the kernel's receive buffers of the input's connections; null where unknown. */
  bytes: number | null;
}

/**
 * One running input. The collector calls, in this order: `start` once; on drain `stopAccepting`, then (after
 * the pipeline is empty and the sinks are flushed) `finish`; `close` last, or at any time to force shutdown.
 */
export interface Input {
  readonly id: string;
  readonly type: string;
  /** Endpoints actually bound (wildcard ports resolved) and connected. */
  readonly endpoints: readonly string[];
  /** ZeroMQ inputs: the receive path in use (`native` addon thread or `zeromq`.js); logged at start. */
  readonly receiver?: 'native' | 'zeromq';
  /**
   * Inputs with connections: the watch the health monitor reads (peers now, cumulative accepted/connected/
   * disconnected/handshake_failed events, advancing `zlog_input_connections` and
   * `zlog_input_socket_events_total`). Called once, before `start`. Connectionless inputs leave it out.
   */
  watchConnections?(metrics: Metrics): ConnectionWatch;
  /** Binds/connects and starts receiving. Rejects (e.g. EADDRINUSE) when it cannot. */
  start(): Promise<void>;
  /**
   * Takes no new work from now on. Whatever a peer already handed over is still taken (read until the source
   * stays quiet for `quietMs`, epoch-ms `deadline` at the latest) so nothing accepted by the transport is lost;
   * inputs with replies instead answer new work with a refusal and keep their connections for `finish`. An
   * input that reaches the deadline before its socket is empty logs a warning: what is left there is lost with
   * the socket (PUSH/PUB carry no acknowledgement).
   */
  stopAccepting(quietMs: number, deadline: number): Promise<DrainUnread | void>;
  /** After everything accepted was written: sends the last replies (until `deadline`) and releases the socket. */
  finish(deadline: number): Promise<void>;
  /** Releases everything at once (forced shutdown, or after finish). Idempotent. */
  close(): void;
}
