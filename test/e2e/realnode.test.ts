// Journeys on a real node (kubelet + containerd, the images `make images` built imported into it):
//   1. `helm install zlog charts/zlog --set operator.replicas=2` -> the operator pods Running and Ready through
//      their own probes, leader election on: one Lease, held by one of the two pods.
//   2. A LogServer -> collector pods Running and Ready through their real readiness probes; `kubectl get zls`
//      shows Ready and the ready replicas.
//   3. An in-cluster `zlog send` (a pod from the collector image, reaching the collectors through the Service's
//      DNS name) -> every acknowledged record is in the collectors' files, read back with `kubectl exec`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartDir, helm } from '../chart/helm.js';
import { useCluster } from '../cluster/harness.js';
import { loadProjectImages } from '../cluster/images.js';
import { conditionOf, getJson, list, type KubeObject } from './lib/kube.js';
import { linesInPod, podNames, runPod } from './lib/pods.js';

const NS = 'zlog-system';
const APP_NS = 'logging';

interface PodObj extends KubeObject {
  spec: { nodeName?: string; containers: Array<{ image: string }> };
  status: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ ready: boolean; restartCount: number }> };
}

function ready(p: PodObj): boolean {
  return p.status.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

test('on a real node: helm install, a LogServer, an in-cluster sender', { timeout: 1_500_000 }, async (t) => {
  const c = await useCluster(t, { name: 'real-e2e', realNode: true });
  const refs = await loadProjectImages(c);
  const nodeName = c.nodes[0];

  await t.test('journey 1: helm install runs the operator image as two Ready pods with leader election', async () => {
    const r = await helm(['install', 'zlog', chartDir(), '-n', NS, '--create-namespace', '--set', 'operator.replicas=2',
      '--wait', '--timeout', '6m', '--kubeconfig', c.kubeconfig], { timeoutMs: 420_000 });
    assert.equal(r.code, 0, `helm install:\n${r.stdout}\n${r.stderr}`);
    await c.kubectlOk(['-n', NS, 'rollout', 'status', 'deployment/zlog-operator', '--timeout=120s'], { timeoutMs: 130_000 });
    const pods = (await list(c, ['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/instance=zlog'])) as PodObj[];
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(p.spec.nodeName, nodeName, 'scheduled on the real node');
      assert.ok(ready(p), `${p.metadata.name} Running and Ready: ${JSON.stringify(p.status.conditions)}`);
      assert.equal(p.spec.containers[0].image, refs.operator);
    }
    // The Lease names one of the two pods; the other is on standby.
    let holder = '';
    for (let i = 0; i < 60 && !holder; i++) {
      const lease = await c.kubectl(['get', 'lease', 'zlog-operator', '-n', NS, '-o', 'jsonpath={.spec.holderIdentity}']);
      holder = lease.stdout.trim();
      if (!holder) await new Promise((res) => setTimeout(res, 1000));
    }
    assert.ok(pods.some((p) => holder.startsWith(p.metadata.name)), `Lease holder ${holder} is one of ${pods.map((p) => p.metadata.name)}`);
  });

  await t.test('journey 2: a LogServer runs collector pods that the kubelet probes Ready', async () => {
    await c.createNamespace(APP_NS);
    await c.apply({ apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', metadata: { name: 'central', namespace: APP_NS }, spec: { replicas: 2 } });
    await c.kubectlOk(['wait', '-n', APP_NS, '--for=condition=Ready', 'logserver/central', '--timeout=300s'], { timeoutMs: 310_000 });
    const pods = (await list(c, ['get', 'pods', '-n', APP_NS, '-l', 'app.kubernetes.io/instance=central'])) as PodObj[];
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.ok(ready(p), `${p.metadata.name} Ready`);
      assert.equal(p.spec.containers[0].image, refs.collector);
      assert.equal(p.spec.nodeName, nodeName);
    }
    const zls = await getJson<KubeObject>(c, ['get', 'zls', 'central', '-n', APP_NS]);
    assert.equal(conditionOf(zls, 'Ready')?.status, 'True');
    assert.equal(zls.status?.readyReplicas, 2);
    const table = await c.kubectlOk(['get', 'zls', '-n', APP_NS]);
    assert.match(table, /^central\s+True\s+2\/2\s+tcp:\/\/central\.logging\.svc/m);
  });

  await t.test('journey 3: an in-cluster zlog send lands every acknowledged record in the collectors\' files', async () => {
    const marker = `j3-${Date.now()}`;
    const lines = Array.from({ length: 500 }, (_, i) => `${marker} line ${i}`).join('\n') + '\n';
    const r = await runPod(c, APP_NS, 'zlog-send', refs.collector, ['send', '--endpoint', 'tcp://central.logging.svc:5557'], lines);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /zlog send: 500 records acknowledged/);
    const found = new Set<string>();
    for (const pod of await podNames(c, APP_NS, 'app.kubernetes.io/instance=central')) {
      for (const ls of Object.values(await linesInPod(c, APP_NS, pod, marker))) for (const l of ls) found.add(l.match(/line \d+/)![0]);
    }
    assert.equal(found.size, 500, 'every acknowledged record is in a collector file');
  });
});
