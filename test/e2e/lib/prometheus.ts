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

/** A ServiceMonitor as the API server stores it (the fields a scrape job is derived from). */
export interface ServiceMonitorObject {
  metadata: { name: string; namespace: string };
  spec: {
    selector: {
      matchLabels?: Record<string, string>;
      matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
    };
    namespaceSelector?: { matchNames?: string[] };
    endpoints: Array<{ port: string; path?: string; interval?: string; scheme?: string }>;
  };
}

export interface FileSdScrapeJob {
  job_name: string;
  scrape_interval: string;
  metrics_path: string;
  scheme: string;
  file_sd_configs: Array<{ files: string[]; refresh_interval: string }>;
}

/** One file_sd target group (https://prometheus.io/docs/guides/file-sd/). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface ServiceObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
}

export interface EndpointSliceObject {
  metadata: { namespace: string; labels?: Record<string, string> };
  ports?: Array<{ name?: string; port?: number }>;
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }>;
}

/** Whether a label set matches a Kubernetes label selector (matchLabels AND every matchExpression). */
export function selects(selector: ServiceMonitorObject['spec']['selector'], labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key])
      : !has || !(e.values ?? []).includes(labels[e.key]);
    if (!ok) return false;
  }
  return true;
}

/**
 * The targets prometheus-operator's scrape job for endpoint `i` of a ServiceMonitor ends up with: in the selected
 * namespaces, the Services whose labels match the selector; of their EndpointSlices, the port named as the
 * endpoint's port, at each ready endpoint's address; labelled namespace, service, pod and endpoint. Debian's
 * Prometheus is built without Kubernetes service discovery (no kubernetes_sd_configs), so the test computes the
 * targets from what the API server holds and hands them over through file_sd.
 */
export function serviceMonitorTargets(sm: ServiceMonitorObject, i: number, services: ServiceObject[], slices: EndpointSliceObject[]): TargetGroup[] {
  const ep = sm.spec.endpoints[i];
  const namespaces = sm.spec.namespaceSelector?.matchNames ?? [sm.metadata.namespace];
  const groups: TargetGroup[] = [];
  for (const svc of services) {
    if (!namespaces.includes(svc.metadata.namespace) || !selects(sm.spec.selector, svc.metadata.labels)) continue;
    for (const sl of slices) {
      if (sl.metadata.namespace !== svc.metadata.namespace || sl.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
      const port = sl.ports?.find((p) => p.name === ep.port)?.port;
      if (port === undefined) continue;
      for (const e of sl.endpoints ?? []) {
        if (e.conditions?.ready === false || e.addresses.length === 0) continue;
        groups.push({
          targets: [`${e.addresses[0]}:${port}`],
          labels: { namespace: svc.metadata.namespace, service: svc.metadata.name, pod: e.targetRef?.kind === 'Pod' ? e.targetRef.name ?? '' : '', endpoint: ep.port },
        });
      }
    }
  }
  return groups;
}

/** The scrape job of endpoint `i` of a ServiceMonitor (job name, interval, path, scheme), reading targets from `file`. */
export function fileSdJobFor(sm: ServiceMonitorObject, i: number, file: string): FileSdScrapeJob {
  const ep = sm.spec.endpoints[i];
  return {
    job_name: `serviceMonitor/${sm.metadata.namespace}/${sm.metadata.name}/${i}`,
    scrape_interval: ep.interval ?? '30s',
    metrics_path: ep.path ?? '/metrics',
    scheme: ep.scheme ?? 'http',
    file_sd_configs: [{ files: [file], refresh_interval: '5s' }],
  };
}

export interface PrometheusProcess {
  readonly pid: number;
  readonly url: string;
  /** Instant query; the samples' values as numbers (empty when nothing matches). */
  query(expr: string): Promise<number[]>;
  /** Instant query; each sample's labels with its value under `value`. */
  series(expr: string): Promise<Array<Record<string, string>>>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Where Prometheus runs: by default on the host's loopback. `netns` + `address`: inside a real node's network
 * namespace (where pod IPs are reachable both ways: pods have no route back to the host), listening on the
 * node's address, which the host reaches over the node's veth.
 */
export interface PrometheusPlace {
  netns: string;
  address: string;
}

export async function startPrometheus(dir: string, jobs: Array<ScrapeJob | FileSdScrapeJob>, place?: PrometheusPlace): Promise<PrometheusProcess> {
  mkdirSync(dir, { recursive: true });
  // In a node's namespace, a port free on the host's loopback is as good as any: nothing else listens there.
  const port = await freePort();
  const host = place?.address ?? '127.0.0.1';
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify({ global: { scrape_interval: '15s' }, scrape_configs: jobs }));
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=${host}:${port}`,
  ];
  // nsenter joins the namespace and execs Prometheus in place, so the PID below is Prometheus's own.
  const [cmd, argv] = place ? ['nsenter', [`--net=/run/netns/${place.netns}`, '--', PROMETHEUS_BIN, ...args]] : [PROMETHEUS_BIN, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let gone = false;
  const exited = new Promise<void>((resolve) => child.on('exit', () => { gone = true; resolve(); }));
  child.on('error', (e) => { out += String(e); });
  if (child.pid === undefined) throw new Error(`cannot start ${PROMETHEUS_BIN}`);
  const pid = child.pid;
  const url = `http://${host}:${port}`;
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
    query: async (expr) => (await instant(url, expr)).map((s) => Number(s.value[1])),
    series: async (expr) => (await instant(url, expr)).map((s) => ({ ...s.metric, value: s.value[1] })),
  };
}

async function instant(url: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = JSON.parse(r.body) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? r.body}`);
  return body.data?.result ?? [];
}
