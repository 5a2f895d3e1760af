// The operator against what goes wrong on a real control plane: another writer fighting over a field (409
// for it, the operator's forced apply wins back), every connection cut (watches included), the API server
// unreachable for a while, the operator killed mid-reconcile, and two operators sharing one Lease.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { FaultProxy } from './proxy.js';
import { maybeInvalidSpec, validSpec } from './spec-arbitrary.js';
import { validateSpec } from '../../operator/api/validate.js';
import { specRules } from '../../operator/api/rules.js';
import {
  OperatorProcess,
  applyJson,
  condition,
  getJson,
  getOptional,
  logServer,
  metricValue,
  until,
  useOperatorCluster,
  waitReady,
  type Obj,
} from './env.js';

const NS = 'res';

test('operator resilience on a real control plane', { timeout: 900_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-resilience' });
  const c = env.cluster;
  // Pod Security 'restricted' enforced: the collector pods must pass it with the operator's defaults.
  await c.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const proxy = await FaultProxy.start(new URL(c.server));
  t.after(() => proxy.close());
  const viaProxy = { ...env, operatorKubeconfig: proxy.rewriteKubeconfig(env.operatorKubeconfig, join(c.dir, 'operator-via-proxy.kubeconfig')) };
  // A 15 s lease (renew deadline 10 s) outlives the 3 s outage below, so leadership is not what is tested there.
  const leaseArgs = ['--lease-duration-seconds', '15'];
  let op = await OperatorProcess.start(t, viaProxy, leaseArgs);

  await t.test('a field taken by another manager (409 without force) is taken back', async () => {
    await applyJson(c, logServer('fight', NS, { replicas: 1 }));
    await waitReady(c, NS, 'fight');
    const intruder = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fight', namespace: NS }, spec: { replicas: 4 } };
    const refused = await c.kubectl(['apply', '--server-side', '--field-manager=intruder', '-f', '-'], { input: JSON.stringify(intruder) });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /conflict/i, 'the operator owns spec.replicas');
    await c.kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=intruder', '-f', '-'], { input: JSON.stringify(intruder) });
    await until('replicas back to 1', 60_000, async () => (await getJson(c, ['get', 'deployment', 'fight', '-n', NS])).spec.replicas === 1);
    // A plain update (kubectl scale on the Deployment) is reverted too.
    await c.kubectlOk(['scale', 'deployment/fight', '-n', NS, '--replicas=3']);
    await until('replicas back to 1 again', 60_000, async () => (await getJson(c, ['get', 'deployment', 'fight', '-n', NS])).spec.replicas === 1);
    const managers = ((await getJson(c, ['get', 'deployment', 'fight', '-n', NS, '--show-managed-fields'])).metadata.managedFields as Obj[]).map((m) => m.manager);
    assert.ok(managers.includes('zlog-operator'), managers.join());
  });

  await t.test('every connection killed, then the API server unreachable for a while: informers restart and catch up', async () => {
    await until('operator watches open', 30_000, async () => proxy.open >= 3);
    assert.ok(proxy.killAll() > 0);
    proxy.refuse(true);
    // Created while the operator cannot see anything.
    await applyJson(c, logServer('after-cut', NS, { replicas: 2 }));
    await sleep(3000);
    proxy.refuse(false);
    await waitReady(c, NS, 'after-cut');
    assert.equal(op.child.exitCode, null, 'the operator survived the outage');
    assert.ok(await getOptional(c, ['get', 'pdb', 'after-cut', '-n', NS]), 'PDB for 2 replicas');
    assert.ok(op.lines.some((l) => l.msg === 'list/watch failed: retrying'), 'failures were seen and retried');
    assert.ok(metricValue(await op.metrics(), 'zlog_operator_watch_errors_total') > 0);
    // Changes after recovery still arrive through the re-opened watches.
    await c.kubectlOk(['scale', 'zls/after-cut', '-n', NS, '--replicas=1']);
    await until('PDB pruned after recovery', 60_000, async () => (await getOptional(c, ['get', 'pdb', 'after-cut', '-n', NS])) === undefined);
  });

  await t.test('operator killed mid-reconcile: a new one converges everything', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
    const linesBefore = op.lines.length;
    await applyJson(c, { apiVersion: 'v1', kind: 'List', items: names.map((n) => logServer(n, NS, { replicas: 1 })) });
    await until('first reconcile of the burst under way', 60_000, async () => op.lines.slice(linesBefore).some((l) => typeof l.key === 'string' && l.key.startsWith(`${NS}/burst-`)), 20);
    op.kill('SIGKILL');
    await op.wait();
    op = await OperatorProcess.start(t, viaProxy, leaseArgs);
    for (const n of names) await waitReady(c, NS, n, 180_000);
    assert.deepEqual(op.forbidden(), []);
  });

  await t.test('leader election: one of two operators reconciles; the other takes over when it is killed', async () => {
    const standby = await OperatorProcess.start(t, viaProxy, leaseArgs);
    await sleep(3000);
    assert.equal(standby.isLeader(), false, 'the Lease is held by the running operator');
    const linesBefore = standby.lines.length;
    await applyJson(c, logServer('led', NS));
    await waitReady(c, NS, 'led');
    assert.equal(standby.lines.slice(linesBefore).filter((l) => l.key === `${NS}/led`).length, 0, 'the standby did not reconcile');
    assert.ok(op.lines.some((l) => l.key === `${NS}/led`), 'the leader did');
    const lease = await getJson(c, ['get', 'lease', 'zlog-operator', '-n', 'zlog-system']);
    assert.match(lease.spec.holderIdentity, new RegExp(`_${op.pid}$`));
    op.kill('SIGKILL');
    await until('standby takes the Lease', 60_000, async () => standby.isLeader());
    await applyJson(c, logServer('after-failover', NS));
    await waitReady(c, NS, 'after-failover');
    assert.ok(standby.lines.some((l) => l.key === `${NS}/after-failover`));
    const taken = await getJson(c, ['get', 'lease', 'zlog-operator', '-n', 'zlog-system']);
    assert.match(taken.spec.holderIdentity, new RegExp(`_${standby.pid}$`));
    assert.ok(taken.spec.leaseTransitions >= 1);
    op = standby;
  });

  await t.test('fuzz: random valid specs are admitted and every child they produce is accepted', async () => {
    const specs = fc.sample(validSpec, { numRuns: 12, seed: 4242 });
    const names = specs.map((_, i) => `fuzz-${i}`);
    await applyJson(c, { apiVersion: 'v1', kind: 'List', items: specs.map((s, i) => logServer(names[i], NS, s as Obj)) });
    for (const [i, n] of names.entries()) {
      const ls = await until(`${n} reconciled`, 180_000, async () => {
        const x = await getJson(c, ['get', 'zls', n, '-n', NS]);
        return x.status?.observedGeneration === x.metadata.generation && condition(x, 'Ready') ? x : undefined;
      });
      const degraded = condition(ls, 'Degraded');
      assert.notEqual(degraded?.reason, 'ApplyFailed', `${n} ${JSON.stringify(specs[i])}: ${degraded?.message}`);
      assert.notEqual(condition(ls, 'Ready')?.reason, 'InvalidSpec', `${n}: ${condition(ls, 'Ready')?.message}`);
      // The workload kind follows the storage: a StatefulSet with a claim per replica, else a Deployment.
      const workload = (specs[i] as { storage?: { type?: string } }).storage?.type === 'persistentVolumeClaim' ? 'statefulset' : 'deployment';
      assert.ok(await getOptional(c, ['get', workload, n, '-n', NS]), `${n} has its ${workload}`);
    }
    assert.deepEqual(op.forbidden(), []);
  });

  await t.test('fuzz: ajv and the API server agree on what is valid', async () => {
    // Whatever the operator accepts, the API server admits; whatever the API server refuses, the operator
    // refuses too; what only the operator refuses is one of its operator-only rules.
    const operatorOnly = new Set(specRules.filter((r) => !r.cel).map((r) => `spec.${r.field}`));
    const specs = fc.sample(maybeInvalidSpec, { numRuns: 40, seed: 7 });
    let admitted = 0;
    for (const [i, spec] of specs.entries()) {
      const local = validateSpec(spec);
      const r = await c.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(logServer(`agree-${i}`, NS, spec as Obj)) });
      const what = `${JSON.stringify(spec)}\nlocal: ${JSON.stringify(local.ok || local.errors)}\nserver: ${r.stderr}`;
      if (local.ok) assert.equal(r.code, 0, what);
      if (r.code !== 0) assert.equal(local.ok, false, what);
      if (r.code === 0 && !local.ok) for (const e of local.errors) assert.ok(operatorOnly.has(e.path), what);
      if (r.code === 0) admitted++;
    }
    assert.ok(admitted > 0 && admitted < specs.length, `a mix of valid and invalid specs (${admitted}/${specs.length} admitted)`);
  });
});
