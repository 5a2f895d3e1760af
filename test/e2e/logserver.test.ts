// Journeys 2 and 3 on the real control plane, with the operator installed by the chart and running as a local
// process under the chart's ServiceAccount (a real token for it, so the API server applies the chart's RBAC).
//   2. `kubectl apply -f examples/logserver.yaml` -> the LogServer is Ready with its endpoint, and `kubectl get zls`
//      prints the printer columns.
//   3. A rolling upgrade (new image tag and a changed sink setting): the StatefulSet (the example has per-replica
//      storage) replaces pods one at a time, never more than one missing and never an extra one, each replaced pod
//      keeps its own claim, the LogServer goes Progressing and comes back Ready, and the pod template carries the
//      preStop drain and a grace period above the drain timeout.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OperatorProcess } from '../operator/env.js';
import { useCluster } from '../cluster/harness.js';
import { chartDir, helm } from '../chart/helm.js';
import { conditionOf, getJson, list, serviceMonitorCrdPath, type KubeObject } from './lib/kube.js';
import { waitFor } from './lib/ports.js';
import { recordWatch } from './lib/watch.js';

const NS = 'zlog-system';
import { EXAMPLE_PATH as EXAMPLE, exampleLogServer } from '../helpers/example.js';

interface Example { metadata: { name: string; namespace: string }; spec: { replicas: number; image: string; drainTimeoutSeconds: number; inputs: Array<{ port: number }>; storage: { persistentVolumeClaim?: { size: string; accessModes?: string[] } } } }
interface PodTemplate {
  metadata: { annotations?: Record<string, string> };
  spec: {
    terminationGracePeriodSeconds: number;
    containers: Array<{ image: string; lifecycle?: { preStop?: { exec?: { command: string[] } } } }>;
  };
}
interface WatchedPod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: Array<{ image: string }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
}
interface StatefulSetObj extends KubeObject {
  spec: { replicas: number; podManagementPolicy: string; updateStrategy: { type: string }; template: PodTemplate };
}

test('kubectl apply of the example LogServer, then a rolling upgrade that drains', { timeout: 900_000 }, async (t) => {
  const c = await useCluster(t, { name: 'logserver-e2e', controllers: true, kwokNodes: 3 });
  const example = exampleLogServer() as unknown as Example;
  const { name, namespace } = example.metadata;

  // What the user has before applying the example: zlog installed with helm, kube-prometheus' CRDs, and storage.
  const inst = await helm(['install', 'zlog', chartDir(), '-n', NS, '--create-namespace', '--wait', '--timeout', '4m', '--kubeconfig', c.kubeconfig], { timeoutMs: 300_000 });
  assert.equal(inst.code, 0, inst.stderr);
  await c.kubectlOk(['apply', '--server-side', '-f', await serviceMonitorCrdPath()]);
  await c.kubectlOk(['wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com', '--timeout=60s'], { timeoutMs: 70_000 });
  const pvc = example.spec.storage.persistentVolumeClaim;
  assert.ok(pvc, 'the example has per-replica storage');
  // No provisioner in this control plane (kwok nodes mount nothing): a pre-created volume for every replica's
  // claim, as an admin would provide.
  await c.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: example.spec.replicas }, (_, i) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `${name}-data-${i}` },
    spec: { capacity: { storage: pvc.size }, accessModes: pvc.accessModes ?? ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', nfs: { server: 'nfs.example.invalid', path: `/zlog/${i}` } },
  })) }) });

  // The operator as the chart deploys it, with the chart ServiceAccount's own token.
  const operatorKubeconfig = await c.writeKubeconfigFor({ serviceAccount: { namespace: NS, name: 'zlog-operator' }, expirationSeconds: 3600 });
  const op = await OperatorProcess.start(t, { cluster: c, operatorKubeconfig }, ['--leader-election-id', 'zlog-operator']);

  await t.test('journey 2: kubectl apply -f examples/logserver.yaml -> Ready with its endpoint', async () => {
    // As typed: the file creates its namespace too.
    await c.kubectlOk(['apply', '-f', EXAMPLE]);
    let ls: KubeObject | undefined;
    await waitFor(`LogServer ${namespace}/${name} Ready`, async () => {
      const cur = await getJson(c, ['get', 'logserver', name, '-n', namespace]);
      ls = cur;
      return conditionOf(cur, 'Ready')?.status === 'True' && cur.status?.observedGeneration === cur.metadata.generation;
    }, 180_000, 500).catch((e: Error) => assert.fail(`${e.message}\nstatus: ${JSON.stringify(ls?.status)}\noperator: ${op.stderr.slice(-20).join('\n')}`));
    const endpoint = `tcp://${name}.${namespace}.svc:${example.spec.inputs[0].port}`;
    assert.equal(ls?.status?.endpoint, endpoint);
    assert.equal(ls?.status?.readyReplicas, example.spec.replicas);
    const table = await c.kubectlOk(['get', 'zls', '-n', namespace]);
    const [header, row] = table.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'READY', 'REPLICAS', 'ENDPOINT', 'AGE']);
    assert.deepEqual(row.split(/\s+/).slice(0, 4), [name, 'True', `${example.spec.replicas}/${example.spec.replicas}`, endpoint]);
    // kube-prometheus is installed, so the example's ServiceMonitor exists, with the user's labels.
    const sm = await getJson(c, ['get', 'servicemonitor', name, '-n', namespace]);
    assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
    assert.deepEqual(op.forbidden(), [], 'the operator hit RBAC refusals with the chart\'s ServiceAccount');
  });

  await t.test('journey 3: rolling upgrade, one pod at a time, each keeping its claim, Progressing then Ready', async () => {
    const before = await getJson<StatefulSetObj>(c, ['get', 'statefulset', name, '-n', namespace]);
    const replicas = example.spec.replicas;
    assert.equal(before.spec.updateStrategy.type, 'RollingUpdate');
    assert.equal(before.spec.podManagementPolicy, 'Parallel');
    const claimUids = async () => Object.fromEntries((await list(c, ['get', 'pvc', '-n', namespace, '-l', `app.kubernetes.io/instance=${name}`])).map((p) => [p.metadata.name, p.metadata.uid]));
    const claimsBefore = await claimUids();
    assert.deepEqual(Object.keys(claimsBefore).sort(), Array.from({ length: replicas }, (_, i) => `data-${name}-${i}`));
    const oldHash = before.spec.template.metadata.annotations?.['logging.zlog.dev/config-hash'];

    // Every change to the pods and to the LogServer, as the API server sent them.
    const sel = `app.kubernetes.io/instance=${name}`;
    const pods = await recordWatch<WatchedPod>(c.kubeconfig, `/api/v1/namespaces/${namespace}/pods`, { labelSelector: sel });
    const lsWatch = await recordWatch<KubeObject>(c.kubeconfig, `/apis/logging.zlog.dev/v1alpha1/namespaces/${namespace}/logservers`, { fieldSelector: `metadata.name=${name}` });
    t.after(() => { pods.stop(); lsWatch.stop(); });
    await waitFor('the watches to start', () => pods.events().length >= replicas && lsWatch.events().length >= 1, 30_000);

    // What a user does: edit the YAML (new image tag, another fsync policy) and apply it again.
    const newImage = example.spec.image.replace(/:[^:/]+$/, ':0.1.1');
    const edited = readFileSync(EXAMPLE, 'utf8').replace(`image: ${example.spec.image}`, `image: ${newImage}`).replace('fsync: batch', 'fsync: interval');
    assert.notEqual(edited, readFileSync(EXAMPLE, 'utf8'));
    await c.kubectlOk(['apply', '-f', '-'], { input: edited });
    const generation = (await getJson(c, ['get', 'logserver', name, '-n', namespace])).metadata.generation;

    let ls: KubeObject | undefined;
    await waitFor('all pods on the new image and the LogServer Ready for the new generation', async () => {
      const cur = await getJson(c, ['get', 'logserver', name, '-n', namespace]);
      ls = cur;
      const current = (await list(c, ['get', 'pods', '-n', namespace, '-l', sel])) as unknown as Array<{ metadata: { deletionTimestamp?: string }; spec: { containers: Array<{ image: string }> } }>;
      const live = current.filter((p) => !p.metadata.deletionTimestamp);
      return conditionOf(cur, 'Ready')?.status === 'True' && cur.status?.observedGeneration === generation &&
        current.length === replicas && live.every((p) => p.spec.containers[0].image === newImage);
    }, 240_000, 500).catch((e: Error) => assert.fail(`${e.message}\nstatus: ${JSON.stringify(ls?.status)}`));
    pods.stop();
    lsWatch.stop();

    // Replay the pod events: at most one pod missing at a time (StatefulSet rolling update, maxUnavailable 1), never an
    // extra one (a StatefulSet replaces a pod under the same name and claim, it does not surge).
    const state = new Map<string, { terminating: boolean; image: string; ready: boolean }>();
    let minReady = Infinity;
    let maxLive = 0;
    const newCounts = new Set<number>();
    for (const { type, object: p } of pods.events()) {
      if (type === 'DELETED') state.delete(p.metadata.name);
      else state.set(p.metadata.name, {
        terminating: Boolean(p.metadata.deletionTimestamp),
        image: p.spec.containers[0].image,
        ready: (p.status?.conditions ?? []).some((cond) => cond.type === 'Ready' && cond.status === 'True'),
      });
      const live = [...state.values()].filter((p) => !p.terminating);
      maxLive = Math.max(maxLive, live.length);
      // Only once the first pod list is complete does the count mean anything.
      if (state.size >= replicas) minReady = Math.min(minReady, live.filter((p) => p.ready).length);
      newCounts.add(live.filter((p) => p.image === newImage && p.ready).length);
    }
    assert.ok(minReady >= replicas - 1, `ready, non-terminating pods fell to ${minReady} (< ${replicas - 1}) during the rollout`);
    assert.ok(maxLive <= replicas, `${maxLive} live pods at once: more than the ${replicas} replicas`);
    // One by one: every intermediate count of ready new pods was seen (0, 1, ..., replicas).
    for (let k = 0; k <= replicas; k++) assert.ok(newCounts.has(k), `never saw exactly ${k} ready new pods: ${[...newCounts].join(',')}`);

    // Every replaced pod came back on its own claim: the same claims, none recreated.
    assert.deepEqual(await claimUids(), claimsBefore, 'the claims changed during the rollout');

    const lsStates = lsWatch.events().map((e) => e.object);
    assert.ok(
      lsStates.some((o) => o.status?.observedGeneration === generation && conditionOf(o, 'Progressing')?.status === 'True'),
      `the LogServer never reported Progressing=True for generation ${generation}:\n${lsStates.map((o) => JSON.stringify(o.status?.conditions)).join('\n')}`,
    );

    const after = await getJson<StatefulSetObj>(c, ['get', 'statefulset', name, '-n', namespace]);
    const tpl = after.spec.template;
    assert.notEqual(tpl.metadata.annotations?.['logging.zlog.dev/config-hash'], oldHash, 'the sink change did not change the config hash');
    assert.equal(ls?.status?.configHash, tpl.metadata.annotations?.['logging.zlog.dev/config-hash']);
    const preStop = tpl.spec.containers[0].lifecycle?.preStop?.exec?.command.join(' ') ?? '';
    assert.match(preStop, /\/drain/, 'no preStop drain on the pod template');
    assert.ok(tpl.spec.terminationGracePeriodSeconds > example.spec.drainTimeoutSeconds,
      `grace period ${tpl.spec.terminationGracePeriodSeconds}s is not above the drain timeout ${example.spec.drainTimeoutSeconds}s`);
    const cm = await getJson<KubeObject & { data: Record<string, string> }>(c, ['get', 'configmap', `${name}-config`, '-n', namespace]);
    assert.match(Object.values(cm.data).join('\n'), /fsync: interval/, 'the rendered collector config lacks the new sink setting');
  });
});
