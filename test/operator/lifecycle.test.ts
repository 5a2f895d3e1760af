// The life of a LogServer on a real control plane (kube-apiserver, controller-manager, scheduler, kwok
// nodes), reconciled by the operator running as its own ServiceAccount: create, config change with a
// rolling update, scale through the scale subresource, ServiceMonitor before and after its CRD exists,
// invalid specs, and deletion with garbage collection.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  OperatorProcess,
  applyJson,
  condition,
  getJson,
  getOptional,
  logServer,
  metricValue,
  repoRoot,
  until,
  useOperatorCluster,
  waitReady,
  type Obj,
} from './env.js';
import { serviceMonitorCrdPath } from '../helpers/servicemonitor-crd.js';

const NS = 'logs';
const CHILDREN = [
  ['serviceaccount', 'demo'],
  ['configmap', 'demo-config'],
  ['service', 'demo'],
  ['deployment', 'demo'],
] as const;

async function podsOf(c: Parameters<typeof getJson>[0], name: string): Promise<Obj[]> {
  const pods = await getJson(c, ['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/instance=${name}`]);
  return (pods.items as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
}

async function eventsOf(c: Parameters<typeof getJson>[0], name: string): Promise<Obj[]> {
  const ev = await getJson(c, ['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name},involvedObject.kind=LogServer`]);
  return ev.items as Obj[];
}

test('LogServer lifecycle on a real control plane', { timeout: 900_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-lifecycle' });
  const c = env.cluster;
  // Pod Security 'restricted' enforced: the collector pods must pass it with the operator's defaults.
  await c.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const op = await OperatorProcess.start(t, env);

  await t.test('create: children with owner references, rollout, Ready with the endpoint', async () => {
    await applyJson(c, logServer('demo', NS, { sinks: [{ name: 'file', type: 'file', file: { compress: true } }] }));
    const ls = await waitReady(c, NS, 'demo');
    assert.equal(ls.status.endpoint, 'tcp://demo.logs.svc:5555');
    assert.match(ls.status.configHash, /^[0-9a-f]{16}$/);
    assert.equal(ls.status.readyReplicas, 1);
    assert.equal(ls.status.selector, 'app.kubernetes.io/name=zlog,app.kubernetes.io/instance=demo');
    for (const [kind, name] of CHILDREN) {
      const child = await getJson(c, ['get', kind, name, '-n', NS]);
      const refs = child.metadata.ownerReferences as Obj[];
      assert.deepEqual(refs.map((r) => [r.kind, r.name, r.uid, r.controller]), [['LogServer', 'demo', ls.metadata.uid, true]], `${kind}/${name}`);
    }
    const dep = await getJson(c, ['get', 'deployment', 'demo', '-n', NS]);
    assert.equal(dep.spec.template.metadata.annotations['logging.zlog.dev/config-hash'], ls.status.configHash);
    assert.equal(dep.status.readyReplicas, 1);
    const pods = await podsOf(c, 'demo');
    assert.equal(pods.length, 1);
    assert.equal(pods[0].status.phase, 'Running');
    // Printer columns.
    const table = await c.kubectlOk(['get', 'zls', 'demo', '-n', NS]);
    assert.match(table, /READY\s+REPLICAS\s+ENDPOINT\s+AGE/);
    assert.match(table, /demo\s+True\s+1\/1\s+tcp:\/\/demo\.logs\.svc:5555/);
    const reasons = (await eventsOf(c, 'demo')).map((e) => e.reason);
    assert.deepEqual(reasons, ['RollingUpdate'], 'one Event for the rollout, none for conditions that say all is well');
  });

  await t.test('sink change: new config hash, pods replaced by a rolling update, Progressing then Ready', async () => {
    const before = await getJson(c, ['get', 'zls', 'demo', '-n', NS]);
    const oldPods = (await podsOf(c, 'demo')).map((p) => p.metadata.name as string);
    const rollingBefore = (await eventsOf(c, 'demo')).filter((e) => e.reason === 'RollingUpdate').length;
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { sinks: [{ name: 'file', type: 'file', file: { compress: false } }] } })]);
    const after = await until('status with a new config hash and Ready', 120_000, async () => {
      const ls = await getJson(c, ['get', 'zls', 'demo', '-n', NS]);
      return ls.status.configHash !== before.status.configHash && condition(ls, 'Ready')?.status === 'True' && ls.status.observedGeneration === ls.metadata.generation ? ls : undefined;
    });
    const cm = await getJson(c, ['get', 'configmap', 'demo-config', '-n', NS]);
    assert.match(cm.data['config.yaml'], /compress: false/);
    const pods = await until('old pods gone', 60_000, async () => {
      const p = await podsOf(c, 'demo');
      return p.length === 1 && !oldPods.includes(p[0].metadata.name) ? p : undefined;
    });
    assert.equal(pods[0].metadata.annotations['logging.zlog.dev/config-hash'], after.status.configHash);
    const rs = await getJson(c, ['get', 'replicasets', '-n', NS, '-l', 'app.kubernetes.io/instance=demo']);
    assert.equal((rs.items as Obj[]).length, 2, 'the rollout made a second ReplicaSet (rolling update, not recreate)');
    const events = await eventsOf(c, 'demo');
    assert.ok(events.filter((e) => e.reason === 'RollingUpdate').length > rollingBefore, 'Progressing=True was reported during the rollout');
    assert.equal(condition(after, 'Progressing')?.reason, 'RolloutComplete');
  });

  await t.test('scale subresource: kubectl scale -> 3 replicas and a PDB; back to 1 -> PDB pruned', async () => {
    await c.kubectlOk(['scale', 'zls/demo', '-n', NS, '--replicas=3']);
    const ls = await until('3 ready replicas', 120_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'demo', '-n', NS]);
      return x.status.readyReplicas === 3 && condition(x, 'Ready')?.status === 'True' ? x : undefined;
    });
    const scale = JSON.parse(await c.kubectlOk(['get', '--raw', `/apis/logging.zlog.dev/v1alpha1/namespaces/${NS}/logservers/demo/scale`])) as Obj;
    assert.equal(scale.status.replicas, 3);
    assert.equal(scale.status.selector, ls.status.selector);
    const pdb = await until('PDB', 30_000, () => getOptional(c, ['get', 'pdb', 'demo', '-n', NS]));
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.equal(pdb.metadata.ownerReferences[0].uid, ls.metadata.uid);
    await c.kubectlOk(['scale', 'zls/demo', '-n', NS, '--replicas=1']);
    await until('PDB pruned', 60_000, async () => (await getOptional(c, ['get', 'pdb', 'demo', '-n', NS])) === undefined);
    await waitReady(c, NS, 'demo');
  });

  await t.test('ServiceMonitor: CRDNotInstalled until the CRD exists, then created without a restart; off -> deleted', async () => {
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { monitoring: { serviceMonitor: { enabled: true, labels: { release: 'kps' } } } } })]);
    const waiting = await until('ServiceMonitorReady=False', 60_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'demo', '-n', NS]);
      return condition(x, 'ServiceMonitorReady')?.reason === 'CRDNotInstalled' ? x : undefined;
    });
    assert.equal(condition(waiting, 'ServiceMonitorReady')?.status, 'False');
    assert.equal(condition(waiting, 'Ready')?.status, 'True', 'everything else is still reconciled');
    // prometheus-operator's own CRD, so the API server validates the operator's ServiceMonitor against it.
    await c.kubectlOk(['apply', '--server-side', '-f', await serviceMonitorCrdPath()]);
    const sm = await until('ServiceMonitor created', 90_000, () => getOptional(c, ['get', 'servicemonitors.monitoring.coreos.com', 'demo', '-n', NS]));
    assert.equal(sm.metadata.labels.release, 'kps');
    assert.equal(sm.spec.endpoints[0].port, 'metrics');
    await until('ServiceMonitorReady=True', 30_000, async () => condition(await getJson(c, ['get', 'zls', 'demo', '-n', NS]), 'ServiceMonitorReady')?.status === 'True');
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { monitoring: { serviceMonitor: { enabled: false } } } })]);
    await until('ServiceMonitor deleted', 60_000, async () => (await getOptional(c, ['get', 'servicemonitors.monitoring.coreos.com', 'demo', '-n', NS])) === undefined);
    await until('condition removed', 30_000, async () => condition(await getJson(c, ['get', 'zls', 'demo', '-n', NS]), 'ServiceMonitorReady') === undefined);
  });

  await t.test('the API server rejects what the CRD schema or its CEL rules forbid, naming the field', async () => {
    const cases: Array<[Obj, RegExp]> = [
      [{ replicas: -1 }, /spec\.replicas/],
      [{ imagePullPolicy: 'Sometimes' }, /spec\.imagePullPolicy/],
      [{ bogus: true }, /bogus/],
      [{ inputs: [{ name: 'a', type: 'zmq-pull', port: 7000 }, { name: 'b', type: 'zmq-sub', port: 7000 }] }, /spec\.inputs/],
      [{ metricsPort: 5555 }, /spec\.metricsPort/],
      [{ sinks: [{ name: 'o', type: 'stdout', file: {} }] }, /spec\.sinks/],
      [{ pipeline: { queue: { maxBytes: 65536 }, batch: { maxBytes: 70000 } } }, /spec\.pipeline\.batch\.maxBytes/],
      [{ inputs: [{ name: 'Bad_Name', type: 'zmq-pull', port: 7000 }] }, /spec\.inputs\[0\]\.name/],
    ];
    for (const [spec, field] of cases) {
      const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(logServer('bad', NS, spec)) });
      assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(spec)}`);
      assert.match(r.stderr, field, JSON.stringify(spec));
    }
    assert.equal(await getOptional(c, ['get', 'zls', 'bad', '-n', NS]), undefined);
    const badName = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(logServer('9lives', NS)) });
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /metadata\.name: Invalid value: "9lives": metadata\.name in body should match/);
    assert.doesNotMatch(badName.stderr, /<nil>/);
    // The example users copy is admitted as written.
    await c.createNamespace('logging');
    await c.kubectlOk(['apply', '--dry-run=server', '-f', join(repoRoot(), 'examples/logserver.yaml')]);
  });

  await t.test('invalid spec (operator-only rule): InvalidSpec with the field path, a Warning, children untouched', async () => {
    const versions = async () =>
      Object.fromEntries(await Promise.all(CHILDREN.map(async ([k, n]) => [`${k}/${n}`, (await getJson(c, ['get', k, n, '-n', NS])).metadata.resourceVersion])));
    const before = await versions();
    const deployBefore = await getJson(c, ['get', 'deployment', 'demo', '-n', NS]);
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { image: 'other/image:2', resources: { limits: { memory: '160Mi' } }, pipeline: { queue: { maxBytes: 160 * 2 ** 20 } } } })]);
    const ls = await until('Ready=False InvalidSpec', 60_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'demo', '-n', NS]);
      return condition(x, 'Ready')?.reason === 'InvalidSpec' && x.status.observedGeneration === x.metadata.generation ? x : undefined;
    });
    assert.equal(condition(ls, 'Ready')?.status, 'False');
    assert.match(condition(ls, 'Ready')?.message, /spec\.pipeline\.queue\.maxBytes/);
    const warning = await until('Warning event', 30_000, async () => (await eventsOf(c, 'demo')).find((e) => e.type === 'Warning' && e.reason === 'InvalidSpec'));
    assert.match(warning.message, /spec\.pipeline\.queue\.maxBytes/);
    assert.deepEqual(await versions(), before, 'no child was written');
    const deployAfter = await getJson(c, ['get', 'deployment', 'demo', '-n', NS]);
    assert.equal(deployAfter.spec.template.spec.containers[0].image, deployBefore.spec.template.spec.containers[0].image);
    // Fixing the spec resumes reconciling.
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { resources: { limits: { memory: '1Gi' } } } })]);
    await waitReady(c, NS, 'demo');
    assert.equal((await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).spec.template.spec.containers[0].image, 'other/image:2');
  });

  await t.test('pods the namespace refuses (Pod Security): Degraded=True ReplicaFailure, then recovery', async () => {
    // The restricted default passed above; loosening it is refused by the namespace's enforce=restricted.
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { containerSecurityContext: { allowPrivilegeEscalation: true } } })]);
    const ls = await until('Degraded=True', 90_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'demo', '-n', NS]);
      return condition(x, 'Degraded')?.status === 'True' ? x : undefined;
    });
    assert.equal(condition(ls, 'Degraded')?.reason, 'ReplicaFailure');
    assert.match(condition(ls, 'Degraded')?.message, /forbidden|PodSecurity|allowPrivilegeEscalation/i);
    await until('Warning event', 30_000, async () => (await eventsOf(c, 'demo')).find((e) => e.type === 'Warning' && e.reason === 'ReplicaFailure'));
    await c.kubectlOk(['patch', 'zls', 'demo', '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/containerSecurityContext' }])]);
    await waitReady(c, NS, 'demo');
    // The Deployment drops ReplicaFailure once the refused ReplicaSet is scaled down, which may trail Ready.
    await until('Degraded=False', 60_000, async () => condition(await getJson(c, ['get', 'zls', 'demo', '-n', NS]), 'Degraded')?.status === 'False');
  });

  await t.test('delete: children garbage-collected', async () => {
    await c.kubectlOk(['delete', 'zls', 'demo', '-n', NS, '--wait=true'], { timeoutMs: 60_000 });
    for (const [kind, name] of CHILDREN) {
      await until(`${kind}/${name} collected`, 90_000, async () => (await getOptional(c, ['get', kind, name, '-n', NS])) === undefined);
    }
    await until('pods gone', 90_000, async () => (await podsOf(c, 'demo')).length === 0);
  });

  await t.test('operator: no Forbidden, keyed log lines, metrics', async () => {
    assert.deepEqual(op.forbidden(), [], 'the ClusterRole covers everything the operator does');
    const reconcileLines = op.lines.filter((l) => l.msg === 'condition changed' || l.msg === 'invalid spec' || l.msg === 'pruning child no longer wanted');
    assert.ok(reconcileLines.length > 0);
    for (const l of reconcileLines) assert.equal(l.key, `${NS}/demo`, JSON.stringify(l));
    const m = await op.metrics();
    assert.ok(metricValue(m, 'zlog_operator_reconcile_total', 'result="success"') > 0, m.slice(0, 500));
    assert.ok(metricValue(m, 'zlog_operator_reconcile_total', 'result="invalid"') > 0);
    assert.match(m, /zlog_operator_reconcile_duration_seconds_bucket/);
    assert.equal(metricValue(m, 'zlog_operator_workqueue_depth'), 0);
    assert.equal(metricValue(m, 'zlog_operator_leader'), 1);
    const health = await fetch(`http://127.0.0.1:${op.port}/readyz`);
    assert.equal(health.status, 200);
  });
});
