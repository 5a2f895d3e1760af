// The health monitor's edge: on a timer (unref'd, off the hot path) it reads the cgroup limit, process memory,
// the event-loop delay histogram, the pipeline, sinks, error counters and socket events, runs the pure checks
// (evaluate.ts), and exports each result as metrics. Probe answers come from the last evaluation plus one
// live fact: how long ago the monitor last ran, since a stuck loop cannot evaluate itself.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Metrics } from '../observability/metrics.js';
import { readCgroupMemoryLimit } from './cgroup.js';
import { installDebugHooks } from './debug-hook.js';
import { RateWindow } from './errors.js';
import { eventLoopCheck, staleLagMs } from './event-loop.js';
import { drainingCheck, evaluate, failing, probeBody, storeHeld, type Probe } from './evaluate.js';
import { memoryLimit } from './memory.js';
import { STATUS_VALUE, type CheckResult, type HealthThresholds, type InputReading, type Readings, type SinkReading } from './types.js';

/** What the collector lets the monitor read. All calls are cheap and synchronous except errorCounts. */
export interface HealthSources {
  /** The pipeline queue; `stores`: sinks their store holds up, whose records alone it counts apart. */
  queue(stores: ReadonlySet<string>): Readings['queue'];
  /**
   * Monotonic ms (performance.now()) since which the oldest unwritten record has waited, leaving out the queues
   * of the sinks in `skip`; null when none.
   */
  oldestWaitingSince(skip?: ReadonlySet<string>): number | null;
  sinks(now: number): SinkReading[];
  /** Cumulative error counts by component (errors plus rejected messages). */
  errorCounts(): Promise<Map<string, number>>;
  inputs(): InputReading[];
  draining(): boolean;
}

/** The monitor's view for /status and `zlog status`. */
export interface HealthSummary {
  live: boolean;
  ready: boolean;
  at: string;
  memoryLimitBytes: number;
  memoryLimitSource: string;
  checks: CheckResult[];
}

export class HealthMonitor {
  private timer?: NodeJS.Timeout;
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly rates: RateWindow;
  private checks: CheckResult[] = [];
  private lastTick = performance.now();
  private at = new Date().toISOString();
  private cgroupLimit: number | null = null;
  private ticking = false;
  private limit = { bytes: 0, source: 'physical' };

  constructor(
    private readonly t: HealthThresholds,
    private readonly src: HealthSources,
    private readonly metrics: Metrics,
  ) {
    this.rates = new RateWindow(t.errors.windowSeconds * 1000, Math.ceil((t.errors.windowSeconds * 1000) / t.intervalMs) + 2);
  }

  /** Reads the cgroup limit once (it does not change under a running container), evaluates, starts the timer. */
  async start(): Promise<void> {
    this.cgroupLimit = await readCgroupMemoryLimit();
    this.loop.enable();
    installDebugHooks();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.t.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.loop.disable();
  }

  /** Runs every check now (also on the timer). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = performance.now();
      // The histogram holds the delays since the last reset; a tick that came late was itself delayed.
      const lagMs = Math.max(this.loop.max / 1e6, staleLagMs(now, this.lastTick, this.t.intervalMs));
      this.loop.reset();
      this.lastTick = now;
      const mem = process.memoryUsage();
      const sinks = this.src.sinks(now);
      // What waits only for a store every replica shares is reported apart: it fails no probe (health/sinks.ts).
      const stores = new Set(storeHeld(sinks, this.t));
      const since = this.src.oldestWaitingSince(stores);
      const sinceAny = stores.size > 0 ? this.src.oldestWaitingSince() : since;
      const readings: Readings = {
        now,
        memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapLimitBytes: getHeapStatistics().heap_size_limit, cgroupLimitBytes: this.cgroupLimit, totalBytes: totalmem() },
        loopLagMs: lagMs,
        queue: this.src.queue(stores),
        oldestRecordMs: since === null ? 0 : Math.max(0, now - since),
        oldestAnyRecordMs: sinceAny === null ? 0 : Math.max(0, now - sinceAny),
        sinks,
        errorRates: this.rates.add(now, await this.src.errorCounts()),
        inputs: this.src.inputs(),
        draining: this.src.draining(),
      };
      this.limit = memoryLimit(readings.memory, this.t.memory.budgetBytes);
      this.checks = evaluate(readings, this.t);
      this.at = new Date().toISOString();
      this.export();
    } finally {
      this.ticking = false;
    }
  }

  /** The checks as of now: the last evaluation, with the event-loop check failed if the monitor is overdue. */
  current(): CheckResult[] {
    const stale = staleLagMs(performance.now(), this.lastTick, this.t.intervalMs);
    // Draining is read live too: the preStop hook's POST /drain must take the pod out of the Service at once.
    const draining = this.src.draining();
    if (stale < this.t.eventLoop.criticalMs && !draining) return this.checks;
    return this.checks.map((x) => {
      if (x.name === 'draining' && draining) return drainingCheck(true);
      if (x.name !== 'event-loop' || stale < this.t.eventLoop.criticalMs) return x;
      const c = eventLoopCheck(stale, this.t.eventLoop);
      c.detail = `the health monitor last ran ${Math.round(stale + this.t.intervalMs)} ms ago: the event loop is not turning`;
      return c;
    });
  }

  answer(probe: Probe, verbose: boolean): { ok: boolean; body: string } {
    return probeBody(this.current(), probe, verbose);
  }

  summary(): HealthSummary {
    const checks = this.current();
    return {
      live: failing(checks, 'liveness').length === 0,
      ready: failing(checks, 'readiness').length === 0,
      at: this.at,
      memoryLimitBytes: this.limit.bytes,
      memoryLimitSource: this.limit.source,
      checks,
    };
  }

  private export(): void {
    const m = this.metrics;
    for (const c of this.checks) {
      m.healthStatus.labels(c.name).set(STATUS_VALUE[c.status]);
      m.healthValue.labels(c.name).set(c.value);
      if (c.threshold !== null) m.healthThreshold.labels(c.name).set(c.threshold);
    }
    m.memoryLimit.set(this.limit.bytes);
    m.live.set(failing(this.checks, 'liveness').length === 0 ? 1 : 0);
    m.ready.set(failing(this.checks, 'readiness').length === 0 ? 1 : 0);
  }
}
