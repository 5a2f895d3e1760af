// Journeys 1, 5 (cluster half) and 6 on the real control plane (etcd, kube-apiserver, controller-manager,
// scheduler, kwok): what a user types with helm and kubectl.
//   1. `helm install zlog charts/zlog` -> the operator Deployment is Ready on a kwok node, the CRD is
//      Established, and the chart's ServiceAccount has exactly the access the operator needs (and no more).
//   5. With prometheus-operator's ServiceMonitor CRD (from its Go module) installed, the operator's children for a
//      LogServer are applied with the chart's ServiceAccount: the ServiceMonitor selects the collector Service by
//      its labels and named metrics port and carries the user's labels; Prometheus scrapes with those objects.
//   6. `helm upgrade` with changed values and back, then `helm uninstall`: nothing of the release is left but the
//      CRD (Helm keeps what it installed from crds/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCollectorConfig } from '../../operator/api/collector-config.js';
import { validateSpec } from '../../operator/api/validate.js';
import { desiredObject, desiredState } from '../../operator/manifests/children.js';
import { FIELD_MANAGER } from '../../operator/manifests/common.js';
import { useCluster, type Cluster } from '../cluster/harness.js';
import { chartDir, helm } from '../chart/helm.js';
import { canI, conditionOf, getJson, list, serviceMonitorCrdPath, type KubeObject } from './lib/kube.js';
import { waitFor } from './lib/ports.js';
import type { ServiceLike, ServiceMonitorLike } from './lib/prometheus.js';
import { assertPrometheusScrapes, type DeploymentLike } from './lib/scrape.js';

const NS = 'zlog-system';
const RELEASE = 'zlog';
const SA = `system:serviceaccount:${NS}:${RELEASE}-operator`;
const CRD = 'logservers.logging.zlog.dev';

async function helmOk(c: Cluster, args: string[]): Promise<string> {
  const r = await helm([...args, '--kubeconfig', c.kubeconfig], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, `helm ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface DeploymentStatus { spec: { replicas: number; strategy: { type: string }; template: { spec: { containers: Array<{ args: string[] }> } } }; status: { readyReplicas?: number; updatedReplicas?: number } }

/** Objects of the release, by label, in the kinds a chart or its LogServer can leave behind. */
async function releaseObjects(c: Cluster): Promise<string[]> {
  const sel = `app.kubernetes.io/instance=${RELEASE}`;
  const namespaced = 'deployments,replicasets,pods,services,serviceaccounts,configmaps,secrets,roles,rolebindings,leases,logservers,servicemonitors';
  const left = [
    ...(await list(c, ['get', namespaced, '-n', NS, '-l', sel])),
    ...(await list(c, ['get', 'clusterroles,clusterrolebindings', '-l', sel])),
    // Helm's own release records.
    ...(await list(c, ['get', 'secrets', '-n', NS, '-l', `owner=helm,name=${RELEASE}`])),
  ];
  return left.map((o) => `${o.kind}/${o.metadata.name}`);
}

test('helm install, ServiceMonitor on the real API, helm upgrade and uninstall', { timeout: 900_000 }, async (t) => {
  const c = await useCluster(t, { name: 'helm-e2e', controllers: true, kwokNodes: 1 });

  await t.test('journey 1: helm install -> operator Ready, CRD Established, least-privilege RBAC', async () => {
    const out = await helmOk(c, ['install', RELEASE, chartDir(), '-n', NS, '--create-namespace', '--wait', '--timeout', '4m']);
    assert.match(out, /STATUS: deployed/);
    assert.match(out, new RegExp(`kubectl -n ${NS} rollout status deployment/${RELEASE}-operator`));
    // The command NOTES tells the user to run next works as written.
    await c.kubectlOk(['-n', NS, 'rollout', 'status', `deployment/${RELEASE}-operator`, '--timeout=120s'], { timeoutMs: 130_000 });
    await c.kubectlOk(['wait', '--for=condition=Established', `crd/${CRD}`, '--timeout=60s'], { timeoutMs: 70_000 });
    const dep = await getJson<DeploymentStatus>(c, ['get', 'deployment', `${RELEASE}-operator`, '-n', NS]);
    assert.equal(dep.status.readyReplicas, 1);
    const pods = await list(c, ['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/instance=${RELEASE}`]);
    assert.equal(pods.length, 1);
    assert.match(String((pods[0].spec as { nodeName?: string }).nodeName), /^kwok-node-/);

    // RBAC as the API server evaluates it for the chart's ServiceAccount.
    const yes: Array<[string, string, string?]> = [
      ['list', 'logservers.logging.zlog.dev'], ['watch', 'logservers.logging.zlog.dev'],
      ['patch', 'logservers.logging.zlog.dev/status', 'team-a'], ['update', 'logservers.logging.zlog.dev/finalizers', 'team-a'],
      ['create', 'deployments.apps', 'team-a'], ['patch', 'deployments.apps', 'team-a'],
      ['patch', 'services', 'team-a'], ['patch', 'configmaps', 'team-a'], ['create', 'serviceaccounts', 'team-a'],
      ['delete', 'poddisruptionbudgets.policy', 'team-a'],
      // A storage switch prunes the other workload (Deployment <-> StatefulSet) and the headless Service.
      ['delete', 'deployments.apps', 'team-a'], ['delete', 'statefulsets.apps', 'team-a'], ['delete', 'services', 'team-a'],
      // Secrets a LogServer names (CURVE keys, sink credentials) are read by name, and their metadata is watched so
      // that a new key rolls the pods within seconds (4e74b42). Kubernetes has no metadata-only grant, so this is
      // list + watch on secrets (docs/security.md says what that allows).
      ['get', 'secrets', 'team-a'], ['list', 'secrets', 'team-a'], ['watch', 'secrets', 'team-a'],
      ['create', 'events', 'team-a'], ['update', 'leases.coordination.k8s.io', NS],
    ];
    const no: Array<[string, string, string?]> = [
      ['update', 'logservers.logging.zlog.dev', 'team-a'], ['delete', 'logservers.logging.zlog.dev', 'team-a'],
      ['create', 'secrets', 'team-a'], ['update', 'secrets', 'team-a'], ['delete', 'secrets', 'team-a'], ['delete', 'persistentvolumeclaims', 'team-a'],
      ['create', 'pods', 'team-a'], ['create', 'clusterroles.rbac.authorization.k8s.io'], ['create', 'rolebindings.rbac.authorization.k8s.io', 'team-a'],
      ['update', 'leases.coordination.k8s.io', 'team-a'], ['create', 'leases.coordination.k8s.io', 'kube-system'],
    ];
    for (const [verb, res, ns] of yes) assert.equal(await canI(c, SA, verb, res, ns), true, `${SA} cannot ${verb} ${res}`);
    for (const [verb, res, ns] of no) assert.equal(await canI(c, SA, verb, res, ns), false, `${SA} can ${verb} ${res}, which it does not need`);
  });

  await t.test('journey 5: the ServiceMonitor from prometheus-operator\'s CRD selects the collector Service; Prometheus scrapes', async (st) => {
    const crdFile = await serviceMonitorCrdPath();
    await c.kubectlOk(['apply', '--server-side', '-f', crdFile]);
    await c.kubectlOk(['wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com', '--timeout=60s'], { timeoutMs: 70_000 });

    // Only now can the API server resolve the resource in an access review.
    for (const verb of ['create', 'patch', 'delete', 'watch']) {
      assert.equal(await canI(c, SA, verb, 'servicemonitors.monitoring.coreos.com', 'logging'), true, `${SA} cannot ${verb} servicemonitors`);
    }
    await c.createNamespace('logging');
    const lsSpec = { monitoring: { serviceMonitor: { enabled: true, interval: '2s', labels: { release: 'kube-prometheus-stack' } } } };
    await c.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', metadata: { name: 'zlog', namespace: 'logging' }, spec: lsSpec }),
    });
    const ls = await getJson(c, ['get', 'logserver', 'zlog', '-n', 'logging']);
    // The API server applied the CRD's defaults; the operator's builders take the spec as stored.
    const v = validateSpec(ls.spec);
    assert.ok(v.ok, JSON.stringify(v));
    const desired = desiredState({ name: 'zlog', namespace: 'logging', uid: ls.metadata.uid }, v.spec);
    assert.ok(desiredObject(desired, 'ServiceMonitor'));
    // What the operator would write, written with the chart's ServiceAccount: its RBAC must allow all of it.
    for (const { object: obj } of desired.apply) {
      await c.kubectlOk(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], { input: JSON.stringify(obj), asUser: SA });
    }

    const sm = await getJson<ServiceMonitorLike & KubeObject>(c, ['get', 'servicemonitor', 'zlog', '-n', 'logging']);
    assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack', 'the user\'s ServiceMonitor labels are missing');
    const selector = Object.entries(sm.spec.selector.matchLabels).map(([k, val]) => `${k}=${val}`).join(',');
    const selected = await list(c, ['get', 'services', '-n', 'logging', '-l', selector]);
    assert.deepEqual(selected.map((s) => s.metadata.name), ['zlog'], 'the ServiceMonitor must select exactly the collector Service');
    const svc = selected[0] as unknown as ServiceLike;
    assert.ok(svc.spec.ports.some((p) => p.name === sm.spec.endpoints[0].port), `Service has no port named ${sm.spec.endpoints[0].port}`);
    const dep = await getJson<DeploymentLike & KubeObject>(c, ['get', 'deployment', 'zlog', '-n', 'logging']);
    await assertPrometheusScrapes(st, sm, svc, dep, renderCollectorConfig(v.spec).http.port);
  });

  await t.test('journey 6: helm upgrade with changed values and back, then uninstall, leave nothing behind', async () => {
    await helmOk(c, [
      'upgrade', RELEASE, chartDir(), '-n', NS, '--wait', '--timeout', '4m',
      '--set', 'operator.replicas=2', '--set', 'operator.logLevel=debug',
      '--set', 'grafanaDashboard.enabled=true',
      '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.labels.release=kube-prometheus-stack',
      '--set', 'exampleLogServer.enabled=true',
    ]);
    const dep = await getJson<DeploymentStatus>(c, ['get', 'deployment', `${RELEASE}-operator`, '-n', NS]);
    assert.equal(dep.spec.replicas, 2);
    assert.equal(dep.status.readyReplicas, 2);
    assert.equal(dep.spec.strategy.type, 'RollingUpdate');
    const args = dep.spec.template.spec.containers[0].args;
    assert.ok(args.includes('--leader-elect') && args.includes('--log-level=debug'), args.join(' '));
    const dash = await getJson(c, ['get', 'configmap', `${RELEASE}-dashboard`, '-n', NS]);
    assert.equal(dash.metadata.labels?.grafana_dashboard, '1');
    const sm = await getJson(c, ['get', 'servicemonitor', `${RELEASE}-operator`, '-n', NS]);
    assert.equal(sm.metadata.labels?.release, 'kube-prometheus-stack');
    const example = await getJson(c, ['get', 'logserver', 'zlog', '-n', NS]);
    assert.equal((example.spec as { replicas?: number }).replicas, 2);

    // Back to the defaults: what the values switched on goes away again.
    await helmOk(c, ['upgrade', RELEASE, chartDir(), '-n', NS, '--reset-values', '--wait', '--timeout', '4m']);
    for (const [kind, name] of [['configmap', `${RELEASE}-dashboard`], ['servicemonitor', `${RELEASE}-operator`], ['logserver', 'zlog']]) {
      const r = await c.kubectl(['get', kind, name, '-n', NS]);
      assert.notEqual(r.code, 0, `${kind}/${name} survived the upgrade that switched it off`);
    }
    const back = await getJson<DeploymentStatus>(c, ['get', 'deployment', `${RELEASE}-operator`, '-n', NS]);
    assert.equal(back.spec.replicas, 1);
    assert.equal(back.spec.strategy.type, 'Recreate');

    await helmOk(c, ['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '4m']);
    // Pods and ReplicaSets go through the garbage collector and kwok's delete stage: wait for them.
    let left: string[] = [];
    await waitFor('no object of the release left', async () => (left = await releaseObjects(c)).length === 0, 120_000, 1000)
      .catch((e: Error) => assert.fail(`${e.message}: ${left.join(', ')}`));
    const crd = await getJson(c, ['get', 'crd', CRD]);
    assert.ok(conditionOf(crd, 'Established')?.status === 'True', 'the CRD must stay installed (Helm never deletes crds/)');
  });
});
