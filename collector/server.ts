// Composes the collector from its stages and owns its lifecycle: start, ready, drain, exit.
//
//   inputs/ (ZeroMQ) -> pipeline/ (queue, workers, chunks) -> sinks/ (file, stdout) -> acks back via inputs/
//
// Inputs and sinks are built from the kind lists (registry/); nothing here depends on a particular kind.
import type { Server } from 'node:http';
import type { CollectorConfig } from './config/types.js';
import { errorCategory } from './errors.js';
import { collectorHealthSources } from './health/sources.js';
import { HealthMonitor } from './health/monitor.js';
import type { ConnectionWatch } from './health/socket-events.js';
import { FD_RESERVE, openFileLimit, shareConnections } from './inputs/descriptors.js';
import type { DrainUnread, Input, InputContext } from './inputs/input.js';
import { startAdmin, startHttp } from './observability/http.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics, type ComponentMetrics } from './observability/metrics.js';
import { InputCurve } from './security/curve.js';
import { isCurve } from './security/schema.js';
import { Admission } from './pipeline/admission.js';
import { BufferPool } from './pipeline/buffer-pool.js';
import { Pipeline, type SinkRoom } from './pipeline/pipeline.js';
import { processorInput } from './pipeline/processor.js';
import { WorkerPool } from './pipeline/worker-pool.js';
import { BUILTIN_KINDS, kindOf } from './registry/index.js';
import type { Kinds } from './registry/kind.js';
import type { Sink } from './sinks/sink.js';
import { SinkStage } from './sinks/sink-stage.js';
import { sinkHealth, type SinkHealth } from './sinks/health.js';
import { routeTable, routingActive, type RouteTable } from './routing/match.js';
import { inputFeeds } from './routing/feeds.js';
import type { ChunkRoutes } from './routing/collect.js';

export interface CollectorOptions {
  log?: Logger;
  /** The input and sink kinds `cfg` was validated against (default: the built-in ones; see withKinds). */
  kinds?: Kinds;
}

export interface DrainResult {
  ok: boolean;
  /** Records accepted but not yet written when the drain ended (0 on success). */
  unwritten: number;
  /**
   * PULL/SUB inputs whose socket was not empty when their read deadline came (peers kept sending, or the queue
   * stayed full): what each left unread is lost with the socket (messages null: not countable, zeromq.js path).
   * Empty when every input read its peers to the end. `ok` is about what was accepted, which this never is.
   */
  unread: DrainUnread[];
  elapsedMs: number;
}

export class Collector {
  readonly metrics = new Metrics();
  readonly log: Logger;
  private inputs: Input[] = [];
  private sinks: Sink[] = [];
  private stage!: SinkStage;
  private pipeline!: Pipeline;
  private workers!: WorkerPool;
  private pool!: BufferPool;
  private admission!: Admission;
  private http?: Server;
  private health?: HealthMonitor;
  private admin?: Server;
  private curves: InputCurve[] = [];
  private busyTimer?: NodeJS.Timeout;
  private started = false;
  private drainPromise?: Promise<DrainResult>;
  httpPort = 0;
  adminPort = 0;
  private readonly kinds: Kinds;

  constructor(
    readonly cfg: CollectorConfig,
    opts: CollectorOptions = {},
  ) {
    this.log = opts.log ?? createLogger(cfg.log.level);
    this.kinds = opts.kinds ?? BUILTIN_KINDS;
  }

  async start(): Promise<void> {
    const { cfg, metrics, log } = this;
    const p = cfg.pipeline;
    this.pool = new BufferPool(p.bufferPool.buffers, p.bufferPool.bufferBytes, () => metrics.poolHits.inc(), () => metrics.poolMisses.inc());
    const admission = new Admission(p.queue.maxRecords, p.queue.maxBytes);
    this.admission = admission;
    metrics.queue = () => ({ records: admission.records, bytes: admission.bytes });
    const sinkMetrics = new Map<string, ComponentMetrics>(cfg.sinks.map((s) => [s.id, metrics.component(s.id, 'sink', s.type)]));
    this.sinks = cfg.sinks.map((s) =>
      kindOf(this.kinds.sinks, s.type).create(s, {
        log,
        metrics,
        component: sinkMetrics.get(s.id),
        retry: cfg.retry,
        onRetention: (d) => {
          metrics.retentionFiles.labels(s.id).inc();
          metrics.retentionRecords.labels(s.id).inc(d.records);
        },
      }),
    );
    for (const s of this.sinks) await s.open();
    const routes = routeTable(cfg);
    // With routing and several sinks, one sink's full queue refuses only the native batches that go to it (before
    // admission when the sender's last batch went there, else in the worker) and stops only the inputs that
    // cannot refuse and feed it; each sink's queue, with what is on its way to it, is bounded to half the
    // pipeline queue, so a sink that is down cannot take all of it (docs/sinks.md, "One sink down").
    const perSinkRefusal = routingActive(routes) && cfg.sinks.length > 1;
    const feeds = inputFeeds(routes, cfg.inputs.map((i) => i.id));
    this.stage = new SinkStage(
      this.sinks,
      sinkMetrics,
      {
        maxBatchRecords: p.batch.maxRecords,
        maxBatchBytes: p.batch.maxBytes,
        maxDelayMs: p.batch.maxDelayMs,
        retryInitialMs: cfg.retry.initialDelayMs,
        retryMaxMs: cfg.retry.maxDelayMs,
        laneMaxBytes: perSinkRefusal ? Math.min(p.sinkQueue.maxBytes, Math.floor(p.queue.maxBytes / 2)) : p.sinkQueue.maxBytes,
        laneMaxItems: p.sinkQueue.maxBatches,
        laneMaxRecords: perSinkRefusal ? Math.max(1, Math.floor(p.queue.maxRecords / 2)) : undefined,
      },
      log,
      (id) => metrics.sinkRetries.labels(id).inc(),
      (full) => (perSinkRefusal ? admission.recheck() : admission.block(full)),
      new Map(cfg.sinks.map((s) => [s.id, metrics.sinkQueue(s.id)])),
    );
    for (const s of this.sinks) {
      metrics.sinkState(s.id, () => {
        const h = sinkHealth(s, this.stage.health(s.id), s.health?.());
        return { retrying: h.state === 'retrying', lastErrorMs: h.lastError ? Date.parse(h.lastError.time) : null };
      });
    }
    const routed = routingActive(routes) ? this.routeMetrics(routes) : undefined;
    this.workers = new WorkerPool(
      p.workers,
      { inputs: cfg.inputs.map(processorInput), maxRecordBytes: cfg.limits.maxRecordBytes, maxDecompressedBytes: cfg.limits.maxDecompressedBytes, hostname: cfg.hostname, routes, bodies: this.sinks.map((s) => s.workerBody ?? null) },
      this.pool,
      (err) => {
        metrics.errors.labels({ component_id: 'workers', error_type: 'internal', stage: 'process' }).inc();
        log.error({ err }, 'worker failed; replaced');
      },
    );
    const inputMetrics = cfg.inputs.map((i) => metrics.component(i.id, 'source', i.type));
    const busyRefusals = cfg.inputs.map((i) => metrics.busyRefusals(i.id, cfg.sinks.map((s) => s.id)));
    this.pipeline = new Pipeline({
      workers: this.workers,
      pool: this.pool,
      admission: this.admission,
      stage: this.stage,
      ackMode: p.ackMode,
      inputMetrics,
      onRoutes: routed,
      room: perSinkRefusal ? this.sinkRoom(feeds) : undefined,
      countBusy: (input, sinks) => busyRefusals[input]('worker', sinks),
      onChunkError: (err) => {
        metrics.errors.labels({ component_id: 'pipeline', error_type: errorCategory(err), stage: 'process' }).inc();
        log.error({ err: err.message }, 'chunk processing failed');
      },
    });
    const ackLatency = metrics.ackLatency.labels(p.ackMode);
    // One descriptor budget for all inputs' connections (inputs/descriptors.ts), not one per input.
    const nofile = openFileLimit();
    const share = shareConnections(cfg.inputs.map((i) => ('maxConnections' in i ? i.maxConnections : undefined)), nofile);
    if (share.lowered) {
      const lowered = Object.fromEntries(cfg.inputs.flatMap((i, k) => ('maxConnections' in i && i.maxConnections ? [[i.id, `${i.maxConnections} -> ${share.limits[k]}`]] : [])));
      log.warn({ nofile, reserve: FD_RESERVE, maxConnections: lowered }, "maxConnections lowered: every input's connections together, plus the descriptors kept for sinks and HTTP, must fit under the open-file limit (raise it with ulimit -n, or lower maxConnections)");
    }
    this.inputs = cfg.inputs.map((configured, index) => {
      const icfg = 'maxConnections' in configured ? { ...configured, maxConnections: share.limits[index] } : configured;
      const ctx: InputContext = {
        index,
        limits: cfg.limits,
        admission: this.admission,
        pipeline: this.pipeline,
        metrics: inputMetrics[index],
        log,
        ackMode: p.ackMode,
        observeAckLatency: (seconds) => ackLatency.observe(seconds),
        countReply: (result, reason) => metrics.acks.labels({ component_id: icfg.id, result, reason }).inc(),
        countResent: (records) => metrics.inputResent.labels(icfg.id).inc(records),
        countThreadAcks: (acks) => metrics.inputThreadAcks.labels(icfg.id).inc(acks),
        // Without per-sink refusal a full sink queue stops admission for everyone: that sink is the cause.
        countBusy: (sinks) => busyRefusals[index]('before_admission', sinks ?? (perSinkRefusal ? 0 : this.stage.fullMask)),
      };
      if (perSinkRefusal) {
        const stage = this.stage;
        ctx.sinkGate = { full: () => stage.fullMask, feeds: feeds[index], names: (mask) => stage.names(mask) };
      }
      const security = 'security' in icfg ? icfg.security : undefined;
      if (isCurve(security)) {
        const curve = new InputCurve(icfg.id, security, metrics, log);
        this.curves.push(curve);
        ctx.curveSocketOptions = curve.socketOptions;
        ctx.curve = curve;
      }
      return kindOf(this.kinds.inputs, icfg.type).create(icfg, ctx);
    });
    const watches = this.inputs.flatMap((i): ConnectionWatch[] => (i.watchConnections ? [i.watchConnections(metrics)] : []));
    // ZAP domains first: a CURVE socket must never listen before its allow-list is in place.
    for (const c of this.curves) await c.start();
    for (const i of this.inputs) await i.start();
    this.health = new HealthMonitor(cfg.health, collectorHealthSources({ cfg, admission, stage: this.stage, sinks: this.sinks, watches, metrics, draining: () => Boolean(this.drainPromise) }), metrics);
    await this.health.start();
    const health = this.health;
    const http = await startHttp(cfg.http.host, cfg.http.port, {
      metrics,
      health: (probe, verbose) => (this.started ? health.answer(probe, verbose) : { ok: false, body: 'starting\n' }),
      sinks: () => ({ sinks: this.sinkHealth() }),
    });
    this.http = http.server;
    this.httpPort = http.port;
    const admin = await startAdmin(cfg.admin.host, cfg.admin.port, { status: () => this.status(), drain: () => this.drain() });
    this.admin = admin.server;
    this.adminPort = admin.port;
    let last = performance.now();
    this.busyTimer = setInterval(() => {
      const now = performance.now();
      this.workers.takeBusy().forEach((ms, i) => metrics.workerBusy.labels(String(i)).set(Math.min(1, ms / (now - last))));
      last = now;
    }, 5000);
    this.busyTimer.unref();
    this.started = true;
    log.info({ inputs: this.inputs.map((i) => ({ id: i.id, type: i.type, endpoints: i.endpoints, receiver: i.receiver })), http: `${cfg.http.host}:${this.httpPort}`, admin: `${hostPort(cfg.admin.host, this.adminPort)}`, ackMode: p.ackMode, workers: p.workers }, 'collector ready');
  }

  status(): Record<string, unknown> {
    const health = this.health?.summary();
    return {
      ready: this.started && !this.drainPromise && (health?.ready ?? true),
      draining: Boolean(this.drainPromise),
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
      inputs: this.inputs.map((i) => ({ id: i.id, type: i.type, endpoints: i.endpoints })),
      sinks: this.sinkHealth(),
      queue: { records: this.admission?.records ?? 0, bytes: this.admission?.bytes ?? 0, maxRecords: this.cfg.pipeline.queue.maxRecords, maxBytes: this.cfg.pipeline.queue.maxBytes },
      pool: this.pool?.stats(),
      ackMode: this.cfg.pipeline.ackMode,
      workers: this.cfg.pipeline.workers,
      health,
    };
  }

  /** Every sink's health (sinks/health.ts; docs/sinks.md "Sink health"), in config order. */
  sinkHealth(): SinkHealth[] {
    if (!this.stage) return [];
    return this.sinks.map((s) => sinkHealth(s, this.stage.health(s.id), s.health?.()));
  }

  /**
   * Re-reads what may change under a running collector without a restart (SIGHUP, `zlog start`): the allowed
   * CurveZMQ client keys of every CURVE input (a failed read keeps the previous keys, logged and counted), and
   * the output files, reopened by path.
   */
  reload(reason: string): void {
    for (const c of this.curves) c.reload(reason);
    // logrotate's postrotate convention: after moving the files it sends SIGHUP to have them reopened.
    this.reopenOutputs();
  }

  /**
   * Not ready first, then stop accepting, write and sync everything accepted, send the last ACKs, close.
   * Idempotent: a second call (signal after POST /drain) returns the same drain.
   */
  drain(): Promise<DrainResult> {
    if (!this.drainPromise) {
      this.drainPromise = this.doDrain();
      this.drainStarted();
    }
    return this.drainPromise;
  }

  /**
   * The sink stage as the pipeline's SinkRoom, and the inputs that cannot refuse held back while a sink they feed
   * is full (per input: an input feeding only healthy sinks keeps reading).
   */
  private sinkRoom(feeds: number[]): SinkRoom {
    const stage = this.stage;
    this.admission.hold((input) => (feeds[input] & stage.fullMask) !== 0);
    return {
      feeds,
      expect: (mask, records, bytes) => stage.expect(mask, records, bytes),
      arrived: (mask, records, bytes, check) => stage.arrived(mask, records, bytes, check),
      reserve: (mask, records, bytes) => stage.reserve(mask, records, bytes),
      unreserve: (room, check) => stage.unreserve(room, check),
      names: (mask) => stage.names(mask),
    };
  }

  /** Adds each routed chunk's counts to the route metrics (once per chunk, label children bound here). */
  private routeMetrics(t: RouteTable): (r: ChunkRoutes) => void {
    const m = this.metrics;
    const matched = this.cfg.sinks.map((s) => m.routeMatched.labels(s.id));
    const dropped = t.drop.map((r) => m.routeDropped.labels(r.id));
    const unmatched = m.routeUnmatched.labels(t.unmatched);
    return (r) => {
      r.records.forEach((n, i) => n > 0 && matched[i].inc(n));
      r.dropped.forEach((n, i) => n > 0 && dropped[i].inc(n));
      if (r.unmatched > 0) unmatched.inc(r.unmatched);
    };
  }

  private drainStarted: () => void = () => {};
  /** Resolves with the drain's result once a drain has begun, whoever started it (signal or POST /drain). */
  readonly drained: Promise<DrainResult> = new Promise<void>((resolve) => (this.drainStarted = resolve)).then(() => this.drainPromise!);

  private async doDrain(): Promise<DrainResult> {
    const t0 = Date.now();
    const deadline = t0 + this.cfg.drain.timeoutSeconds * 1000;
    this.metrics.ready.set(0);
    this.metrics.draining.set(1);
    this.log.info({ queued: this.admission.records, timeoutSeconds: this.cfg.drain.timeoutSeconds }, 'drain started');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, deadline - Date.now()))));
    const unread: DrainUnread[] = [];
    const work = (async () => {
      // Reading stops at half the drain timeout even while peers still send (PUSH and PUB senders never stop by
      // themselves): the other half writes what was read, so a record taken off a socket is not dropped at the
      // deadline. The queue bounds what is left to write (pipeline.queue.maxBytes).
      const readUntil = t0 + Math.floor((deadline - t0) / 2);
      for (const u of await Promise.all(this.inputs.map((i) => i.stopAccepting(200, readUntil)))) if (u) unread.push(u);
      await this.pipeline.idle();
      await this.stage.idle();
      await this.stage.flushSinks();
      await Promise.all(this.inputs.map((i) => i.finish(deadline)));
      return 'done' as const;
    })();
    const outcome = await Promise.race([work, timeout]);
    clearTimeout(timer);
    const unwritten = this.admission.records;
    if (outcome === 'timeout') {
      this.stage.stop();
      // With ackMode received the native clients already have their ACKs: they will not resend, so say it is a loss.
      const what =
        this.cfg.pipeline.ackMode === 'received'
          ? 'drain timed out; records above were not written and are lost (ackMode received: native batches among them were acknowledged when queued)'
          : 'drain timed out; records above were not written and not acknowledged (native clients resend them; PULL/SUB records among them are lost)';
      this.log.error({ unwritten, unwrittenBytes: this.admission.bytes, ackMode: this.cfg.pipeline.ackMode, failingSinks: Object.fromEntries(this.stage.failing) }, what);
    }
    await this.close();
    const result = { ok: outcome === 'done', unwritten, unread, elapsedMs: Date.now() - t0 };
    this.log.info(result, 'drain finished');
    return result;
  }

  /** Every sink reopens its output files by path (SIGHUP, after logrotate moved them). */
  reopenOutputs(): void {
    this.log.info({ sinks: this.sinks.filter((s) => s.reopen).map((s) => s.id) }, 'reopening output files');
    for (const s of this.sinks) s.reopen?.();
  }

  /** Releases everything (sockets, workers, files, HTTP). */
  async close(): Promise<void> {
    if (this.busyTimer) clearInterval(this.busyTimer);
    this.health?.stop();
    for (const i of this.inputs) i.close();
    await Promise.all(this.curves.map((c) => c.close()));
    await this.workers?.close();
    await Promise.all(this.sinks.map((s) => s.close().catch(() => {})));
    // Not awaited: a POST /drain request may still be waiting on this very drain for its response.
    for (const s of [this.http, this.admin]) {
      s?.close();
      s?.closeIdleConnections();
    }
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
