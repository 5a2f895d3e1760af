// The pure core: readings and thresholds in, check results out, and the probe answers derived from them.
import { oldestRecordCheck, queueCheck } from './backlog.js';
import { connectionsCheck } from './connections.js';
import { errorRateCheck } from './errors.js';
import { eventLoopCheck } from './event-loop.js';
import { heapCheck, memoryCheck } from './memory.js';
import { heldByStore, sinkCheck } from './sinks.js';
import type { CheckResult, HealthThresholds, Readings, SinkReading } from './types.js';

export function evaluate(r: Readings, t: HealthThresholds): CheckResult[] {
  return [
    drainingCheck(r.draining),
    memoryCheck(r.memory, t.memory),
    heapCheck(r.memory, t.memory),
    eventLoopCheck(r.loopLagMs, t.eventLoop),
    queueCheck(r.queue, t.queue, storeHeld(r.sinks, t)),
    oldestRecordCheck(r.oldestRecordMs, t.backlog, r.oldestAnyRecordMs, storeHeld(r.sinks, t)),
    ...r.sinks.map((s) => sinkCheck(s, t.sinks)),
    ...[...r.errorRates].map(([c, rate]) => errorRateCheck(c, rate, t.errors)),
    ...r.inputs.map((i) => connectionsCheck(i)),
  ];
}

/** The ids of the sinks their store holds up now (sinks.ts heldByStore). */
export function storeHeld(sinks: readonly SinkReading[], t: HealthThresholds): string[] {
  return sinks.filter((s) => heldByStore(s, t.sinks)).map((s) => s.id);
}

/** `draining`: after SIGTERM or POST /drain the collector takes no new traffic (readiness fails at once). */
export function drainingCheck(draining: boolean): CheckResult {
  return {
    name: 'draining',
    status: draining ? 'warning' : 'ok',
    value: draining ? 1 : 0,
    threshold: 1,
    unit: 'bool',
    affects: { readiness: true, liveness: false },
    detail: draining ? 'draining: no new traffic' : 'accepting',
  };
}

export type Probe = 'liveness' | 'readiness';

/** The checks that fail a probe: a check fails readiness while not ok, liveness only when it says so. */
export function failing(checks: readonly CheckResult[], probe: Probe): CheckResult[] {
  return checks.filter((c) => c.status !== 'ok' && c.affects[probe]);
}

/**
 * A probe's answer in the Kubernetes API server's style: `ok`, or `[-]check failed: detail` lines; with
 * `verbose`, one `[+]`/`[-]` line per check with its value and threshold.
 */
export function probeBody(checks: readonly CheckResult[], probe: Probe, verbose: boolean): { ok: boolean; body: string } {
  const bad = failing(checks, probe);
  const ok = bad.length === 0;
  const failed = new Set(bad.map((c) => c.name));
  if (!verbose) {
    return { ok, body: ok ? 'ok\n' : bad.map((c) => `[-]${c.name} failed: ${c.detail}\n`).join('') + `${probe} check failed\n` };
  }
  const lines = checks.map((c) => {
    const mark = failed.has(c.name) ? '[-]' : '[+]';
    const note = failed.has(c.name) ? 'failed' : c.status === 'ok' ? 'ok' : `${c.status} (does not fail ${probe})`;
    return `${mark}${c.name} ${note}: value=${c.value}${c.threshold === null ? '' : ` threshold=${c.threshold}`} ${c.unit}; ${c.detail}\n`;
  });
  return { ok, body: lines.join('') + (ok ? `${probe} check passed\n` : `${probe} check failed\n`) };
}
