// Benchmark (not a test): N LogServers across 10 namespaces created at once on a real control plane with kwok
// nodes. Prints when the last one reported Ready, where the time went (the operator's applies, the
// controller-manager's pods, the scheduler and kwok's readiness, the operator's status), the operator's RSS,
// its API requests per method and resource, and how long deleting all of them takes until every child is gone.
//   node dist/bench/operator-scale.js [count] [namespaces] [--baseline DIR/dist/operator/main.js] [--rounds N] [--cm-qps N]
//     [--variant 'NAME=NODE_FLAGS [-- OPERATOR_FLAGS]' ...] [--steady-seconds N] [--sink-health-seconds N] [--sink-answers]
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
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { repoRoot } from '../test/cluster/bins.js';
import type { Cluster } from '../test/cluster/harness.js';
import { OperatorProcess, condition, getJson, logServer, metricValue, useOperatorCluster, type Obj, type OperatorEnv } from '../test/operator/env.js';
import { createServer, type Server } from 'node:http';
import { freePort } from '../test/helpers/net.js';
import type { SinkHealth } from '../collector/sinks/health.js';
import { validateSpec } from '../operator/api/validate.js';

const { values, positionals } = parseArgs({
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
  const own = join(repoRoot(), 'dist/operator/main.js');
  const results: Obj[] = [];
  const runs: Array<{ label: string; script: string; nodeArgs: string[]; opArgs: string[]; env?: Record<string, string>; prefix: string }> = [];
  if (values.baseline) runs.push({ label: 'baseline', script: values.baseline, nodeArgs: [], opArgs: [], prefix: 'b' });
  runs.push({ label: 'this tree', script: own, nodeArgs: [], opArgs: [], prefix: 't' });
  for (const [i, v] of values.variant!.entries()) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`--variant ${v}: expected NAME=NODE_FLAGS`);
    const [nodeFlags, opFlags = ''] = v.slice(eq + 1).split(/(?:^|\s)--(?:\s|$)/);
    // Leading NAME=VALUE words are environment variables (MALLOC_ARENA_MAX=2 --max-semi-space-size=1).
    const words = nodeFlags.split(/\s+/).filter(Boolean);
    const envWords = words.filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w));
    const runEnv = Object.fromEntries(envWords.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    runs.push({ label: v.slice(0, eq), script: own, nodeArgs: words.filter((w) => !envWords.includes(w)), opArgs: opFlags.split(/\s+/).filter(Boolean), env: runEnv, prefix: `v${i}` });
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
        `  ${String(r.operator).padEnd(10)} ${r.secondsUntilAllReady} s, ${r.operatorApiRequests} requests, ${r.reconciles} reconciles, ` +
          `RSS idle ${r.operatorRssIdleMiB} / peak ${r.operatorPeakRssMiB} MiB, CPU ${r.operatorCpuSeconds} s, cleanup ${r.cleanupSeconds} s`,
      );
    }
  }
}

/** One scenario with one operator build, on namespaces of its own; the operator is stopped at the end. */
async function runOnce(env: OperatorEnv, script: string, prefix: string, nodeArgs: string[], opArgs: string[], runEnv: Record<string, string>): Promise<Obj> {
  const c: Cluster = env.cluster;
  const nsNames = Array.from({ length: namespaces }, (_, i) => `${prefix}-${i}`);
  for (const ns of nsNames) await c.createNamespace(ns);
  const opScope: Array<() => unknown> = [];
  const op = await OperatorProcess.start(
    { after: (fn) => void opScope.push(fn) },
    env,
    ['--workers', values.workers!, '--sink-health-seconds', values['sink-health-seconds']!, ...opArgs],
    script,
    nodeArgs,
    runEnv,
  );
  const sampler = setInterval(() => op.sampleRss(), 100);
  await sleep(2000);
  const rssIdleKb = op.sampleRss();
  const items = Array.from({ length: count }, (_, i) => logServer(`ls-${i}`, nsNames[i % namespaces], { replicas: 1, ...(answerers ? { metricsPort: answerers.port } : {}) }));
  const hitsBefore = { ...(answerers?.hits ?? {}) };
  // The API server's clock stamps creationTimestamp; measure from just before the first create, second-aligned.
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const tStart = Date.now();
  // One `kubectl create` per namespace, all at once: a single apply of all N is itself sequential (about
  // 30 s for 200 under load), which would measure kubectl rather than the operator.
  await Promise.all(
    nsNames.map((ns) => c.kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: items.filter((i) => i.metadata.namespace === ns) }) })),
  );
  const createdIn = (Date.now() - tStart) / 1000;
  let ready = 0;
  let lss: Obj[] = [];
  while (ready < count) {
    lss = (await getJson(c, ['get', 'zls', '-A'])).items as Obj[];
    ready = lss.filter((ls) => condition(ls, 'Ready')?.status === 'True' && ls.status.observedGeneration === ls.metadata.generation).length;
    if (Date.now() - tStart > 15 * 60_000) throw new Error(`only ${ready}/${count} Ready after 15 minutes`);
    // Once a second: every poll is a kubectl process and a LIST of all LogServers, load on the machine measured.
    if (ready < count) await sleep(1000);
  }
  const allReady = (Date.now() - tStart) / 1000;
  const deps = (await getJson(c, ['get', 'deployments', '-A', '-l', 'app.kubernetes.io/managed-by=zlog-operator'])).items as Obj[];
  const pods = (await getJson(c, ['get', 'pods', '-A', '-l', 'app.kubernetes.io/name=zlog'])).items as Obj[];
  const m = await op.metrics();
  const peakKb = op.peakRssFromKernelKb();

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
  clearInterval(sampler);

  const requests = requestCounts(m);
  op.kill('SIGKILL');
  await op.wait();
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
    operatorRssIdleMiB: Number((rssIdleKb / 1024).toFixed(1)),
    operatorPeakRssMiB: Number((peakKb / 1024).toFixed(1)),
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
