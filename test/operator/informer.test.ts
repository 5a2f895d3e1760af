// The operator's informer against a real API server, in process: it fills its cache, sees adds, updates and
// deletes, relists after 410 Gone, and stops promptly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadClientConfig } from '../../operator/controller/kubeconfig.js';
import { pino } from 'pino';
import { useCluster } from '../cluster/harness.js';
import { Informer } from '../../operator/controller/informer.js';
import { Kube, type KubeObject } from '../../operator/controller/kube.js';
import { until } from './env.js';

test('informer: cache, events, 410 relist, stop', { timeout: 300_000 }, async (t) => {
  // Without the watch cache and with frequent etcd compaction, a watch from an old resourceVersion gets the
  // real 410 Expired, as it would from a busy cluster after the informer was away for a while.
  const c = await useCluster(t, { name: 'op-informer', extraArgs: { 'kube-apiserver': ['--watch-cache=false', '--etcd-compaction-interval=2s'] } });
  await c.createNamespace('inf');
  await c.kubectlOk(['create', 'configmap', 'before', '-n', 'inf', '--from-literal=a=1']);
  const kube = await Kube.create(loadClientConfig(c.kubeconfig));
  t.after(() => kube.close());
  const seen: string[] = [];
  const log = pino({ level: 'silent' });
  const inf = new Informer<KubeObject>(
    kube,
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: 'inf' },
    {
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (_, o) => seen.push(`update ${o.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    },
    { log, watchTimeoutSeconds: 5 },
  );
  inf.start();
  await until('synced', 30_000, async () => inf.hasSynced);
  assert.ok(inf.get('inf', 'before'));
  assert.equal(inf.get('inf', 'before')?.kind, 'ConfigMap', 'cached items carry their kind');
  assert.ok(!('managedFields' in (inf.get('inf', 'before')?.metadata ?? {})), 'cached items leave managedFields out');

  await c.kubectlOk(['create', 'configmap', 'x', '-n', 'inf', '--from-literal=a=1']);
  await c.kubectlOk(['patch', 'configmap', 'x', '-n', 'inf', '-p', '{"data":{"a":"2"}}']);
  await c.kubectlOk(['delete', 'configmap', 'x', '-n', 'inf']);
  await until('add, update, delete of x', 30_000, async () => seen.includes('delete x'));
  assert.deepEqual(seen.filter((s) => s.endsWith(' x')), ['add x', 'update x', 'delete x']);
  assert.equal(inf.get('inf', 'x'), undefined);

  // The server ends each watch after 5 s: events after that still arrive (the watch was reopened), and an
  // object already cached is not announced twice.
  await new Promise((r) => setTimeout(r, 7000));
  await c.kubectlOk(['create', 'configmap', 'y', '-n', 'inf', '--from-literal=a=1']);
  await until('add y after the server closed the first watch', 30_000, async () => seen.includes('add y'));
  assert.equal(seen.filter((s) => s === 'add before').length, 1);

  const stopped = Date.now();
  await inf.stop();
  assert.ok(Date.now() - stopped < 5000, 'stop() does not wait for the watch to time out');

  // Resuming from a resourceVersion compacted away long ago (etcd compacts every 2 s here): 410, then a list.
  const seen2: string[] = [];
  const resumed = new Informer<KubeObject>(
    kube,
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: 'inf' },
    { add: (o) => seen2.push(o.metadata.name) },
    { log, resumeFrom: '1' },
  );
  resumed.start();
  t.after(() => resumed.stop());
  await until('relisted after 410', 30_000, async () => resumed.hasSynced);
  assert.equal(resumed.gone, 1);
  assert.deepEqual(seen2.filter((n) => n !== 'kube-root-ca.crt').sort(), ['before', 'y']);
});

test('informer: a watch the server ends is resumed from its resourceVersion, with no new list (metadata-only too)', { timeout: 300_000 }, async (t) => {
  // The default API server (watch cache on, bookmarks sent): what the operator meets in a cluster.
  const c = await useCluster(t, { name: 'op-informer-resume' });
  await c.createNamespace('res');
  const kube = await Kube.create(loadClientConfig(c.kubeconfig));
  t.after(() => kube.close());
  const requests: string[] = [];
  kube.onRequest = (r) => requests.push(`${r.method} ${r.resource} ${r.code}`);
  const log = pino({ level: 'silent' });
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: 'res' };
  const full = new Informer<KubeObject>(kube, ref, {}, { log, watchTimeoutSeconds: 1 });
  const meta = new Informer<KubeObject>(kube, ref, {}, { log, watchTimeoutSeconds: 1, metadataOnly: true });
  for (const inf of [full, meta]) inf.start();
  t.after(() => Promise.all([full.stop(), meta.stop()]));
  await until('both synced', 30_000, async () => full.hasSynced && meta.hasSynced);
  // Objects created across many 1 s watches: each arrives through a resumed watch.
  for (let i = 0; i < 6; i++) {
    await c.kubectlOk(['create', 'configmap', `c${i}`, '-n', 'res', '--from-literal=a=1']);
    await new Promise((r) => setTimeout(r, 1500));
  }
  await until('every object in both caches', 30_000, async () => [full, meta].every((inf) => Array.from({ length: 6 }, (_, i) => inf.get('res', `c${i}`)).every(Boolean)));
  assert.deepEqual(requests.filter((r) => r.startsWith('LIST')), ['LIST configmaps 200', 'LIST configmaps 200'], 'one list per informer, however many watches ended');
  assert.equal(full.gone + meta.gone, 0);
});
