// A restarted operator (an upgrade, a rescheduled pod) finds its LogServers and their children in place: once its
// caches have their first list it reconciles every LogServer from memory, so it writes nothing and asks for no
// single object. Its only requests are the informers' lists and watches and the Lease.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJson, logServer, metricValue, OperatorProcess, until, useOperatorCluster, waitReady } from './env.js';

const NS = 'again';

/** Non-watch API requests by `METHOD resource code`, from the operator's metrics. */
function requests(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^zlog_operator_api_requests_total\{([^}]*)\} ([0-9.e+]+)$/gm)) {
    const l = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    out[`${l.method} ${l.resource} ${l.code}`] = Number(m[2]);
  }
  return out;
}

test('a restarted operator with its LogServers in place reconciles them without a write or a GET', { timeout: 600_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-restart', kwokNodes: 1 });
  const c = env.cluster;
  await c.createNamespace(NS);
  const first = await OperatorProcess.start(t, env);
  for (const name of ['a', 'b', 'c']) await applyJson(c, logServer(name, NS, { replicas: 1 }));
  for (const name of ['a', 'b', 'c']) await waitReady(c, NS, name);
  // Settled: the status the last reconcile wrote is the one a new process would compute.
  await until('first operator idle', 60_000, async () => metricValue(await first.metrics(), 'zlog_operator_workqueue_depth') === 0);
  // Creating the children took no refused request: a child name free in the metadata cache is read (GET 404) and
  // applied once. An apply carrying a fresh uid as a guard was refused by the API server for a create as well
  // (PATCH 409), which made every new child three requests.
  const creating = Object.entries(requests(await first.metrics())).filter(([k]) => !/ (leases|logservers|events) /.test(k));
  const refused = creating.filter(([k]) => /^PATCH .* (409|422)$/.test(k));
  assert.deepEqual(refused, [], `refused applies while creating 3 LogServers: ${JSON.stringify(Object.fromEntries(creating))}`);
  first.kill('SIGTERM');
  assert.equal(await first.wait(), 0);

  const second = await OperatorProcess.start(t, env);
  const m = await until('every LogServer reconciled by the new process', 120_000, async () => {
    const text = await second.metrics();
    return metricValue(text, 'zlog_operator_reconcile_total', 'result="success"') >= 3 && metricValue(text, 'zlog_operator_workqueue_depth') === 0 ? text : undefined;
  });
  const made = Object.entries(requests(m)).filter(([k]) => !/ leases /.test(k));
  const unexpected = made.filter(([k]) => !k.startsWith('LIST ') && !k.startsWith('GET  '));
  assert.deepEqual(Object.fromEntries(unexpected), {}, `requests beyond the lists and discovery: ${JSON.stringify(Object.fromEntries(made))}`);
  assert.deepEqual(second.forbidden(), []);
});
