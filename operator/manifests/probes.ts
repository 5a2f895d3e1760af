// The collector container's probes, derived from its health thresholds (collector/health/) so the kubelet's
// timing fits what the collector measures: the collector already waits out its own durations (a sink is stuck
// only after health.sinks.stuckSeconds, memory is judged every interval), so the probes add little delay of
// their own. Field meanings: Kubernetes "Configure Liveness, Readiness and Startup Probes".
import type { V1Probe } from '@kubernetes/client-node';
import type { HealthThresholds } from '../../collector/health/types.js';

export interface CollectorProbes {
  liveness: V1Probe;
  readiness: V1Probe;
}

export function collectorProbes(h: HealthThresholds, port: string): CollectorProbes {
  const interval = Math.ceil(h.intervalMs / 1000);
  // A loop lagging just under health.eventLoop.criticalMs is alive and must still answer in time.
  const timeoutSeconds = Math.ceil(h.eventLoop.criticalMs / 1000) + 1;
  // Readiness is probed about as often as the collector evaluates it (never faster than it can change) and
  // acts on the first failure: the collector's checks already carry their own durations.
  const readinessPeriod = Math.min(Math.max(interval, 2), 10);
  // Liveness restarts only after the failure persisted for at least three evaluations and three probes, so
  // one slow answer never kills a pod that is merely busy.
  const livenessPeriod = Math.max(10, interval * 2);
  return {
    liveness: { httpGet: { path: '/healthz', port }, periodSeconds: livenessPeriod, timeoutSeconds, failureThreshold: 3, successThreshold: 1 },
    readiness: { httpGet: { path: '/readyz', port }, periodSeconds: readinessPeriod, timeoutSeconds, failureThreshold: 1, successThreshold: 1 },
  };
}
