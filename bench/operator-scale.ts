// Benchmark (not a test): 50 LogServers created at once on a real control plane with kwok nodes; prints
// the time until every one reports Ready, the operator's peak RSS, and its API request counts.
//   node dist/bench/operator-scale.js [count]
import { setTimeout as sleep } from 'node:timers/promises';
import { OperatorProcess, applyJson, condition, getJson, logServer, metricValue, useOperatorCluster, type Obj } from '../test/operator/env.js';

const count = Number(process.argv[2] ?? 50);
const afters: Array<() => unknown> = [];
const scope = { after: (fn: () => unknown) => void afters.push(fn) };

async function main(): Promise<void> {
  const env = await useOperatorCluster(scope, { name: 'op-bench', kwokNodes: 3 });
  const c = env.cluster;
  await c.createNamespace('bench');
  const op = await OperatorProcess.start(scope, env, ['--workers', '4']);
  const sampler = setInterval(() => op.sampleRss(), 100);
  const rssBeforeKb = op.sampleRss();
  const items = Array.from({ length: count }, (_, i) => logServer(`ls-${i}`, 'bench', { replicas: 1 }));
  const t0 = Date.now();
  await applyJson(c, { apiVersion: 'v1', kind: 'List', items });
  let ready = 0;
  while (ready < count) {
    const list = await getJson(c, ['get', 'zls', '-n', 'bench']);
    ready = (list.items as Obj[]).filter((ls) => condition(ls, 'Ready')?.status === 'True' && ls.status.observedGeneration === ls.metadata.generation).length;
    if (Date.now() - t0 > 15 * 60_000) throw new Error(`only ${ready}/${count} Ready after 15 minutes`);
    if (ready < count) await sleep(250);
  }
  const elapsed = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  const m = await op.metrics();
  const result = {
    logServers: count,
    secondsUntilAllReady: Number(elapsed.toFixed(1)),
    operatorPeakRssMiB: Number((op.peakRssFromKernelKb() / 1024).toFixed(1)),
    operatorRssAtStartMiB: Number((rssBeforeKb / 1024).toFixed(1)),
    reconciles: metricValue(m, 'zlog_operator_reconcile_total', 'result="success"'),
    reconcileErrors: metricValue(m, 'zlog_operator_reconcile_errors_total'),
  };
  console.log(JSON.stringify(result, null, 2));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const fn of afters.reverse()) await fn();
  });
