// Debian's Prometheus binary with a config of our own, on loopback, stopped by PID; plus the translation of a
// ServiceMonitor endpoint into the scrape job prometheus-operator would generate for it.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, httpGet, waitFor } from './ports.js';

export const PROMETHEUS_BIN = process.env.ZLOG_PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface ServiceMonitorLike {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: Array<{ port: string; path?: string; interval?: string; scheme?: string }>;
  };
}

export interface ServiceLike {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { ports: Array<{ name?: string; port: number; targetPort?: number | string }> };
}

export interface ScrapeJob {
  job_name: string;
  scrape_interval: string;
  metrics_path: string;
  scheme: string;
  static_configs: Array<{ targets: string[]; labels: Record<string, string> }>;
}

/**
 * The scrape job for endpoint 0 of a ServiceMonitor, the way prometheus-operator derives it: the Service must
 * match the selector and have a port with the endpoint's name; path, interval and scheme come from the endpoint.
 * Outside a cluster there are no endpoints to discover, so `resolveTarget` maps the named port to the address
 * where the pod's container port actually listens.
 */
export function scrapeJobFor(sm: ServiceMonitorLike, svc: ServiceLike, resolveTarget: (port: { name: string; targetPort: number | string }) => string): ScrapeJob {
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) {
    if (svc.metadata.labels?.[k] !== v) throw new Error(`ServiceMonitor ${sm.metadata.name} does not select Service ${svc.metadata.name}: label ${k}=${v} missing`);
  }
  const ep = sm.spec.endpoints[0];
  const port = svc.spec.ports.find((p) => p.name === ep.port);
  if (!port) throw new Error(`Service ${svc.metadata.name} has no port named ${ep.port} (ServiceMonitor ${sm.metadata.name})`);
  return {
    job_name: `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/0`,
    scrape_interval: ep.interval ?? '30s',
    metrics_path: ep.path ?? '/metrics',
    scheme: ep.scheme ?? 'http',
    static_configs: [{
      targets: [resolveTarget({ name: ep.port, targetPort: port.targetPort ?? port.port })],
      labels: { namespace: svc.metadata.namespace, service: svc.metadata.name, endpoint: ep.port },
    }],
  };
}

export interface PrometheusProcess {
  readonly pid: number;
  readonly url: string;
  /** Instant query; the samples' values as numbers (empty when nothing matches). */
  query(expr: string): Promise<number[]>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(dir: string, jobs: ScrapeJob[]): Promise<PrometheusProcess> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify({ global: { scrape_interval: '15s' }, scrape_configs: jobs }));
  const child = spawn(PROMETHEUS_BIN, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let gone = false;
  const exited = new Promise<void>((resolve) => child.on('exit', () => { gone = true; resolve(); }));
  child.on('error', (e) => { out += String(e); });
  if (child.pid === undefined) throw new Error(`cannot start ${PROMETHEUS_BIN}`);
  const pid = child.pid;
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!gone) process.kill(pid, 'SIGTERM');
    const t = setTimeout(() => !gone && process.kill(pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitFor('prometheus /-/ready', async () => {
      if (gone) throw new Error(`prometheus exited: ${out.slice(-2000)}`);
      return (await httpGet(`${url}/-/ready`)).status === 200;
    }, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    pid,
    url,
    output: () => out,
    stop,
    query: async (expr) => {
      const r = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = JSON.parse(r.body) as { status: string; error?: string; data?: { result: Array<{ value: [number, string] }> } };
      if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? r.body}`);
      return (body.data?.result ?? []).map((s) => Number(s.value[1]));
    },
  };
}
