// Shared by the scrape journeys: a real collector and Debian's Prometheus configured from a ServiceMonitor and the
// Service it selects; asserts up == 1 and that zlog_component_received_events_total rises as records arrive.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZlogClient } from '../../../collector/client/client.js';
import { startCollector } from '../../helpers/collector-process.js';
import { waitFor } from './ports.js';
import { scrapeJobFor, startPrometheus, type ScrapeJob, type ServiceLike, type ServiceMonitorLike } from './prometheus.js';

interface ContainerPort { name: string; containerPort: number }
export interface DeploymentLike { spec: { template: { spec: { containers: Array<{ ports: ContainerPort[] }> } } } }

type After = { after(fn: () => unknown): void };

/**
 * `collectorMetricsPort` is the port the collector's rendered config listens on; the Service's target port name
 * must lead there through the Deployment's container ports, as it does in a cluster. Locally the collector
 * listens on a free loopback port instead.
 */
export async function assertPrometheusScrapes(
  t: After,
  sm: ServiceMonitorLike,
  svc: ServiceLike,
  dep: DeploymentLike,
  collectorMetricsPort: number,
): Promise<ScrapeJob> {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-scrape-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const collector = await startCollector({}, { dir: join(dir, 'collector') });
  t.after(() => collector.stop('SIGTERM', 15_000).then(() => undefined));

  const job = scrapeJobFor(sm, svc, ({ targetPort }) => {
    const cport = dep.spec.template.spec.containers[0].ports.find((p) => p.name === targetPort || p.containerPort === targetPort);
    assert.ok(cport, `no container port ${String(targetPort)} for the Service's target port`);
    assert.equal(cport.containerPort, collectorMetricsPort, 'the container port and the collector http port differ');
    return `127.0.0.1:${collector.httpPort}`;
  });

  const prom = await startPrometheus(join(dir, 'prometheus'), [job]);
  t.after(() => prom.stop());
  const sel = `job="${job.job_name}"`;
  await waitFor('up == 1', async () => (await prom.query(`up{${sel}}`))[0] === 1, 60_000, 500);

  const client = new ZlogClient();
  t.after(() => client.close(1000));
  client.connect(collector.endpoints.native[0]);
  const received = async () => (await prom.query(`sum(zlog_component_received_events_total{${sel},component_id="native"})`))[0] ?? 0;
  const sendN = (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => client.send(`${tag}-${i}`)));
  await sendN(200, 'first');
  await waitFor('received >= 200 in Prometheus', async () => (await received()) >= 200, 60_000, 500);
  const before = await received();
  await sendN(300, 'second');
  await waitFor(`received to rise above ${before}`, async () => (await received()) >= before + 300, 60_000, 500);
  const labelled = await prom.query(`count(zlog_component_received_events_total{${sel},namespace="${svc.metadata.namespace}",service="${svc.metadata.name}",endpoint="${sm.spec.endpoints[0].port}"})`);
  assert.ok((labelled[0] ?? 0) > 0, 'scraped series lack the namespace/service/endpoint target labels');
  return job;
}
