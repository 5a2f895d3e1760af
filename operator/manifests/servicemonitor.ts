// prometheus-operator ServiceMonitor scraping the metrics port. Its CRD may be absent: the reconciler decides.
import type { LogServerSpec } from '../api/types.js';
import { HEADLESS_LABEL, METRICS_PORT_NAME, childMeta, childNames, selectorLabels, type ChildMeta, type Owner } from './common.js';

export const SERVICE_MONITOR_API_VERSION = 'monitoring.coreos.com/v1';

export interface ServiceMonitor {
  apiVersion: typeof SERVICE_MONITOR_API_VERSION;
  kind: 'ServiceMonitor';
  metadata: ChildMeta;
  spec: {
    selector: { matchLabels: Record<string, string>; matchExpressions: Array<{ key: string; operator: 'DoesNotExist' }> };
    namespaceSelector: { matchNames: string[] };
    endpoints: Array<{ port: string; path: string; interval: string; scheme: 'http' }>;
  };
}

export function buildServiceMonitor(owner: Owner, spec: LogServerSpec): ServiceMonitor {
  const sm = spec.monitoring.serviceMonitor;
  return {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: 'ServiceMonitor',
    metadata: childMeta(owner, childNames.workload(owner), sm.labels),
    spec: {
      selector: { matchLabels: selectorLabels(owner), matchExpressions: [{ key: HEADLESS_LABEL, operator: 'DoesNotExist' }] },
      namespaceSelector: { matchNames: [owner.namespace] },
      endpoints: [{ port: METRICS_PORT_NAME, path: '/metrics', interval: sm.interval, scheme: 'http' }],
    },
  };
}
