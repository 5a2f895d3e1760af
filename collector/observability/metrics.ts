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
    this.authReloads = new client.Counter({ name: 'zlog_auth_key_reloads_total', help: 'Reloads of allowed client keys, by result (ok, failed: the previous keys stay).', labelNames: ['component_id', 'result'], registers: [r] });
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
