// Journey 5, the scrape half without a cluster: Debian's Prometheus, configured from the ServiceMonitor and Service
// the operator builds for a LogServer (same port name, path and interval), scrapes a running collector: up == 1
// and zlog_component_received_events_total rises. helm.test.ts repeats it with the objects as a real API server
// stored them, after the ServiceMonitor CRD from prometheus-operator's module validated them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCollectorConfig } from '../../operator/api/collector-config.js';
import { validateSpec } from '../../operator/api/validate.js';
import { desiredObject, desiredState } from '../../operator/manifests/children.js';
import type { ServiceLike, ServiceMonitorLike } from './lib/prometheus.js';
import { assertPrometheusScrapes, type DeploymentLike } from './lib/scrape.js';

test('Prometheus scrapes a collector through the ServiceMonitor endpoint the operator builds', { timeout: 180_000 }, async (t) => {
  const r = validateSpec({ monitoring: { serviceMonitor: { enabled: true, interval: '2s', labels: { release: 'kube-prometheus-stack' } } } });
  assert.ok(r.ok, JSON.stringify(r));
  const desired = desiredState({ name: 'zlog', namespace: 'logging', uid: '00000000-0000-4000-8000-000000000001' }, r.spec);
  const sm = desiredObject(desired, 'ServiceMonitor') as unknown as ServiceMonitorLike;
  assert.ok(sm, 'no ServiceMonitor wanted although monitoring.serviceMonitor.enabled');
  assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
  const svc = desiredObject(desired, 'Service') as unknown as ServiceLike;
  const dep = desiredObject(desired, 'Deployment') as unknown as DeploymentLike;
  const job = await assertPrometheusScrapes(t, sm, svc, dep, renderCollectorConfig(r.spec).http.port);
  assert.equal(job.metrics_path, '/metrics');
  assert.equal(job.scrape_interval, '2s');
});
