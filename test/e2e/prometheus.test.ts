// Journey 5, the scrape half: Debian's Prometheus, configured from the ServiceMonitor and Service the operator
// builds for a LogServer (same port name, path and interval), scrapes a running collector: up == 1 and
// zlog_component_received_events_total rises as records arrive. The cluster half (the ServiceMonitor CRD from
// prometheus-operator's module and selection by labels in a real API server) is in kube-prometheus.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { renderCollectorConfig } from '../../operator/api/collector-config.js';
import { validateSpec } from '../../operator/api/validate.js';
import { desiredState } from '../../operator/manifests/index.js';
import { startCollector } from './lib/collector.js';
import { waitFor } from './lib/ports.js';
import { scrapeJobFor, startPrometheus, type ServiceLike, type ServiceMonitorLike } from './lib/prometheus.js';

interface ContainerPort { name: string; containerPort: number }
interface DeploymentLike { spec: { template: { spec: { containers: Array<{ ports: ContainerPort[] }> } } } }

test('Prometheus scrapes a collector through the ServiceMonitor endpoint the operator builds', { timeout: 180_000 }, async (t) => {
  const r = validateSpec({ monitoring: { serviceMonitor: { enabled: true, interval: '2s', labels: { release: 'kube-prometheus-stack' } } } });
  assert.ok(r.ok, JSON.stringify(r));
  const spec = r.spec;
  const owner = { name: 'zlog', namespace: 'logging', uid: '00000000-0000-4000-8000-000000000001' };
  const desired = desiredState(owner, spec);
  const sm = desired.serviceMonitor as unknown as ServiceMonitorLike;
  assert.ok(sm, 'no ServiceMonitor wanted although monitoring.serviceMonitor.enabled');
  assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
  const svc = desired.apply.find((o) => o.kind === 'Service') as unknown as ServiceLike;
  const dep = desired.apply.find((o) => o.kind === 'Deployment') as unknown as DeploymentLike;

  const dir = mkdtempSync(join(tmpdir(), 'zlog-prom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const collector = await startCollector({ dir: join(dir, 'collector') });
  t.after(() => collector.stop(15_000).then(() => undefined));

  const job = scrapeJobFor(sm, svc, ({ targetPort }) => {
    // The chain a cluster resolves: Service targetPort (a name) -> the container port of that name -> the port the
    // rendered collector config listens on. Here the collector listens on a free loopback port instead.
    const cport = dep.spec.template.spec.containers[0].ports.find((p) => p.name === targetPort);
    assert.ok(cport, `no container port named ${String(targetPort)}`);
    assert.equal(cport.containerPort, renderCollectorConfig(spec).http.port, 'container port and collector http port differ');
    return `127.0.0.1:${collector.httpPort}`;
  });
  assert.equal(job.metrics_path, '/metrics');
  assert.equal(job.scrape_interval, '2s');

  const prom = await startPrometheus(join(dir, 'prometheus'), [job]);
  t.after(() => prom.stop());
  const sel = `job="${job.job_name}"`;
  await waitFor('up == 1', async () => (await prom.query(`up{${sel}}`))[0] === 1, 60_000, 500);

  const client = new ZlogClient();
  t.after(() => client.close(1000));
  client.connect(collector.nativeEndpoint);
  const received = async () => (await prom.query(`sum(zlog_component_received_events_total{${sel},component_id="native"})`))[0] ?? 0;
  const sendN = async (n: number, tag: string) => {
    await Promise.all(Array.from({ length: n }, (_, i) => client.send(`${tag}-${i}`)));
  };
  await sendN(200, 'first');
  await waitFor('received >= 200 in Prometheus', async () => (await received()) >= 200, 60_000, 500);
  const before = await received();
  await sendN(300, 'second');
  await waitFor(`received to rise above ${before}`, async () => (await received()) >= before + 300, 60_000, 500);
  const labels = await prom.query(`count(zlog_component_received_events_total{${sel},namespace="logging",service="zlog",endpoint="metrics"})`);
  assert.ok((labels[0] ?? 0) > 0, 'scraped series lack the namespace/service/endpoint target labels');
});
