// Journeys on a real node (kubelet + containerd, the images `make images` built imported into it):
//   1. `helm install zlog charts/zlog --set operator.replicas=2` -> the operator pods Running and Ready through
//      their own probes, leader election on: one Lease, held by one of the two pods.
//   2. A LogServer -> collector pods Running and Ready through their real readiness probes; `kubectl get zls`
//      shows Ready and the ready replicas.
//   3. An in-cluster `zlog send` (a pod from the collector image, reaching the collectors through the Service's
//      DNS name) -> every acknowledged record is in the collectors' files, read back with `kubectl exec`.
//   Storage: `kubectl apply -f examples/logserver.yaml` as typed (its namespace, 3 replicas, persistent storage):
//      the Deployment gives way to a StatefulSet whose pods each own a bound claim on the node's local volumes;
//      records sent in-cluster land in files under each pod's own directory, each record in exactly one file;
//      scale 3 -> 1 keeps the claims, and back to 3 the returning pods append to their own files. A LogServer
//      whose claims cannot bind is Degraded=True reason Unschedulable.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chartDir, helm } from '../chart/helm.js';
import { useCluster } from '../cluster/harness.js';
import { loadProjectImages } from '../cluster/images.js';
import { conditionOf, getJson, list, type KubeObject } from './lib/kube.js';
import { linesInPod, podNames, runPod } from './lib/pods.js';
import { EXAMPLE_PATH } from '../helpers/example.js';

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

  /** Lines containing `marker` in the files under each pod's directory on the node's local volumes, by path. */
  const filesOnVolumes = (marker: string): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const f = join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (e.isFile() && !f.endsWith('.gz')) out.set(f, readFileSync(f, 'utf8').split('\n').filter((l) => l.includes(marker)));
      }
    };
    const root = join(c.dir, 'volumes');
    if (existsSync(root)) walk(root);
    return out;
  };
  const sendInCluster = async (marker: string, n: number, name: string) => {
    const lines = Array.from({ length: n }, (_, i) => `${marker} line ${i}`).join('\n') + '\n';
    const r = await runPod(c, APP_NS, name, refs.collector, ['send', '--endpoint', 'tcp://central.logging.svc:5557'], lines);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`zlog send: ${n} records acknowledged`));
  };

  await t.test('storage: examples/logserver.yaml as typed -> a StatefulSet, a bound claim per replica, per-pod files', async () => {
    // The example's own header, line by line.
    await c.kubectlOk(['apply', '-f', EXAMPLE_PATH]);
    await c.kubectlOk(['-n', APP_NS, 'wait', '--for=condition=Ready', 'logserver/central', '--timeout=300s'], { timeoutMs: 310_000 });
    const table = await c.kubectlOk(['get', 'zls', '-n', APP_NS]);
    assert.match(table, /^central\s+True\s+3\/3\s+tcp:\/\/central\.logging\.svc:5555/m);
    // The emptyDir Deployment of journey 2 was pruned; the StatefulSet runs the pods.
    assert.equal((await c.kubectl(['get', 'deployment', 'central', '-n', APP_NS])).code, 1);
    const sts = await getJson<KubeObject & { spec: { serviceName: string } }>(c, ['get', 'statefulset', 'central', '-n', APP_NS]);
    assert.equal(sts.spec.serviceName, 'central-headless');
    const claims = (await list(c, ['get', 'pvc', '-n', APP_NS])) as Array<KubeObject & { status: { phase: string }; spec: { volumeName: string } }>;
    assert.deepEqual(claims.map((p) => p.metadata.name).sort(), ['data-central-0', 'data-central-1', 'data-central-2']);
    for (const p of claims) assert.equal(p.status.phase, 'Bound', `${p.metadata.name} bound`);
    assert.equal(new Set(claims.map((p) => p.spec.volumeName)).size, 3, 'three claims, three volumes');
    const zls = await getJson<KubeObject>(c, ['get', 'zls', 'central', '-n', APP_NS]);
    assert.match(String(zls.status?.storage), /data-central-0 \.\. data-central-2\); claims are kept on scale-down/);

    const marker = `st-${Date.now()}`;
    await sendInCluster(marker, 600, 'zlog-send-st');
    const files = filesOnVolumes(marker);
    const seen = new Map<string, string>();
    for (const [file, lines] of files) {
      for (const l of lines) {
        const id = l.match(/line \d+/)![0];
        assert.ok(!seen.has(id), `${id} is in ${seen.get(id)} and in ${file}`);
        seen.set(id, file);
      }
    }
    assert.equal(seen.size, 600, 'every acknowledged record is in a file on a volume');
    // Each file sits under the directory of the pod that wrote it: <volume>/central-N/archive/logs.ndjson.
    for (const f of files.keys()) assert.match(f, /\/volumes\/pv-\d+\/central-[012]\/archive\/logs\.ndjson$/);
  });

  await t.test('storage: scale 3 -> 1 keeps the claims; back at 3 the pods append to their own files', async () => {
    const before = filesOnVolumes('st-');
    const sizes = new Map([...before.keys()].map((f) => [f, statSync(f).size]));
    await c.kubectlOk(['-n', APP_NS, 'patch', 'zls', 'central', '--type=merge', '-p', '{"spec":{"replicas":1}}']);
    await c.kubectlOk(['-n', APP_NS, 'wait', '--for=delete', 'pod/central-2', 'pod/central-1', '--timeout=180s'], { timeoutMs: 190_000 });
    const kept = (await list(c, ['get', 'pvc', '-n', APP_NS])).map((p) => p.metadata.name).sort();
    assert.deepEqual(kept, ['data-central-0', 'data-central-1', 'data-central-2'], 'claims kept on scale-down (whenScaled: Retain)');
    await c.kubectlOk(['-n', APP_NS, 'patch', 'zls', 'central', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    await c.kubectlOk(['-n', APP_NS, 'wait', '--for=jsonpath={.status.readyOfDesired}=3/3', 'logserver/central', '--timeout=300s'], { timeoutMs: 310_000 });
    const marker = `sc-${Date.now()}`;
    await sendInCluster(marker, 600, 'zlog-send-sc');
    const after = filesOnVolumes(marker);
    let total = 0;
    for (const [f, lines] of after) {
      total += lines.length;
      // Same files as before the scale-down (a pod returns to its own claim and directory), only longer.
      if (lines.length > 0 && sizes.has(f)) assert.ok(statSync(f).size > sizes.get(f)!, `${f} grew`);
    }
    assert.equal(total, 600);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no new file paths: every pod wrote to its own files again');
    const old = filesOnVolumes('st-');
    assert.equal([...old.values()].reduce((n, l) => n + l.length, 0), 600, 'the records from before the scale-down are all still there');
  });

  await t.test('storage: a LogServer whose claim cannot bind is Degraded, reason Unschedulable', async () => {
    await c.apply({
      apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', metadata: { name: 'nostore', namespace: APP_NS },
      spec: { replicas: 1, storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi', storageClassName: 'no-such-class' } } },
    });
    await c.kubectlOk(['-n', APP_NS, 'wait', '--for=jsonpath={.status.conditions[?(@.type=="Degraded")].reason}=Unschedulable', 'logserver/nostore', '--timeout=120s'], { timeoutMs: 130_000 });
    const ls = await getJson<KubeObject>(c, ['get', 'zls', 'nostore', '-n', APP_NS]);
    assert.equal(conditionOf(ls, 'Degraded')?.status, 'True');
    assert.match(conditionOf(ls, 'Degraded')?.message ?? '', /^pod nostore-0 cannot be scheduled: .*PersistentVolumeClaim/);
  });
});
