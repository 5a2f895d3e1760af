// Issue 12's defects on a real control plane: the operator never takes over objects it does not own, frames
// every request body, requeues the former owner of a child, is not Ready after a failed apply, stops watching a
// deleted optional CRD, derives a queue that fits a small memory limit, names the field of a bad name, records
// one Event per created LogServer, shows ready/desired, autoscales through the scale subresource, and rides
// out a 20 s API server outage with its default lease settings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadClientConfig } from '../../operator/controller/kubeconfig.js';
import { FaultProxy } from './proxy.js';
import { ApiError, Kube } from '../../operator/controller/kube.js';
import { OperatorProcess, applyJson, condition, getJson, getOptional, logServer, until, useOperatorCluster, waitReady, type Obj } from './env.js';
import { serviceMonitorCrdPath } from '../helpers/servicemonitor-crd.js';

const NS = 'shop';

async function eventsOf(c: Parameters<typeof getJson>[0], name: string): Promise<Obj[]> {
  const ev = await getJson(c, ['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${name},involvedObject.kind=LogServer`]);
  return ev.items as Obj[];
}

test('operator safety on a real control plane', { timeout: 900_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-safety' });
  const c = env.cluster;
  await c.createNamespace(NS);
  const op = await OperatorProcess.start(t, env);

  await t.test("a user's ConfigMap with a child's name: NameConflict naming it, nothing touched, recovery once it is gone", async () => {
    await c.kubectlOk(['create', 'configmap', 'web-config', '-n', NS, '--from-literal=mine=yes']);
    const before = await getJson(c, ['get', 'configmap', 'web-config', '-n', NS]);
    await applyJson(c, logServer('web', NS));
    const ls = await until('NameConflict', 60_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'web', '-n', NS]);
      return condition(x, 'Ready')?.reason === 'NameConflict' ? x : undefined;
    });
    assert.equal(condition(ls, 'Ready')?.status, 'False');
    assert.match(condition(ls, 'Ready')?.message, /ConfigMap shop\/web-config/);
    const after = await getJson(c, ['get', 'configmap', 'web-config', '-n', NS]);
    assert.deepEqual(after.data, { mine: 'yes' }, "the user's data is untouched");
    assert.equal(after.metadata.ownerReferences, undefined, 'no owner reference added');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'not written at all');
    for (const [kind, name] of [['serviceaccount', 'web'], ['service', 'web'], ['deployment', 'web']]) {
      assert.equal(await getOptional(c, ['get', kind, name, '-n', NS]), undefined, `${kind}/${name} not created while the name is taken`);
    }
    assert.ok((await eventsOf(c, 'web')).some((e) => e.type === 'Warning' && e.reason === 'NameConflict'));
    // Deleting the LogServer must not take the user's ConfigMap with it; here the user removes theirs instead.
    await c.kubectlOk(['delete', 'configmap', 'web-config', '-n', NS]);
    await waitReady(c, NS, 'web', 120_000);
    const cm = await getJson(c, ['get', 'configmap', 'web-config', '-n', NS]);
    assert.equal(cm.metadata.ownerReferences[0].uid, ls.metadata.uid);
  });

  await t.test("a LogServer named default: the namespace's default ServiceAccount is neither taken nor deleted", async () => {
    const sa = await until('default ServiceAccount', 30_000, () => getOptional(c, ['get', 'serviceaccount', 'default', '-n', NS]));
    await applyJson(c, logServer('default', NS));
    await until('NameConflict on the ServiceAccount', 60_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'default', '-n', NS]);
      return /ServiceAccount shop\/default/.test(condition(x, 'Ready')?.message ?? '') ? x : undefined;
    });
    await c.kubectlOk(['delete', 'zls', 'default', '-n', NS, '--wait=true']);
    await sleep(3000);
    const still = await getJson(c, ['get', 'serviceaccount', 'default', '-n', NS]);
    assert.equal(still.metadata.uid, sa.metadata.uid, 'the default ServiceAccount survives');
    assert.equal(still.metadata.ownerReferences, undefined);
  });

  await t.test('DELETE bodies are framed: a wrong uid precondition is refused with 409, and the connection stays usable', async () => {
    const kube = await Kube.create(loadClientConfig(c.kubeconfig));
    t.after(() => kube.close());
    await c.kubectlOk(['create', 'configmap', 'framed', '-n', NS, '--from-literal=a=1']);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: NS, name: 'framed' };
    await assert.rejects(kube.delete(ref, '00000000-0000-4000-8000-000000000000'), (err: unknown) => err instanceof ApiError && err.statusCode === 409);
    const cm = await kube.get(ref);
    assert.equal(cm.metadata.name, 'framed', 'still there, and the next request on the connection is answered');
    assert.equal(await kube.delete(ref, cm.metadata.uid), true);
    assert.equal(await getOptional(c, ['get', 'configmap', 'framed', '-n', NS]), undefined);
  });

  await t.test('a child whose owner reference is removed is taken back promptly (the old owner is requeued)', async () => {
    const ls = await getJson(c, ['get', 'zls', 'web', '-n', NS]);
    await c.kubectlOk(['patch', 'deployment', 'web', '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/metadata/ownerReferences' }])]);
    await until('owner reference restored', 30_000, async () => {
      const d = await getJson(c, ['get', 'deployment', 'web', '-n', NS]);
      return (d.metadata.ownerReferences as Obj[] | undefined)?.[0]?.uid === ls.metadata.uid;
    });
  });

  await t.test('a generation whose children cannot be applied is not Ready', async () => {
    await waitReady(c, NS, 'web');
    // Admitted by the CRD (a pass-through object), refused by the API server when the Deployment is applied.
    await c.kubectlOk(['patch', 'zls', 'web', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { podSecurityContext: { runAsUser: 'nobody' } } })]);
    const ls = await until('Ready=False ApplyFailed', 60_000, async () => {
      const x = await getJson(c, ['get', 'zls', 'web', '-n', NS]);
      return condition(x, 'Ready')?.reason === 'ApplyFailed' ? x : undefined;
    });
    assert.equal(condition(ls, 'Ready')?.status, 'False');
    assert.equal(condition(ls, 'Ready')?.observedGeneration, ls.metadata.generation);
    await c.kubectlOk(['patch', 'zls', 'web', '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/podSecurityContext' }])]);
    await waitReady(c, NS, 'web');
  });

  await t.test('one Event for a created LogServer, none for conditions that say all is well; REPLICAS shows ready/desired', async () => {
    await applyJson(c, logServer('quiet', NS, { replicas: 2 }));
    await waitReady(c, NS, 'quiet');
    await sleep(2000);
    const reasons = (await eventsOf(c, 'quiet')).map((e) => `${e.type}/${e.reason}`);
    assert.deepEqual(reasons, ['Normal/RollingUpdate'], reasons.join());
    const table = await c.kubectlOk(['get', 'zls', 'quiet', '-n', NS]);
    assert.match(table, /quiet\s+True\s+2\/2\s/);
  });

  await t.test('memory limit 160Mi with the default queue: admitted, Ready, the queue derived to fit', async () => {
    await applyJson(c, logServer('small', NS, { resources: { limits: { memory: '160Mi' } } }));
    await waitReady(c, NS, 'small');
    const cm = await getJson(c, ['get', 'configmap', 'small-config', '-n', NS]);
    assert.match(cm.data['config.yaml'], /maxBytes: 41943040/);
  });

  await t.test('a bad name is refused naming metadata.name (no <nil>)', async () => {
    const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(logServer('9lives', NS)) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /metadata\.name/);
    assert.doesNotMatch(r.stderr, /<nil>/);
  });

  await t.test('spec.autoscaler: an HPA targeting the LogServer scale subresource; removed with the field', async () => {
    await applyJson(c, logServer('auto', NS, { resources: { requests: { cpu: '100m' } }, autoscaler: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70 } }));
    const hpa = await until('HPA', 60_000, () => getOptional(c, ['get', 'hpa', 'auto', '-n', NS]));
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'logging.zlog.dev/v1alpha1', kind: 'LogServer', name: 'auto' });
    // The controller-manager's HPA controller scales the LogServer up to minReplicas through /scale.
    await until('LogServer scaled to minReplicas by the HPA', 120_000, async () => (await getJson(c, ['get', 'zls', 'auto', '-n', NS])).spec.replicas === 2);
    await until('Deployment follows', 60_000, async () => (await getJson(c, ['get', 'deployment', 'auto', '-n', NS])).spec.replicas === 2);
    await c.kubectlOk(['patch', 'zls', 'auto', '-n', NS, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/autoscaler' }])]);
    await until('HPA pruned', 60_000, async () => (await getOptional(c, ['get', 'hpa', 'auto', '-n', NS])) === undefined);
  });

  await t.test('the ServiceMonitor watch stops when its CRD is deleted', async () => {
    await c.kubectlOk(['apply', '--server-side', '-f', await serviceMonitorCrdPath()]);
    await until('ServiceMonitor API seen', 60_000, async () => op.lines.some((l) => l.msg === 'optional API availability' && l.available === true));
    await c.kubectlOk(['delete', 'crd', 'servicemonitors.monitoring.coreos.com', '--wait=true']);
    await until('ServiceMonitor API gone', 60_000, async () => op.lines.some((l) => l.msg === 'optional API availability' && l.available === false));
    await sleep(3000);
    const mark = op.lines.length;
    await sleep(12_000);
    const warnings = op.lines.slice(mark).filter((l) => l.msg === 'list/watch failed: retrying' && l.kind === 'ServiceMonitor');
    assert.deepEqual(warnings, [], 'no ServiceMonitor watch retries after its CRD is gone');
  });

  await t.test('default lease settings ride out a 20 s API server outage', async () => {
    const proxy = await FaultProxy.start(new URL(c.server));
    t.after(() => proxy.close());
    const viaProxy = { ...env, operatorKubeconfig: proxy.rewriteKubeconfig(env.operatorKubeconfig, join(c.dir, 'safety-via-proxy.kubeconfig')) };
    op.kill('SIGTERM');
    await op.wait();
    // The defaults (137/107/26 s), not the short test lease the other tests use.
    const leader = await OperatorProcess.start(t, viaProxy, ['--lease-duration-seconds', '137', '--leader-election-id', 'zlog-operator-outage']);
    await until('leader', 30_000, async () => leader.isLeader());
    proxy.killAll();
    proxy.refuse(true);
    await applyJson(c, logServer('during', NS));
    await sleep(20_000);
    proxy.refuse(false);
    await waitReady(c, NS, 'during', 120_000);
    assert.equal(leader.child.exitCode, null, 'the leader did not exit');
    assert.ok(!leader.lines.some((l) => l.msg === 'lost the lease'));
  });
});
