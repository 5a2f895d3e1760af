// The operator's own Prometheus metrics, in one registry (no default global state, so tests can run several
// operators in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'zlog_operator_reconcile_total', help: 'Reconciles by result (success, error, invalid).', labelNames: ['result'], registers: [this.registry] });
  readonly errors = new Counter({ name: 'zlog_operator_reconcile_errors_total', help: 'Reconciles that failed and were requeued with backoff.', registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'zlog_operator_reconcile_duration_seconds',
    help: 'Time of one reconcile.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ name: 'zlog_operator_workqueue_depth', help: 'Keys waiting in the work queue.', registers: [this.registry] });
  readonly watchErrors = new Counter({ name: 'zlog_operator_watch_errors_total', help: 'List/watch failures (each restarted with backoff).', labelNames: ['kind'], registers: [this.registry] });
  readonly apiRequests = new Counter({
    name: 'zlog_operator_api_requests_total',
    help: 'Requests to the Kubernetes API (watches not counted) by method (LIST for a GET of a collection), resource and HTTP status code (0: no answer).',
    labelNames: ['method', 'resource', 'code'],
    registers: [this.registry],
  });
  readonly apiRequestDuration = new Histogram({
    name: 'zlog_operator_api_request_duration_seconds',
    help: 'Time of one request to the Kubernetes API, until its whole answer is read.',
    labelNames: ['method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly apiSocketWait = new Counter({
    name: 'zlog_operator_api_socket_wait_seconds_total',
    help: "Time requests to the Kubernetes API waited for a connection of the client's pool before being sent (a full pool queues them).",
    registers: [this.registry],
  });
  readonly sinkHealthSweepSeconds = new Gauge({
    name: 'zlog_operator_sink_health_sweep_duration_seconds',
    help: "Wall time of the last sink-health sweep (asking the LogServers' running pods for GET /sinks).",
    registers: [this.registry],
  });
  readonly sinkHealthRequests = new Counter({
    name: 'zlog_operator_sink_health_requests_total',
    help: 'GET /sinks requests of the sink-health sweep by result (answered, or failed: no answer, timeout, bad answer).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({ name: 'zlog_operator_leader', help: '1 while this process holds the leader lease.', registers: [this.registry] });

  /** Counts one finished API request (Kube.onRequest). */
  observeRequest(r: { method: string; resource: string; code: number; seconds: number; socketWaitSeconds?: number }): void {
    this.apiRequests.inc({ method: r.method, resource: r.resource, code: String(r.code) });
    this.apiRequestDuration.observe({ method: r.method }, r.seconds);
    if (r.socketWaitSeconds) this.apiSocketWait.inc(r.socketWaitSeconds);
  }

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'zlog_operator_' });
  }
}
