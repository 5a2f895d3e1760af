// Prometheus metrics, named in Vector's style with the zlog_ prefix (docs/metrics.md lists them all).
// Hot paths hold pre-bound label children (component()) so a counter bump costs no label hashing.
import client from 'prom-client';

export type ComponentKind = 'source' | 'transform' | 'sink';

export interface ComponentMetrics {
  received: client.Counter.Internal;
  receivedBytes: client.Counter.Internal;
  sent: client.Counter.Internal;
  sentBytes: client.Counter.Internal;
  discarded(reason: string): client.Counter.Internal;
  error(errorType: string, stage: string): client.Counter.Internal;
}

/**
 * Where a native batch was refused `busy`: `before_admission` (the ROUTER input, taking no queue space: a full
 * sink its sender's batches go to, or the shared queue full) or `worker` (admitted, then refused in the worker
 * because a sink it goes to had no room left; docs/sinks.md, "One sink down").
 */
export type BusyStage = 'before_admission' | 'worker';

/** Counts one busy refusal at `stage` for the full sinks in `sinks` (mask, bit i = sinks[i]; 0: the shared queue). */
export type BusyRefusals = (stage: BusyStage, sinks: number) => void;

/** One HTTP sink's client metrics, pre-bound to its component_id. */
export interface HttpClientMetrics {
  requests: client.Counter.Internal;
  response(status: number): client.Counter.Internal;
  rtt: client.Histogram.Internal<'component_id'>;
  /** Records sent to the store again after an attempt that did not confirm them (zlog_sink_resent_events_total). */
  resent: client.Counter.Internal;
}

/** One sink's queue in the sink stage (Vector's buffer_* series). `observe` registers what the gauges read at scrape time. */
export interface SinkQueueMetrics {
  observe(read: () => SinkQueueState): void;
  received: client.Counter.Internal;
  sent: client.Counter.Internal;
  fullTimes: client.Counter.Internal;
}

export interface SinkQueueState {
  records: number;
  bytes: number;
  items: number;
  maxBytes: number;
  maxItems: number;
}

/** One sink's disk-buffer metrics. `observe` registers what the gauges read at scrape time. */
export interface SinkBufferMetrics {
  observe(read: () => { bytes: number; oldestMs: number | undefined; replayTotal: number; replaySent: number; maxBytes: number }): void;
  sentBytes: client.Counter.Internal;
  fullWaits: client.Counter.Internal;
  retries: client.Counter.Internal;
}

/** What the per-sink state gauges read at scrape time (sinks/health.ts has the full shape). */
export interface SinkStateReading {
  retrying: boolean;
  /** Epoch ms of the sink's last error; null when it never failed. */
  lastErrorMs: number | null;
}

/** A gauge by `component_id` whose values are read from each component's state when Prometheus scrapes. */
function readAtScrape<S>(registry: client.Registry, name: string, help: string, readers: ReadonlyMap<string, () => S>, pick: (state: S) => number): client.Gauge {
  return new client.Gauge({
    name,
    help,
    labelNames: ['component_id'],
    registers: [registry],
    collect() {
      for (const [id, read] of readers) this.labels(id).set(pick(read()));
    },
  });
}

export class Metrics {
  readonly registry = new client.Registry();
  readonly received: client.Counter<'component_id' | 'component_kind' | 'component_type'>;
  readonly receivedBytes: client.Counter<'component_id' | 'component_kind' | 'component_type'>;
  readonly sent: client.Counter<'component_id' | 'component_kind' | 'component_type'>;
  readonly sentBytes: client.Counter<'component_id' | 'component_kind' | 'component_type'>;
  readonly discarded: client.Counter<'component_id' | 'component_kind' | 'component_type' | 'reason'>;
  readonly errors: client.Counter<'component_id' | 'error_type' | 'stage'>;
  readonly bufferEvents: client.Gauge;
  readonly bufferBytes: client.Gauge;
  readonly poolHits: client.Counter;
  readonly poolMisses: client.Counter;
  readonly ackLatency: client.Histogram<'mode'>;
  readonly acks: client.Counter<'component_id' | 'result' | 'reason'>;
  readonly workerBusy: client.Gauge<'worker'>;
  readonly ready: client.Gauge;
  readonly draining: client.Gauge;
  readonly sinkRetries: client.Counter<'component_id'>;
  readonly routeMatched: client.Counter<'component_id'>;
  readonly routeDropped: client.Counter<'rule'>;
  readonly routeUnmatched: client.Counter<'action'>;
  readonly retentionFiles: client.Counter<'component_id'>;
  readonly retentionRecords: client.Counter<'component_id'>;
  readonly live: client.Gauge;
  readonly healthStatus: client.Gauge<'check'>;
  readonly healthValue: client.Gauge<'check'>;
  readonly healthThreshold: client.Gauge<'check'>;
  readonly memoryLimit: client.Gauge;
  readonly inputConnections: client.Gauge<'component_id'>;
  readonly socketEvents: client.Counter<'component_id' | 'event'>;
  readonly authAccepted: client.Counter<'component_id'>;
  readonly authRefused: client.Counter<'component_id' | 'reason'>;
  readonly authClientKeys: client.Gauge<'component_id'>;
  readonly authReloads: client.Counter<'component_id' | 'result'>;
  readonly authRevoked: client.Counter<'component_id'>;
  readonly httpRequests: client.Counter<'component_id'>;
  readonly sinkBufferSent: client.Counter<'component_id'>;
  readonly sinkBufferFullWaits: client.Counter<'component_id'>;
  readonly sinkQueueReceived: client.Counter<'component_id'>;
  readonly sinkQueueSent: client.Counter<'component_id'>;
  readonly sinkQueueFull: client.Counter<'component_id'>;
  private readonly queueReaders = new Map<string, () => SinkQueueState>();
  private readonly bufferReaders = new Map<string, Parameters<SinkBufferMetrics['observe']>[0]>();
  private readonly stateReaders = new Map<string, () => SinkStateReading>();
  readonly httpResponses: client.Counter<'component_id' | 'status'>;
  readonly httpRtt: client.Histogram<'component_id'>;
  readonly sinkResent: client.Counter<'component_id'>;
  readonly inputResent: client.Counter<'component_id'>;
  readonly inputThreadAcks: client.Counter<'component_id'>;
  readonly busyRefused: client.Counter<'component_id' | 'stage' | 'sink_id'>;
  /** What the queue gauges report at scrape time; the collector points it at its admission queue. */
  queue: () => { records: number; bytes: number } = () => ({ records: 0, bytes: 0 });

  constructor() {
    const r = this.registry;
    client.collectDefaultMetrics({ register: r, prefix: 'zlog_' });
    const comp = ['component_id', 'component_kind', 'component_type'] as const;
    this.received = new client.Counter({ name: 'zlog_component_received_events_total', help: 'Records a component received.', labelNames: comp, registers: [r] });
    this.receivedBytes = new client.Counter({ name: 'zlog_component_received_bytes_total', help: 'Bytes a component received (wire size for sources).', labelNames: comp, registers: [r] });
    this.sent = new client.Counter({ name: 'zlog_component_sent_events_total', help: 'Records a component passed on (sinks: written).', labelNames: comp, registers: [r] });
    this.sentBytes = new client.Counter({ name: 'zlog_component_sent_bytes_total', help: 'Bytes a sink wrote.', labelNames: comp, registers: [r] });
    this.discarded = new client.Counter({ name: 'zlog_component_discarded_events_total', help: 'Records or messages dropped or rejected, by reason.', labelNames: [...comp, 'reason'], registers: [r] });
    this.errors = new client.Counter({ name: 'zlog_component_errors_total', help: 'Errors by type and pipeline stage.', labelNames: ['component_id', 'error_type', 'stage'], registers: [r] });
    // The queue changes with every received message; reading it at scrape time costs nothing per message,
    // where setting the gauges on every change cost a label hash each (measured on the PULL hot path).
    const queue = () => this.queue();
    this.bufferEvents = new client.Gauge({ name: 'zlog_buffer_events', help: 'Records held in the pipeline queue (received, not yet written).', registers: [r], collect() { this.set(queue().records); } });
    this.bufferBytes = new client.Gauge({ name: 'zlog_buffer_byte_size', help: 'Bytes held in the pipeline queue.', registers: [r], collect() { this.set(queue().bytes); } });
    this.poolHits = new client.Counter({ name: 'zlog_buffer_pool_hits_total', help: 'Transfer buffers taken from the pool.', registers: [r] });
    this.poolMisses = new client.Counter({ name: 'zlog_buffer_pool_misses_total', help: 'Transfer buffers allocated because the pool was empty or too small.', registers: [r] });
    this.ackLatency = new client.Histogram({
      name: 'zlog_ack_latency_seconds',
      help: 'Time from receiving a native message to sending its ACK.',
      labelNames: ['mode'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [r],
    });
    this.acks = new client.Counter({ name: 'zlog_acks_total', help: 'Native protocol replies sent.', labelNames: ['component_id', 'result', 'reason'], registers: [r] });
    this.workerBusy = new client.Gauge({ name: 'zlog_worker_busy_ratio', help: 'Share of the last interval a worker spent processing.', labelNames: ['worker'], registers: [r] });
    this.ready = new client.Gauge({ name: 'zlog_ready', help: '1 when the collector accepts records (readiness).', registers: [r] });
    this.draining = new client.Gauge({ name: 'zlog_draining', help: '1 while the collector drains.', registers: [r] });
    this.retentionFiles = new client.Counter({ name: 'zlog_file_retention_deleted_files_total', help: 'Rotated files a file sink deleted by its retention policy.', labelNames: ['component_id'], registers: [r] });
    this.retentionRecords = new client.Counter({ name: 'zlog_file_retention_deleted_records_total', help: 'Records (acknowledged, written) in the rotated files retention deleted.', labelNames: ['component_id'], registers: [r] });
    this.routeMatched = new client.Counter({ name: 'zlog_route_matched_records_total', help: 'Records routing gave a sink (its match took them, or it has none), counted in the worker threads per chunk.', labelNames: ['component_id'], registers: [r] });
    this.routeDropped = new client.Counter({ name: 'zlog_route_dropped_records_total', help: 'Records a routing.drop rule removed before any sink (acknowledged).', labelNames: ['rule'], registers: [r] });
    this.routeUnmatched = new client.Counter({ name: 'zlog_route_unmatched_records_total', help: 'Records no sink\'s match took, by what was done (first: kept in the first sink, drop: dropped and acknowledged).', labelNames: ['action'], registers: [r] });
    this.sinkRetries = new client.Counter({ name: 'zlog_sink_retries_total', help: 'Sink write/sync attempts retried after an error.', labelNames: ['component_id'], registers: [r] });
    // Health (collector/health/): one series per check; the set of checks is fixed by the configuration.
    this.live = new client.Gauge({ name: 'zlog_live', help: '1 while the collector is alive (same as /healthz at the last health evaluation).', registers: [r] });
    this.healthStatus = new client.Gauge({ name: 'zlog_health_check_status', help: 'Health check status: 0 ok, 1 warning, 2 critical.', labelNames: ['check'], registers: [r] });
    this.healthValue = new client.Gauge({ name: 'zlog_health_check_value', help: "Health check's measured value, in the unit of its threshold.", labelNames: ['check'], registers: [r] });
    this.healthThreshold = new client.Gauge({ name: 'zlog_health_check_threshold', help: 'Threshold the health check value is compared against.', labelNames: ['check'], registers: [r] });
    this.memoryLimit = new client.Gauge({ name: 'zlog_memory_limit_bytes', help: 'Memory the collector may use: cgroup limit, else health.memory.budgetBytes, else physical memory.', registers: [r] });
    this.inputConnections = new client.Gauge({ name: 'zlog_input_connections', help: 'Peers connected to an input now (ZeroMQ socket monitor).', labelNames: ['component_id'], registers: [r] });
    this.socketEvents = new client.Counter({ name: 'zlog_input_socket_events_total', help: 'ZeroMQ socket monitor events of an input.', labelNames: ['component_id', 'event'], registers: [r] });
    this.authAccepted = new client.Counter({ name: 'zlog_auth_accepted_total', help: 'CurveZMQ connections whose client key the input allows.', labelNames: ['component_id'], registers: [r] });
    this.authRefused = new client.Counter({ name: 'zlog_auth_refused_total', help: 'CurveZMQ connections refused, by reason.', labelNames: ['component_id', 'reason'], registers: [r] });
    this.authClientKeys = new client.Gauge({ name: 'zlog_auth_client_keys', help: 'Client keys an input allows now.', labelNames: ['component_id'], registers: [r] });
    this.authRevoked = new client.Counter({ name: 'zlog_auth_revoked_connections_total', help: 'Authenticated CurveZMQ connections ended because their client key was removed (at the key change, or at the first message of a connection that had sent none; native receive path).', labelNames: ['component_id'], registers: [r] });
    this.authReloads = new client.Counter({ name: 'zlog_auth_key_reloads_total', help: 'Reloads of allowed client keys, by result (ok, failed: the previous keys stay).', labelNames: ['component_id', 'result'], registers: [r] });
    const perSink = (name: string, help: string, pick: (v: ReturnType<Parameters<SinkBufferMetrics['observe']>[0]>) => number) => readAtScrape(r, name, help, this.bufferReaders, pick);
    perSink('zlog_sink_buffer_bytes', 'Unsent bytes in a sink\'s disk buffer.', (v) => v.bytes);
    perSink('zlog_sink_buffer_max_bytes', 'Capacity of a sink\'s disk buffer (buffer.maxBytes).', (v) => v.maxBytes);
    perSink('zlog_sink_buffer_oldest_age_seconds', 'Age of the oldest buffer file holding unsent records (0 when empty).', (v) => (v.oldestMs === undefined ? 0 : Math.max(0, (Date.now() - v.oldestMs) / 1000)));
    perSink('zlog_sink_buffer_replay_remaining_bytes', 'Bytes found in the disk buffer at start that are not yet sent.', (v) => v.replayTotal - v.replaySent);
    this.sinkBufferSent = new client.Counter({ name: 'zlog_sink_buffer_sent_bytes_total', help: 'Bytes sent from a sink\'s disk buffer to its store.', labelNames: ['component_id'], registers: [r] });
    this.sinkBufferFullWaits = new client.Counter({ name: 'zlog_sink_buffer_full_waits_total', help: 'Writes that waited because the sink\'s disk buffer was full.', labelNames: ['component_id'], registers: [r] });
    const perQueue = (name: string, help: string, pick: (v: SinkQueueState) => number) => readAtScrape(r, name, help, this.queueReaders, pick);
    perQueue('zlog_sink_queue_events', "Records in a sink's queue in the sink stage (waiting or being written).", (v) => v.records);
    perQueue('zlog_sink_queue_byte_size', "NDJSON bytes in a sink's queue.", (v) => v.bytes);
    perQueue('zlog_sink_queue_batches', "Processed batches (one per worker chunk) in a sink's queue.", (v) => v.items);
    perQueue('zlog_sink_queue_max_byte_size', "Bound of each sink's queue in bytes (pipeline.sinkQueue.maxBytes).", (v) => v.maxBytes);
    perQueue('zlog_sink_queue_max_batches', "Bound of each sink's queue in batches (pipeline.sinkQueue.maxBatches).", (v) => v.maxItems);
    const perState = (name: string, help: string, pick: (v: SinkStateReading) => number) => readAtScrape(r, name, help, this.stateReaders, pick);
    perState('zlog_sink_retrying', '1 while a write to the sink (or its disk buffer\'s send to the store) fails and is retried, else 0.', (v) => (v.retrying ? 1 : 0));
    perState('zlog_sink_last_error_timestamp_seconds', 'Unix time of the sink\'s last error (0: none since start).', (v) => (v.lastErrorMs === null ? 0 : v.lastErrorMs / 1000));
    this.sinkQueueReceived = new client.Counter({ name: 'zlog_sink_queue_received_events_total', help: "Records put in a sink's queue.", labelNames: ['component_id'], registers: [r] });
    this.sinkQueueSent = new client.Counter({ name: 'zlog_sink_queue_sent_events_total', help: "Records a sink's queue handed on written.", labelNames: ['component_id'], registers: [r] });
    this.sinkQueueFull = new client.Counter({ name: 'zlog_sink_queue_full_total', help: "Times a sink's queue went over its bound (until it is back under the collector admits nothing, or with routing and several sinks refuses only the native batches going to that sink and pauses the PULL/SUB inputs that can feed it).", labelNames: ['component_id'], registers: [r] });
    this.httpRequests = new client.Counter({ name: 'zlog_http_client_requests_sent_total', help: 'HTTP requests an HTTP sink sent.', labelNames: ['component_id'], registers: [r] });
    this.httpResponses = new client.Counter({ name: 'zlog_http_client_responses_total', help: 'HTTP responses an HTTP sink received, by status (0: no response: refused, reset, timeout).', labelNames: ['component_id', 'status'], registers: [r] });
    this.sinkResent = new client.Counter({ name: 'zlog_sink_resent_events_total', help: 'Records an HTTP sink sent to its store again because an earlier attempt did not confirm them (no response, a retryable status or bulk item): an upper bound of the duplicates its retries can leave.', labelNames: ['component_id'], registers: [r] });
    this.busyRefused = new client.Counter({
      name: 'zlog_input_busy_refusals_total',
      help: 'Native batches an input refused busy, by stage (before_admission, worker) and sink_id: the sink whose full queue refused it ("" when the shared queue itself was full). A batch refused for two full sinks counts once for each.',
      labelNames: ['component_id', 'stage', 'sink_id'],
      registers: [r],
    });
    this.inputResent = new client.Counter({ name: 'zlog_input_resent_events_total', help: 'Records of native batches received again after the first copy was acknowledged (a lost or late ACK); admitted again, so stored twice.', labelNames: ['component_id'], registers: [r] });
    this.inputThreadAcks = new client.Counter({
      name: 'zlog_input_thread_acks_total',
      help: 'ACKs the native receive thread sent itself (ackMode received, within the budget granted out of the queue\'s room); a part of zlog_acks_total{result="ack"}.',
      labelNames: ['component_id'],
      registers: [r],
    });
    this.httpRtt = new client.Histogram({
      name: 'zlog_http_client_rtt_seconds',
      help: 'Round trip of an HTTP sink request (send to whole response).',
      labelNames: ['component_id'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
  }

  /**
   * Counts input `inputId`'s busy refusals (zlog_input_busy_refusals_total): once per sink in `sinks` (bit i =
   * sinkIds[i], config order), or once with sink_id "" when `sinks` is 0 (the shared queue was full). Label
   * children are bound on first use: at most 2 x (sinks + 1) per input.
   */
  busyRefusals(inputId: string, sinkIds: readonly string[]): BusyRefusals {
    const bound = new Map<string, client.Counter.Internal>();
    const child = (stage: BusyStage, sink: string): client.Counter.Internal => {
      const k = `${stage}\0${sink}`;
      let c = bound.get(k);
      if (!c) bound.set(k, (c = this.busyRefused.labels({ component_id: inputId, stage, sink_id: sink })));
      return c;
    };
    return (stage, sinks) => {
      if (sinks === 0) return child(stage, '').inc();
      for (let i = 0; i < sinkIds.length; i++) if ((sinks & (1 << i)) !== 0) child(stage, sinkIds[i]).inc();
    };
  }

  sinkQueue(id: string): SinkQueueMetrics {
    return {
      observe: (read) => void this.queueReaders.set(id, read),
      received: this.sinkQueueReceived.labels(id),
      sent: this.sinkQueueSent.labels(id),
      fullTimes: this.sinkQueueFull.labels(id),
    };
  }

  /** Registers what zlog_sink_retrying and zlog_sink_last_error_timestamp_seconds read for sink `id`. */
  sinkState(id: string, read: () => SinkStateReading): void {
    this.stateReaders.set(id, read);
  }

  sinkBuffer(id: string): SinkBufferMetrics {
    return {
      observe: (read) => void this.bufferReaders.set(id, read),
      sentBytes: this.sinkBufferSent.labels(id),
      fullWaits: this.sinkBufferFullWaits.labels(id),
      retries: this.sinkRetries.labels(id),
    };
  }

  httpClient(id: string): HttpClientMetrics {
    const statuses = new Map<number, client.Counter.Internal>();
    return {
      requests: this.httpRequests.labels(id),
      response: (status) => {
        let c = statuses.get(status);
        if (!c) statuses.set(status, (c = this.httpResponses.labels(id, String(status))));
        return c;
      },
      rtt: this.httpRtt.labels(id),
      resent: this.sinkResent.labels(id),
    };
  }

  component(id: string, kind: ComponentKind, type: string): ComponentMetrics {
    const labels = { component_id: id, component_kind: kind, component_type: type };
    const discards = new Map<string, client.Counter.Internal>();
    const errs = new Map<string, client.Counter.Internal>();
    return {
      received: this.received.labels(labels),
      receivedBytes: this.receivedBytes.labels(labels),
      sent: this.sent.labels(labels),
      sentBytes: this.sentBytes.labels(labels),
      discarded: (reason) => {
        let c = discards.get(reason);
        if (!c) discards.set(reason, (c = this.discarded.labels({ ...labels, reason })));
        return c;
      },
      error: (errorType, stage) => {
        const k = `${errorType}\0${stage}`;
        let c = errs.get(k);
        if (!c) errs.set(k, (c = this.errors.labels({ component_id: id, error_type: errorType, stage })));
        return c;
      },
    };
  }
}
