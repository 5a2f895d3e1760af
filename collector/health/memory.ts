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

/** `memory`: RSS vs the limit. warning -> not ready (stop taking traffic), critical -> not alive (restart). */
export function memoryCheck(m: MemoryReading, t: HealthThresholds['memory']): CheckResult {
  const limit = memoryLimit(m, t.budgetBytes);
  const ratio = m.rssBytes / limit.bytes;
  const { status, threshold } = levelAbove(ratio, t.warningRatio, t.criticalRatio);
  return {
    name: 'memory',
    status,
    value: m.rssBytes,
    threshold: Math.round(threshold * limit.bytes),
    unit: 'bytes',
    affects: { readiness: true, liveness: status === 'critical' },
    detail: `rss ${mib(m.rssBytes)} of ${mib(limit.bytes)} ${limit.source} limit (${(ratio * 100).toFixed(1)}%)`,
  };
}

/** `heap`: V8 heap used vs its limit: past it the process dies of "heap out of memory" whatever the cgroup allows. */
export function heapCheck(m: MemoryReading, t: HealthThresholds['memory']): CheckResult {
  const ratio = m.heapUsedBytes / m.heapLimitBytes;
  const { status, threshold } = levelAbove(ratio, t.warningRatio, t.criticalRatio);
  return {
    name: 'heap',
    status,
    value: m.heapUsedBytes,
    threshold: Math.round(threshold * m.heapLimitBytes),
    unit: 'bytes',
    affects: { readiness: true, liveness: status === 'critical' },
    detail: `heap ${mib(m.heapUsedBytes)} of ${mib(m.heapLimitBytes)} V8 limit (${(ratio * 100).toFixed(1)}%)`,
  };
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}
