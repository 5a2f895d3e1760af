// Benchmark (not a test): N LogServers across 10 namespaces created at once on a real control plane with kwok
// nodes. Prints when the last one reported Ready, where the time went (the operator's applies, the
// controller-manager's pods, the scheduler and kwok's readiness, the operator's status), the operator's RSS,
// its API requests per method and resource, and how long deleting all of them takes until every child is gone.
//   node dist/bench/operator-scale.js [count] [namespaces] [--baseline DIR/dist/operator/main.js] [--rounds N] [--cm-qps N]
//     [--variant 'NAME=NODE_FLAGS [-- OPERATOR_FLAGS]' ...] [--steady-seconds N] [--sink-health-seconds N] [--sink-answers]
//     [--plain-node]
// Every operator runs with the node flags it has in the chart's pod (deployedNodeFlags: the image's ENTRYPOINT
// flags and the heap size Node derives from the chart's memory limit) unless --plain-node; a variant's node flags
// come after them, so they can override one (a later V8 flag wins).
// The clock starts once the operator leads with its caches filled (an operator runs long before LogServers are
// created); the control plane's processes' CPU from the first create to all Ready says who was busy.
// With --baseline, each round runs the same scenario twice on the same cluster, first with that other build of
// the operator (say main's, built in a scratch copy) and then with this tree's, so before and after are
// measured under the same load. Each --variant runs this tree's build once more per round with those node flags,
// and the operator flags after a `--`; leading NAME=VALUE words are environment variables (e.g.
// semi1=--max-semi-space-size=1, "w16=-- --workers 16", "arena2=MALLOC_ARENA_MAX=2"). --steady-seconds (default 65) is a window after all are Ready in which
// nothing changes but the operator's timers (the sink-health sweep every --sink-health-seconds, 30 by
// default): its CPU, API requests and RSS there are the steady-state cost. kwok's pods have no process behind
// their IPs, so by default every sweep request times out (1 s each, 8 at once); with --sink-answers the pods get
// loopback IPs (kwok --cidr 127.N.0.0/16) and this bench answers GET /sinks on each of them with a healthy file
// sink in the collector's shape (collector/sinks/health.ts), which is the sweep's cost against live pods.
import { benchArgs } from './cli.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { repoRoot } from '../test/cluster/bins.js';
import type { Cluster } from '../test/cluster/harness.js';
import { OperatorProcess, condition, getJson, logServer, metricValue, useOperatorCluster, type Obj, type OperatorEnv } from '../test/operator/env.js';
import { createServer, type Server } from 'node:http';
import { freePort } from '../test/helpers/net.js';
import type { SinkHealth } from '../collector/sinks/health.js';
import { validateSpec } from '../operator/api/validate.js';
import { cpuSeconds } from './proc-cpu.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseQuantity } from '../operator/api/quantity.js';
import { loadClientConfig } from '../operator/controller/kubeconfig.js';
import { Kube, type KubeObject } from '../operator/controller/kube.js';
import { Informer } from '../operator/controller/informer.js';
import { LOGSERVER_RESOURCE } from '../operator/api/schema.js';
import { pino } from 'pino';
import { request as httpsRequest } from 'node:https';

const USAGE = `usage: node dist/bench/operator-scale.js [count 200] [namespaces 10] [--baseline DIR/dist/operator/main.js] [--rounds 1]
       [--workers 8] [--cm-qps N] [--variant 'NAME=NODE_FLAGS [-- OPERATOR_FLAGS]' ...] [--steady-seconds 65]
       [--sink-health-seconds 30] [--sink-answers] [--plain-node]
  count LogServers in namespaces namespaces created at once on a real control plane with 3 kwok nodes; prints
  when all were Ready, where the time went, the operator's RSS, CPU and API requests, and the cleanup time
  (docs/operator.md, "Scale: 200 LogServers").
  --workers        the operator's --workers (8, the operator's own default)
  --cm-qps         kube-controller-manager's --kube-api-qps (burst twice that); default its own 20/30
  --baseline       another build's operator, run first in each round on the same cluster
  --variant        this tree's operator once more per round, with these node flags (and operator flags after --)
  --steady-seconds a window after all Ready with only the operator's timers running
  --sink-answers   answer the sink-health sweep from loopback pod IPs (else every request times out)
  --plain-node     plain node, not the chart pod's node flags`;

const { values, positionals } = benchArgs(USAGE, {
  allowPositionals: true,
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    workers: { type: 'string', default: '8' },
    // kube-controller-manager's client limits (upstream default 20/30, per controller with
    // --use-service-account-credentials): raise them to see how much of the time is that limit.
    'cm-qps': { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    'steady-seconds': { type: 'string', default: '65' },
    'sink-health-seconds': { type: 'string', default: '30' },
    'sink-answers': { type: 'boolean', default: false },
    // Run the operator with plain `node` instead of the node flags of the deployed pod (below).
    'plain-node': { type: 'boolean', default: false },
  },
});
const count = Number(positionals[0] ?? 200);
const namespaces = Number(positionals[1] ?? 10);
const afters: Array<() => unknown> = [];
const scope = { after: (fn: () => unknown) => void afters.push(fn) };

/** Seconds from t0 to the latest of some timestamps (creationTimestamp has 1 s resolution). */
function lastAfter(t0: number, stamps: Array<string | undefined>): number {
  const times = stamps.filter((s): s is string => !!s).map((s) => Date.parse(s));
  return times.length ? Number(((Math.max(...times) - t0) / 1000).toFixed(1)) : NaN;
}

/** prom-client's heap-space sizes and external memory, MiB: {new_space: 16, old_space: 40, ..., external: 3}. */
function heapSpaces(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^zlog_operator_nodejs_heap_space_size_total_bytes\{space="([^"]+)"\} ([0-9.e+]+)$/gm)) out[m[1]] = Number((Number(m[2]) / 1048576).toFixed(1));
  out.external = Number((metricValue(metrics, 'zlog_operator_nodejs_external_memory_bytes') / 1048576).toFixed(1));
  out.rssReported = Number((metricValue(metrics, 'zlog_operator_process_resident_memory_bytes') / 1048576).toFixed(1));
  return out;
}

/** A metric summed over all its label sets. */
function sumOf(metrics: string, name: string): number {
  let total = 0;
  for (const m of metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) total += Number(m[1]);
  return total;
}

/** Seconds from t0 to the earliest of some timestamps. */
function firstAfter(t0: number, stamps: Array<string | undefined>): number {
  const times = stamps.filter((s): s is string => !!s).map((s) => Date.parse(s));
  return times.length ? Number(((Math.min(...times) - t0) / 1000).toFixed(1)) : NaN;
}

/** `zlog_operator_api_requests_total` summed by method and resource: {"PATCH deployments": 200, ...}. */
function requestCounts(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^zlog_operator_api_requests_total\{([^}]*)\} ([0-9.e+]+)$/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels.method} ${labels.resource}${labels.code && !labels.code.startsWith('2') ? ` ${labels.code}` : ''}`;
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

function tally(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** What a live collector with the default spec's sinks answers on GET /sinks when all is well. */
function healthyAnswer(): string {
  const spec = validateSpec({});
  if (!spec.ok) throw new Error('the default spec is invalid');
  const sinks: SinkHealth[] = spec.spec.sinks.map((s) => ({
    id: s.name,
    type: s.type,
    state: 'healthy',
    queue: { records: 0, bytes: 0, batches: 0, maxBytes: 67_108_864, maxBatches: 256, full: false },
    buffer: null,
    deadLetter: null,
    lastError: null,
  }));
  return JSON.stringify({ sinks }) + '\n';
}

/**
 * GET /sinks (and /readyz) answered on `ips` loopback addresses at `port`, standing in for the collectors kwok
 * does not run. Returns how many were bound and how many requests each path got.
 */
async function sinkAnswerers(base: string, count: number, port: number): Promise<{ servers: Server[]; bound: Set<string>; hits: Record<string, number> }> {
  const body = healthyAnswer();
  const servers: Server[] = [];
  const bound = new Set<string>();
  const hits: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const ip = `${base}.${Math.floor(i / 256)}.${i % 256}`;
    if (i % 256 === 0) continue;
    const server = createServer((req, res) => {
      hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
      if (req.url === '/sinks') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      else if (req.url === '/readyz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => resolve());
    });
    servers.push(server);
    bound.add(ip);
  }
  return { servers, bound, hits };
}

/**
 * The node flags the operator runs with in the pod the chart deploys: those of Dockerfile.operator's ENTRYPOINT,
 * plus the heap size Node derives from the container's memory limit. Node sizes V8's heap for the cgroup's
 * memory limit when there is one (uv_get_constrained_memory, node's SetIsolateCreateParamsForNode); for the
 * chart's 256Mi that is V8's minimum old generation, 256 MiB, which also caps V8's heap growing factor at 1.3
 * instead of the 4 it allows on a host with gigabytes (heap-controller.cc MaxGrowingFactor). Outside a pod the
 * same sizing needs `--max-old-space-size=<limit in MiB>` (with the 1 MiB semi-space, heap_size_limit is then
 * 259 MiB in both cases).
 */
function deployedNodeFlags(): string[] {
  const docker = readFileSync(join(repoRoot(), 'Dockerfile.operator'), 'utf8');
  const m = /^ENTRYPOINT (\[.*\])$/m.exec(docker);
  if (!m) throw new Error('Dockerfile.operator: no ENTRYPOINT [...] line');
  const words = JSON.parse(m[1]) as string[];
  const flags = words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
  const values = parseYaml(readFileSync(join(repoRoot(), 'charts/zlog/values.yaml'), 'utf8')) as { operator?: { resources?: { limits?: { memory?: string } } } };
  const limit = parseQuantity(values.operator?.resources?.limits?.memory ?? '');
  if (limit !== undefined && !flags.some((f) => f.startsWith('--max-old-space-size'))) flags.push(`--max-old-space-size=${Math.floor(limit / 1048576)}`);
  return flags;
}

/** GET of a control-plane component's /metrics with the admin client certificate ('' when it cannot be read). */
function scrape(c: Cluster, url: string): Promise<string> {
  const cfg = loadClientConfig(c.kubeconfig);
  return new Promise((resolve) => {
    // The controller-manager serves a self-signed certificate; the admin certificate is what authenticates us.
    const req = httpsRequest(url, { cert: cfg.cert, key: cfg.key, ca: cfg.ca, rejectUnauthorized: url.startsWith(cfg.server) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : ''));
    });
    req.on('error', () => resolve(''));
    req.setTimeout(20_000, () => req.destroy());
    req.end();
  });
}

/** kube-controller-manager's secure port, from its command line. */
function controllerManagerUrl(c: Cluster): string | undefined {
  try {
    const args = readFileSync(`/proc/${c.pids['kube-controller-manager']}/cmdline`, 'utf8').split('\0');
    const port = args.find((a) => a.startsWith('--secure-port='))?.split('=')[1];
    return port ? `https://127.0.0.1:${port}/metrics` : undefined;
  } catch {
    return undefined;
  }
}

/** Sum of a metric's samples whose labels match `labels` (a regular expression over the label text). */
function sumWhere(metrics: string, name: string, labels = /.*/): number {
  let total = 0;
  for (const m of metrics.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+-]+|NaN)$`, 'gm'))) if (labels.test(m[1] ?? '') && m[2] !== 'NaN') total += Number(m[2]);
  return total;
}

/**
 * What the controller-manager and the API server did between two scrapes: the controller-manager's client
 * requests and the time they waited on its client-side rate limiter (client-go's rest_client_rate_limiter_duration,
 * summed over all requests: the --kube-api-qps limit at work), how long Deployment and ReplicaSet keys waited in
 * its work queues, and the API server's request time and its API Priority and Fairness queueing.
 */
function controlPlaneDelta(a: { cm: string; api: string }, b: { cm: string; api: string }): Record<string, number> {
  const d = (x: string, y: string, name: string, labels?: RegExp) => Number((sumWhere(y, name, labels) - sumWhere(x, name, labels)).toFixed(2));
  const queue = (n: string) => ({
    [`cm${n}QueueAdds`]: d(a.cm, b.cm, 'workqueue_adds_total', new RegExp(`name="${n}"`)),
    [`cm${n}QueueWaitSecondsMean`]: Number(
      (d(a.cm, b.cm, 'workqueue_queue_duration_seconds_sum', new RegExp(`name="${n}"`)) / Math.max(1, d(a.cm, b.cm, 'workqueue_queue_duration_seconds_count', new RegExp(`name="${n}"`)))).toFixed(3),
    ),
  });
  return {
    cmRequests: d(a.cm, b.cm, 'rest_client_requests_total'),
    cmRequestsPost: d(a.cm, b.cm, 'rest_client_requests_total', /method="POST"/),
    cmRequestsPut: d(a.cm, b.cm, 'rest_client_requests_total', /method="PUT"/),
    cmRateLimiterWaitSeconds: d(a.cm, b.cm, 'rest_client_rate_limiter_duration_seconds_sum'),
    cmRateLimiterWaitSecondsMean: Number((d(a.cm, b.cm, 'rest_client_rate_limiter_duration_seconds_sum') / Math.max(1, d(a.cm, b.cm, 'rest_client_rate_limiter_duration_seconds_count'))).toFixed(3)),
    ...queue('deployment'),
    ...queue('replicaset'),
    apiRequests: d(a.api, b.api, 'apiserver_request_total'),
    apiRequestsNotWatch: d(a.api, b.api, 'apiserver_request_total', /^(?!.*verb="WATCH")/),
    apiRequestSecondsNotWatch: d(a.api, b.api, 'apiserver_request_duration_seconds_sum', /^(?!.*verb="WATCH")/),
    apiFlowControlWaitSeconds: d(a.api, b.api, 'apiserver_flowcontrol_request_wait_duration_seconds_sum'),
  };
}

/** Busy and total CPU time of the whole machine so far (seconds, from /proc/stat's first line). */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4];
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** CPU seconds of each control-plane process and of the operator, and of the machine, now. */
function cpuNow(c: Cluster, operatorPid: number): { parties: Record<string, number>; machine: { busy: number; total: number } } {
  const parties: Record<string, number> = {};
  for (const [component, pid] of Object.entries(c.pids)) parties[component] = cpuSeconds(pid);
  parties.operator = cpuSeconds(operatorPid);
  // This bench's own CPU, and that of its children that have exited (kubectl: the creates and the once-a-second polls).
  const self = readFileSync('/proc/self/stat', 'utf8');
  const f = self.slice(self.lastIndexOf(')') + 2).split(' ');
  parties.bench = (Number(f[11]) + Number(f[12])) / 100;
  parties.kubectl = (Number(f[13]) + Number(f[14])) / 100;
  return { parties, machine: machineCpu() };
}

/** CPU each party spent between two cpuNow() snapshots, and the machine's busy cores on average (2 = both full). */
function cpuBetween(a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.parties)) out[k] = Number((v - (a.parties[k] ?? 0)).toFixed(1));
  out.allPartiesAbove = Number(Object.values(out).reduce((x, y) => x + y, 0).toFixed(1));
  out.machineBusyCpuSeconds = Number((b.machine.busy - a.machine.busy).toFixed(1));
  out.machineBusyCoresMean = Number(((b.machine.busy - a.machine.busy) / seconds).toFixed(2));
  return out;
}

/** The bench's own API client (admin credentials): it watches the LogServers. */
let adminKube: Kube | undefined;

let answerers: { servers: Server[]; bound: Set<string>; hits: Record<string, number>; port: number } | undefined;

async function main(): Promise<void> {
  const qps = values['cm-qps'];
  // 127.N.0.0/16 with N picked at random so that two runs at once do not answer each other's pods.
  const podNet = values['sink-answers'] ? `127.${64 + Math.floor(Math.random() * 190)}` : undefined;
  const env = await useOperatorCluster(scope, {
    name: 'op-bench',
    kwokNodes: 3,
    extraArgs: {
      ...(qps ? { 'kube-controller-manager': [`--kube-api-qps=${qps}`, `--kube-api-burst=${Number(qps) * 2}`] } : {}),
      ...(podNet ? { kwok: [`--cidr=${podNet}.0.0/16`] } : {}),
    },
  });
  if (podNet) {
    const port = await freePort();
    // kwok hands out pod IPs in order from the range; room for every run's pods (each run's are deleted).
    answerers = { ...(await sinkAnswerers(podNet, count * 2 + 256, port)), port };
    scope.after(() => Promise.all(answerers!.servers.map((s) => new Promise((r) => s.close(r)))));
  }
  adminKube = await Kube.create(loadClientConfig(env.cluster.kubeconfig));
  scope.after(() => adminKube?.close());
  const own = join(repoRoot(), 'dist/operator/main.js');
  const podFlags = values['plain-node'] ? [] : deployedNodeFlags();
  console.log(`operator node flags (${values['plain-node'] ? '--plain-node' : "the chart's pod"}): ${podFlags.join(' ') || '(none)'}`);
  const results: Obj[] = [];
  const runs: Array<{ label: string; script: string; nodeArgs: string[]; opArgs: string[]; env?: Record<string, string>; prefix: string }> = [];
  if (values.baseline) runs.push({ label: 'baseline', script: values.baseline, nodeArgs: podFlags, opArgs: [], prefix: 'b' });
  runs.push({ label: 'this tree', script: own, nodeArgs: podFlags, opArgs: [], prefix: 't' });
  for (const [i, v] of values.variant!.entries()) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`--variant ${v}: expected NAME=NODE_FLAGS`);
    const [nodeFlags, opFlags = ''] = v.slice(eq + 1).split(/(?:^|\s)--(?:\s|$)/);
    // Leading NAME=VALUE words are environment variables (MALLOC_ARENA_MAX=2 --max-semi-space-size=1).
    const words = nodeFlags.split(/\s+/).filter(Boolean);
    const envWords = words.filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w));
    const runEnv = Object.fromEntries(envWords.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    runs.push({ label: v.slice(0, eq), script: own, nodeArgs: [...podFlags, ...words.filter((w) => !envWords.includes(w))], opArgs: opFlags.split(/\s+/).filter(Boolean), env: runEnv, prefix: `v${i}` });
  }
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const run of runs) {
      const r = await runOnce(env, run.script, `r${round}-${run.prefix}`, run.nodeArgs, run.opArgs, run.env ?? {});
      results.push({ operator: run.label, script: run.script, env: run.env ?? {}, nodeArgs: run.nodeArgs.join(' '), operatorArgs: run.opArgs.join(' '), ...r });
      console.log(JSON.stringify(results.at(-1), null, 2));
    }
  }
  if (results.length > 1) {
    console.log('\nsummary (seconds until all Ready; operator API requests; reconciles; RSS):');
    for (const r of results) {
      console.log(
        `  ${String(r.operator).padEnd(10)} ${r.secondsUntilAllReady} s (last Deployment ${r.lastDeploymentCreated} s, last pod ${r.lastPodCreated} s), ` +
          `${r.operatorApiRequests} requests, ${r.reconciles} reconciles, RSS idle ${r.operatorRssIdleMiB} / peak ${r.operatorPeakRssMiB} MiB ` +
          `(${r.rssPeakSampled.phase} at ${r.rssPeakSampled.atSeconds} s), CPU ${r.operatorCpuSeconds} s, machine ${r.cpuCreateToReady.machineBusyCoresMean} cores busy, cleanup ${r.cleanupSeconds} s`,
      );
    }
  }
}

/** Waits until the operator holds the Lease and its caches are filled (/readyz); returns the seconds it took. */
async function leading(op: OperatorProcess): Promise<number> {
  const from = Date.now();
  for (;;) {
    const m = await op.metrics().catch(() => '');
    const ready = await fetch(`http://127.0.0.1:${op.port}/readyz`).then((r) => r.status === 200, () => false);
    if (metricValue(m, 'zlog_operator_leader') === 1 && ready) return (Date.now() - from) / 1000;
    if (Date.now() - from > 120_000) throw new Error('the operator did not lead with synced caches within 120 s');
    await sleep(200);
  }
}

/** One scenario with one operator build, on namespaces of its own; the operator is stopped at the end. */
async function runOnce(env: OperatorEnv, script: string, prefix: string, nodeArgs: string[], opArgs: string[], runEnv: Record<string, string>): Promise<Obj> {
  const c: Cluster = env.cluster;
  const nsNames = Array.from({ length: namespaces }, (_, i) => `${prefix}-${i}`);
  for (const ns of nsNames) await c.createNamespace(ns);
  const opScope: Array<() => unknown> = [];
  // The operator under test, as the chart's pod runs it; started again for the restart phase.
  const startOperator = () =>
    OperatorProcess.start(
      { after: (fn) => void opScope.push(fn) },
      env,
      ['--workers', values.workers!, '--sink-health-seconds', values['sink-health-seconds']!, ...opArgs],
      script,
      nodeArgs,
      runEnv,
    );
  const op = await startOperator();
  // When the RSS peaked (ms since the first create; before it, negative) and what was in V8's heap then.
  let sampledPeakKb = 0;
  let peakAtMs = NaN;
  // Until the first create, when the RSS peaked counts as before it.
  let tStart = Number.POSITIVE_INFINITY;
  const sampler = setInterval(() => {
    const kb = op.currentRssKb();
    op.sampleRss();
    if (kb > sampledPeakKb) {
      sampledPeakKb = kb;
      peakAtMs = Number.isFinite(tStart) ? Date.now() - tStart : -1;
    }
  }, 100);
  // The operator runs long before LogServers are created: measure from when it leads with its caches filled (a
  // killed predecessor's Lease must first expire, and the informers list), not from its process start.
  const secondsToLead = await leading(op);
  await sleep(2000);
  const rssIdleKb = op.sampleRss();
  const items = Array.from({ length: count }, (_, i) => logServer(`ls-${i}`, nsNames[i % namespaces], { replicas: 1, ...(answerers ? { metricsPort: answerers.port } : {}) }));
  const hitsBefore = { ...(answerers?.hits ?? {}) };
  // Every LogServer's Ready, seen through a watch from this process: the moment the last one turns Ready, at no
  // cost to the machine measured (a `kubectl get` poll spends a process start and a LIST of all of them each time).
  const ours = (o: KubeObject) => nsNames.includes(o.metadata.namespace ?? '');
  const isReady = (o: KubeObject) => {
    const ls = o as unknown as Obj;
    return condition(ls, 'Ready')?.status === 'True' && ls.status?.observedGeneration === ls.metadata.generation;
  };
  let allReadyAt = 0;
  let allReadyDone: (() => void) | undefined;
  let allReadyFailed: ((err: Error) => void) | undefined;
  const allReadyPromise = new Promise<void>((resolve, reject) => {
    allReadyDone = resolve;
    allReadyFailed = reject;
  });
  const readyCount = () => watcher.list().filter((o) => ours(o) && isReady(o)).length;
  const check = () => {
    if (!allReadyAt && readyCount() >= count) {
      allReadyAt = Date.now();
      allReadyDone?.();
    }
  };
  const watcher = new Informer<KubeObject>(adminKube!, LOGSERVER_RESOURCE, { add: check, update: check }, { log: pino({ level: 'silent' }) });
  watcher.start();
  while (!watcher.hasSynced) await sleep(50);
  const cmUrl = controllerManagerUrl(c);
  const scrapeBoth = async () => ({ cm: cmUrl ? await scrape(c, cmUrl) : '', api: await scrape(c, `${c.server}/metrics`) });
  const cpStart = await scrapeBoth();
  // The API server's clock stamps creationTimestamp; measure from just before the first create, second-aligned.
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  tStart = Date.now();
  const cpuStart = cpuNow(c, op.pid);
  // V8's heap spaces every 2 s during the burst; the sample with the largest RSS is kept.
  let heapAtPeak: Record<string, number> = {};
  let heapSampling = true;
  const heapSampler = (async () => {
    while (heapSampling) {
      const h = heapSpaces(await op.metrics().catch(() => ''));
      if (!(h.rssReported <= (heapAtPeak.rssReported ?? 0))) heapAtPeak = { ...h, atSeconds: Number(((Date.now() - tStart) / 1000).toFixed(1)) };
      await sleep(2000);
    }
  })();
  // One `kubectl create` per namespace, all at once: a single apply of all N is itself sequential (about
  // 30 s for 200 under load), which would measure kubectl rather than the operator.
  await Promise.all(
    nsNames.map((ns) => c.kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: items.filter((i) => i.metadata.namespace === ns) }) })),
  );
  const createdIn = (Date.now() - tStart) / 1000;
  const timeout = setTimeout(() => allReadyFailed?.(new Error(`only ${readyCount()}/${count} Ready after 15 minutes`)), 15 * 60_000);
  await allReadyPromise;
  clearTimeout(timeout);
  const allReady = (allReadyAt - tStart) / 1000;
  const lss = watcher.list().filter(ours) as unknown as Obj[];
  await watcher.stop();
  const cpuToReady = cpuBetween(cpuStart, cpuNow(c, op.pid), allReady);
  const controlPlane = controlPlaneDelta(cpStart, await scrapeBoth());
  heapSampling = false;
  await heapSampler;
  const deps = (await getJson(c, ['get', 'deployments', '-A', '-l', 'app.kubernetes.io/managed-by=zlog-operator'])).items as Obj[];
  const pods = (await getJson(c, ['get', 'pods', '-A', '-l', 'app.kubernetes.io/name=zlog'])).items as Obj[];
  const m = await op.metrics();
  const readyPeakKb = op.peakRssFromKernelKb();

  // Steady state: nothing changes; what the operator spends now is its timers' (the sink-health sweep).
  const steadySeconds = Number(values['steady-seconds']);
  const steadyStartRssKb = op.currentRssKb();
  await sleep(steadySeconds * 1000);
  const mSteady = await op.metrics();
  const steadyEndRssKb = op.currentRssKb();
  const steadyPeakKb = op.peakRssFromKernelKb();
  const steadyRequests = requestCounts(mSteady);
  const before = requestCounts(m);
  const steadyDelta = Object.fromEntries(
    Object.entries(steadyRequests)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );
  const cpu = (x: string) => metricValue(x, 'zlog_operator_process_cpu_seconds_total');
  clearInterval(sampler);
  const peakFirstKb = op.peakRssFromKernelKb();
  const peakAt = peakAtMs / 1000;
  const peakPhase = peakAt < 0 ? 'start' : peakAt <= allReady ? 'create to all Ready' : 'steady window';

  // Restart with every LogServer in place (an upgrade, a node drain): the new process lists every cache at once
  // and reconciles every LogServer; with its caches filled first, that should need no write at all.
  op.kill('SIGKILL');
  await op.wait();
  const tRestart = Date.now();
  const op2 = await startOperator();
  const restartSampler = setInterval(() => op2.sampleRss(), 100);
  const restartLead = await leading(op2);
  let mRestart = '';
  for (;;) {
    mRestart = await op2.metrics();
    if (sumOf(mRestart, 'zlog_operator_reconcile_total') >= count && metricValue(mRestart, 'zlog_operator_workqueue_depth') === 0) break;
    if (Date.now() - tRestart > 5 * 60_000) throw new Error('the restarted operator did not reconcile every LogServer within 5 minutes');
    await sleep(500);
  }
  const restartSettled = (Date.now() - tRestart) / 1000;
  await sleep(3000);
  mRestart = await op2.metrics();
  const restartPeakKb = op2.peakRssFromKernelKb();

  // Cleanup: delete every LogServer; done when no child Deployment or pod is left.
  const tDel = Date.now();
  await Promise.all(nsNames.map((ns) => c.kubectlOk(['delete', 'zls', '--all', '-n', ns, '--wait=false'])));
  let lsGoneAt = 0;
  let deploymentsGoneAt = 0;
  for (;;) {
    const left = ((await getJson(c, ['get', 'zls', '-A'])).items as Obj[]).length;
    if (left === 0 && !lsGoneAt) lsGoneAt = (Date.now() - tDel) / 1000;
    const d = ((await getJson(c, ['get', 'deployments', '-A', '-l', 'app.kubernetes.io/managed-by=zlog-operator'])).items as Obj[]).length;
    if (d === 0 && !deploymentsGoneAt) deploymentsGoneAt = (Date.now() - tDel) / 1000;
    const p = ((await getJson(c, ['get', 'pods', '-A', '-l', 'app.kubernetes.io/name=zlog'])).items as Obj[]).length;
    if (lsGoneAt && deploymentsGoneAt && p === 0) break;
    if (Date.now() - tDel > 10 * 60_000) throw new Error('cleanup not done after 10 minutes');
    await sleep(500);
  }
  const cleanup = (Date.now() - tDel) / 1000;
  clearInterval(restartSampler);
  const cleanupPeakKb = op2.peakRssFromKernelKb();

  const requests = requestCounts(m);
  op2.kill('SIGKILL');
  await op2.wait();
  for (const fn of opScope) await fn();
  return {
    logServers: count,
    namespaces,
    secondsToCreateAll: Number(createdIn.toFixed(1)),
    secondsUntilAllReady: Number(allReady.toFixed(1)),
    // Where the time went: the latest event of each step, seconds after the first create (1 s resolution).
    firstDeploymentCreated: firstAfter(t0, deps.map((d) => d.metadata.creationTimestamp)),
    lastDeploymentCreated: lastAfter(t0, deps.map((d) => d.metadata.creationTimestamp)),
    lastPodCreated: lastAfter(t0, pods.map((p) => p.metadata.creationTimestamp)),
    lastPodScheduled: lastAfter(t0, pods.map((p) => condition(p, 'PodScheduled')?.lastTransitionTime)),
    lastPodReady: lastAfter(t0, pods.map((p) => condition(p, 'Ready')?.lastTransitionTime)),
    lastLogServerReady: lastAfter(t0, lss.map((ls) => condition(ls, 'Ready')?.lastTransitionTime)),
    secondsToLeadWithSyncedCaches: secondsToLead,
    // CPU seconds of each party from the first create to all Ready, and the machine's (all processes).
    cpuCreateToReady: cpuToReady,
    // The controller-manager's and the API server's own metrics over the same span (controlPlaneDelta).
    controlPlaneCreateToReady: controlPlane,
    operatorRssIdleMiB: Number((rssIdleKb / 1024).toFixed(1)),
    // When the sampled RSS (every 100 ms) peaked, seconds after the first create, and in which phase.
    rssPeakSampled: { MiB: Number((sampledPeakKb / 1024).toFixed(1)), atSeconds: Number(peakAt.toFixed(1)), phase: peakPhase },
    heapAtPeakSampleMiB: heapAtPeak,
    // The kernel's VmHWM: of the first process (start, create, all Ready, steady window), and of the restarted
    // one (its start with every LogServer in place, then the cleanup).
    operatorPeakRssMiB: Number((Math.max(peakFirstKb, cleanupPeakKb) / 1024).toFixed(1)),
    operatorPeakRssUntilReadyMiB: Number((readyPeakKb / 1024).toFixed(1)),
    operatorPeakRssCreateSteadyMiB: Number((peakFirstKb / 1024).toFixed(1)),
    restart: {
      secondsToLead: restartLead,
      secondsToReconcileAll: restartSettled,
      peakRssMiB: Number((restartPeakKb / 1024).toFixed(1)),
      peakRssThroughCleanupMiB: Number((cleanupPeakKb / 1024).toFixed(1)),
      reconciles: sumOf(mRestart, 'zlog_operator_reconcile_total'),
      requests: requestCounts(mRestart),
    },
    // Where the RSS is when all are Ready: V8's heap spaces (size reserved, not used) and memory outside the heap.
    heapAtReadyMiB: heapSpaces(m),
    reconciles: metricValue(m, 'zlog_operator_reconcile_total', 'result="success"'),
    reconcileErrors: metricValue(m, 'zlog_operator_reconcile_errors_total'),
    cleanupSeconds: Number(cleanup.toFixed(1)),
    cleanupLogServersGoneSeconds: lsGoneAt,
    cleanupDeploymentsGoneSeconds: deploymentsGoneAt,
    reconcileSecondsTotal: Number(metricValue(m, 'zlog_operator_reconcile_duration_seconds_sum').toFixed(1)),
    operatorCpuSeconds: Number(metricValue(m, 'zlog_operator_process_cpu_seconds_total').toFixed(1)),
    operatorApiRequests: Object.values(requests).reduce((a, b) => a + b, 0),
    // Mean time of one API request (until its whole answer is read): a reconcile is about 4 of them in a row.
    // Of it, the mean time a request waited for a free connection of the operator's client pool.
    apiSocketWaitMeanSeconds: Number((metricValue(m, 'zlog_operator_api_socket_wait_seconds_total') / sumOf(m, 'zlog_operator_api_request_duration_seconds_count')).toFixed(3)),
    apiRequestMeanSeconds: Number((sumOf(m, 'zlog_operator_api_request_duration_seconds_sum') / sumOf(m, 'zlog_operator_api_request_duration_seconds_count')).toFixed(3)),
    // Why informers listed again (LIST counts in `requests`): 410 Gone per kind, and list/watch failures by message.
    informerGone: tally(op.lines.filter((l) => l.msg === 'watch expired (410): relisting').map((l) => String(l.kind))),
    informerFailures: tally(op.lines.filter((l) => l.msg === 'list/watch failed: retrying').map((l) => `${String(l.kind)}: ${String(l.err).slice(0, 120)}`)),
    requests,
    ...(answerers
      ? {
          sinkAnswers: {
            podIpsAnswered: pods.filter((p) => answerers!.bound.has(p.status?.podIP)).length,
            pods: pods.length,
            requests: Object.fromEntries(Object.entries(answerers.hits).map(([k, v]) => [k, v - (hitsBefore[k] ?? 0)])),
          },
        }
      : {}),
    steady: {
      seconds: steadySeconds,
      sinkHealthSeconds: Number(values['sink-health-seconds']),
      operatorCpuSeconds: Number((cpu(mSteady) - cpu(m)).toFixed(2)),
      lastSweepSeconds: Number(metricValue(mSteady, 'zlog_operator_sink_health_sweep_duration_seconds').toFixed(2)),
      sweepRequests: {
        answered: metricValue(mSteady, 'zlog_operator_sink_health_requests_total', 'result="answered"') - metricValue(m, 'zlog_operator_sink_health_requests_total', 'result="answered"'),
        failed: metricValue(mSteady, 'zlog_operator_sink_health_requests_total', 'result="failed"') - metricValue(m, 'zlog_operator_sink_health_requests_total', 'result="failed"'),
      },
      rssStartMiB: Number((steadyStartRssKb / 1024).toFixed(1)),
      rssEndMiB: Number((steadyEndRssKb / 1024).toFixed(1)),
      peakRssMiB: Number((steadyPeakKb / 1024).toFixed(1)),
      requests: steadyDelta,
    },
  };
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const fn of afters.reverse()) await fn();
  });
