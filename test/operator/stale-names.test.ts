// Never adopt, with the names cache behind: every operator connection is cut and refused while a user creates a
// ConfigMap with a child's name and then the LogServer. When the operator reconnects, its LogServer informer may
// deliver the new LogServer before the ConfigMap names informer has caught up; the user's ConfigMap must still
// end up untouched (NameConflict), never applied over and owned by the LogServer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from './proxy.js';
import { OperatorProcess, applyJson, condition, getJson, logServer, until, useOperatorCluster } from './env.js';

const NS = 'stale';

test('a name taken while the operator was cut off is not adopted once it reconnects', { timeout: 600_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-stale-names' });
  const c = env.cluster;
  await c.createNamespace(NS);
  const proxy = await FaultProxy.start(new URL(c.server));
  t.after(() => proxy.close());
  const viaProxy = { ...env, operatorKubeconfig: proxy.rewriteKubeconfig(env.operatorKubeconfig, join(c.dir, 'operator-via-proxy.kubeconfig')) };
  await OperatorProcess.start(t, viaProxy, ['--lease-duration-seconds', '15']);
  await until('operator watches open', 60_000, async () => proxy.open >= 3);
  for (let round = 0; round < 3; round++) {
    const name = `race${round}`;
    proxy.killAll();
    proxy.refuse(true);
    await c.kubectlOk(['create', 'configmap', `${name}-config`, '-n', NS, '--from-literal=mine=yes']);
    await applyJson(c, logServer(name, NS));
    await sleep(2000);
    proxy.refuse(false);
    const ls = await until(`${name} settled`, 120_000, async () => {
      const x = await getJson(c, ['get', 'zls', name, '-n', NS]);
      const r = condition(x, 'Ready');
      return r && (r.reason === 'NameConflict' || r.status === 'True') ? x : undefined;
    });
    const cm = await getJson(c, ['get', 'configmap', `${name}-config`, '-n', NS]);
    assert.equal(cm.metadata.ownerReferences, undefined, `round ${round}: the user's ConfigMap was adopted (${JSON.stringify(cm.metadata.ownerReferences)}); Ready: ${JSON.stringify(condition(ls, 'Ready'))}`);
    assert.deepEqual(cm.data, { mine: 'yes' }, `round ${round}: the user's ConfigMap was written`);
    assert.equal(condition(ls, 'Ready')?.reason, 'NameConflict');
    await until('operator watches open again', 60_000, async () => proxy.open >= 3);
  }
});
