// The LogServer's Ready condition names a pod that is not ready and why, in the collector's words: a real
// collector process whose sink is stalled (its FIFO reader stopped with SIGSTOP) stands behind a Pod whose
// status (podIP 127.0.0.1, Ready=False) this test writes itself. The cluster runs no controllers and no
// nodes, so nothing else touches that Pod; the operator, as its own ServiceAccount, lists the pods and asks
// the collector's /readyz.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { applyJson, condition, getJson, logServer, OperatorProcess, until, useOperatorCluster } from './env.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

const NS = 'sick';

test('a pod unready because its sink is stalled is named, with the failing check, in the LogServer status', { timeout: 600_000 }, async (t) => {
  // The collector first: a FIFO sink whose reader is stopped, so its readiness fails naming sink:fifo.
  const dir = execFileSync('mktemp', ['-d', '/tmp/zlog-unready-XXXXXX']).toString().trim();
  const out = join(dir, 'out');
  mkdirSync(out);
  const fifo = join(out, 'zlog.ndjson');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('/bin/sh', ['-c', 'exec cat "$0" > /dev/null', fifo], { stdio: 'ignore' });
  t.after(() => reader.kill('SIGKILL'));
  const collector = await startCollector(
    {
      inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }],
      sinks: [{ id: 'fifo', type: 'file', path: out, fsync: 'never', compress: false, rotation: { maxBytes: 2 ** 40, maxAgeSeconds: 0 } }],
      pipeline: { batch: { maxDelayMs: 0 } },
      health: { intervalMs: 200, sinks: { stalledSeconds: 1, stuckSeconds: 600 } },
    },
    { dir },
  );
  t.after(() => cleanup(collector));
  reader.kill('SIGSTOP');
  // linger: a PUSH closed with linger 0 discards what it has not yet handed to the connection.
  const push = new zmq.Push({ linger: 30_000, sendTimeout: 2000 });
  push.connect(collector.endpoints.pull[0]);
  for (let i = 0; i < 300; i++) await push.send(`r${i} ${'x'.repeat(1024)}`);
  push.close();
  await waitFor('the collector to receive them', async () => (await collector.metric('zlog_component_received_events_total', { component_id: 'pull' })) === 300, 60_000, 100);
  await waitFor('the collector unready on its sink', async () => (await (await fetch(`${collector.url}/readyz`)).text()).includes('[-]sink:fifo failed'), 60_000, 100);
  const port = Number(new URL(collector.url).port);

  const env = await useOperatorCluster(t, { name: 'op-unready', controllers: false, kwokNodes: 0 });
  const c = env.cluster;
  await c.createNamespace(NS);
  await c.kubectlOk(['create', 'serviceaccount', 'default', '-n', NS]);
  // The Pod the Deployment would have made, stood in by the collector above: same labels, never scheduled.
  await applyJson(c, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'demo-0', namespace: NS, labels: { 'app.kubernetes.io/name': 'zlog', 'app.kubernetes.io/instance': 'demo' } },
    spec: { nodeName: 'no-such-node', automountServiceAccountToken: false, containers: [{ name: 'collector', image: 'ghcr.io/zlog/collector:0.1.0' }] },
  });
  await c.kubectlOk([
    'patch', 'pod', 'demo-0', '-n', NS, '--subresource=status', '--type=merge', '-p',
    JSON.stringify({ status: { phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }], conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [collector]' }] } }),
  ]);

  const op = await OperatorProcess.start(t, env);
  await applyJson(c, logServer('demo', NS, { metricsPort: port }));
  const ready = await until('the Ready condition naming demo-0 and sink:fifo', 120_000, async () => {
    const cond = condition(await getJson(c, ['get', 'logserver', 'demo', '-n', NS]), 'Ready');
    return cond && /pod demo-0 not ready: failing checks sink:fifo$/.test(String(cond.message)) ? cond : undefined;
  });
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'ReplicasNotReady');
  // The message above needs the pods list; the operator's own logs show no RBAC refusal either.
  assert.ok(![...op.stderr, ...op.lines.map((l) => JSON.stringify(l))].some((l) => /forbidden/i.test(l)), 'the operator logged a Forbidden');
});
