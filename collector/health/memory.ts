// Memory pressure: the process's RSS against the memory it may use, and V8's heap against its own limit.
// The kernel OOM-kills the container when its cgroup exceeds the limit, so the limit read from the cgroup wins;
// the configured budget stands in when the container has none, physical memory when neither is set.
import type { CheckResult, HealthThresholds, MemoryReading } from './types.js';
import { levelAbove } from './level.js';

/** The bytes the process may use: cgroup limit, else `health.memory.budgetBytes`, else physical memory. */
export function memoryLimit(m: MemoryReading, budgetBytes: number): { bytes: number; source: 'cgroup' | 'budget' | 'physical' } {
  if (m.cgroupLimitBytes !== null) return { bytes: m.cgroupLimitBytes, source: 'cgroup' };
  if (budgetBytes > 0) return { bytes: budgetBytes, source: 'budget' };
  return { bytes: m.totalBytes, source: 'physical' };
}

/**
 * A usage-against-limit check: `used / limit` against the warning and critical ratios. warning -> not ready
 * (stop taking traffic), critical -> not alive (restart). `what` and `limitName` only word the detail.
 */
function ratioCheck(name: string, what: string, used: number, limit: number, limitName: string, t: HealthThresholds['memory']): CheckResult {
  const ratio = used / limit;
  const { status, threshold } = levelAbove(ratio, t.warningRatio, t.criticalRatio);
  return {
    name,
    status,
    value: used,
    threshold: Math.round(threshold * limit),
    unit: 'bytes',
    affects: { readiness: true, liveness: status === 'critical' },
    detail: `${what} ${mib(used)} of ${mib(limit)} ${limitName} (${(ratio * 100).toFixed(1)}%)`,
  };
}

/** `memory`: RSS vs the limit (memoryLimit). */
export function memoryCheck(m: MemoryReading, t: HealthThresholds['memory']): CheckResult {
  const limit = memoryLimit(m, t.budgetBytes);
  return ratioCheck('memory', 'rss', m.rssBytes, limit.bytes, `${limit.source} limit`, t);
}

/** `heap`: V8 heap used vs its limit: past it the process dies of "heap out of memory" whatever the cgroup allows. */
export function heapCheck(m: MemoryReading, t: HealthThresholds['memory']): CheckResult {
  return ratioCheck('heap', 'heap', m.heapUsedBytes, m.heapLimitBytes, 'V8 limit', t);
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
