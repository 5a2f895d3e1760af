// Event-loop lag. The monitor samples perf_hooks.monitorEventLoopDelay and reports the largest delay of each
// interval; a loop blocked longer than `eventLoop.criticalMs` is not alive. The check itself runs on that
// loop, so a loop that stops turning cannot report itself: the HTTP handler also compares the time since the
// monitor's last tick (staleLagMs) and fails liveness when the monitor has not run for too long.
import type { CheckResult, HealthThresholds } from './types.js';
import { levelAbove } from './level.js';

/** `event-loop`: warning is reported only; critical fails liveness (and readiness). */
export function eventLoopCheck(lagMs: number, t: HealthThresholds['eventLoop']): CheckResult {
  const { status, threshold } = levelAbove(lagMs, t.warningMs, t.criticalMs);
  return {
    name: 'event-loop',
    status,
    value: Math.round(lagMs),
    threshold,
    unit: 'ms',
    affects: { readiness: status === 'critical', liveness: status === 'critical' },
    detail: `largest event-loop delay ${Math.round(lagMs)} ms in the last interval`,
  };
}

/**
 * How late the monitor's tick is, in ms: time since the last tick beyond one interval. Used when answering a
 * probe, because a stuck loop never runs the tick that would record its own lag.
 */
export function staleLagMs(now: number, lastTick: number, intervalMs: number): number {
  return Math.max(0, now - lastTick - intervalMs);
}
