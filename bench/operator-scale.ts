// Benchmark (not a test): N LogServers across 10 namespaces created at once on a real control plane with kwok
// nodes. Prints when the last one reported Ready, where the time went (the operator's applies, the
// controller-manager's pods, the scheduler and kwok's readiness, the operator's status), the operator's RSS,
// its API requests per method and resource, and how long deleting all of them takes until every child is gone.
//   node dist/bench/operator-scale.js [count] [namespaces] [--baseline DIR/dist/operator/main.js] [--rounds N] [--cm-qps N]
// With --baseline, each round runs the same scenario twice on the same cluster, first with that other build of
// the operator (say main's, built in a scratch copy) and then with this tree's, so before and after are
// measured under the same load.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { repoRoot } from '../test/cluster/bins.js';
import type { Cluster } from '../test/cluster/harness.js';
import { OperatorProcess, condition, getJson, logServer, metricValue, useOperatorCluster, type Obj, type OperatorEnv } from '../test/operator/env.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    workers: { type: 'string', default: '8' },
    // kube-controller-manager's client limits (upstream default 20/30, per controller with
    // --use-service-account-credentials): raise them to see how much of the time is that limit.
    'cm-qps': { type: 'string' },
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

async function main(): Promise<void> {
  const qps = values['cm-qps'];
  const env = await useOperatorCluster(scope, {
    name: 'op-bench',
    kwokNodes: 3,
    ...(qps ? { extraArgs: { 'kube-controller-manager': [`--kube-api-qps=${qps}`, `--kube-api-burst=${Number(qps) * 2}`] } } : {}),
  });
  const own = join(repoRoot(), 'dist/operator/main.js');
  const results: Obj[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [label, script] of values.baseline ? [['baseline', values.baseline], ['this tree', own]] : [['this tree', own]]) {
      const r = await runOnce(env, script, `r${round}-${label === 'baseline' ? 'b' : 't'}`);
      results.push({ operator: label, script, ...r });
      console.log(JSON.stringify(results.at(-1), null, 2));
    }
  }
  if (results.length > 1) {
    console.log('\nsummary (seconds until all Ready; operator API requests; reconciles):');
    for (const r of results) console.log(`  ${String(r.operator).padEnd(10)} ${r.secondsUntilAllReady} s, ${r.operatorApiRequests} requests, ${r.reconciles} reconciles, peak RSS ${r.operatorPeakRssMiB} MiB`);
  }
}

/** One scenario with one operator build, on namespaces of its own; the operator is stopped at the end. */
async function runOnce(env: OperatorEnv, script: string, prefix: string): Promise<Obj> {
  const c: Cluster = env.cluster;
  const nsNames = Array.from({ length: namespaces }, (_, i) => `${prefix}-${i}`);
  for (const ns of nsNames) await c.createNamespace(ns);
  const opScope: Array<() => unknown> = [];
  const op = await OperatorProcess.start({ after: (fn) => void opScope.push(fn) }, env, ['--workers', values.workers!], script);
  const sampler = setInterval(() => op.sampleRss(), 100);
  await sleep(2000);
  const rssIdleKb = op.sampleRss();
  const items = Array.from({ length: count }, (_, i) => logServer(`ls-${i}`, nsNames[i % namespaces], { replicas: 1 }));
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
    lastDeploymentCreated: lastAfter(t0, deps.map((d) => d.metadata.creationTimestamp)),
    lastPodCreated: lastAfter(t0, pods.map((p) => p.metadata.creationTimestamp)),
    lastPodScheduled: lastAfter(t0, pods.map((p) => condition(p, 'PodScheduled')?.lastTransitionTime)),
    lastPodReady: lastAfter(t0, pods.map((p) => condition(p, 'Ready')?.lastTransitionTime)),
    lastLogServerReady: lastAfter(t0, lss.map((ls) => condition(ls, 'Ready')?.lastTransitionTime)),
    operatorRssIdleMiB: Number((rssIdleKb / 1024).toFixed(1)),
    operatorPeakRssMiB: Number((peakKb / 1024).toFixed(1)),
    reconciles: metricValue(m, 'zlog_operator_reconcile_total', 'result="success"'),
    reconcileErrors: metricValue(m, 'zlog_operator_reconcile_errors_total'),
    cleanupSeconds: Number(cleanup.toFixed(1)),
    cleanupLogServersGoneSeconds: lsGoneAt,
    cleanupDeploymentsGoneSeconds: deploymentsGoneAt,
    reconcileSecondsTotal: Number(metricValue(m, 'zlog_operator_reconcile_duration_seconds_sum').toFixed(1)),
    operatorCpuSeconds: Number(metricValue(m, 'zlog_operator_process_cpu_seconds_total').toFixed(1)),
    operatorApiRequests: Object.values(requests).reduce((a, b) => a + b, 0),
    // Why informers listed again (LIST counts in `requests`): 410 Gone per kind, and list/watch failures by message.
    informerGone: tally(op.lines.filter((l) => l.msg === 'watch expired (410): relisting').map((l) => String(l.kind))),
    informerFailures: tally(op.lines.filter((l) => l.msg === 'list/watch failed: retrying').map((l) => `${String(l.kind)}: ${String(l.err).slice(0, 120)}`)),
    requests,
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
