// With controller-manager, scheduler and kwok, workloads behave as on a real cluster (without
// containers): a Deployment becomes a ReplicaSet and Running, Ready Pods on a fake Node, and deleting
// it garbage-collects them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { useCluster, type Cluster } from './harness.js';
import { socketInodes } from '../helpers/proc-sockets.js';

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(250);
  }
}

/** Listening TCP sockets (and any UDP ones) of a process, as "address:port", from /proc. */
function listeningSockets(pid: number): string[] {
  const inodes = socketInodes(pid);
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    for (const line of readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      const listening = table.startsWith('udp') || f[3] === '0A';
      if (!listening) continue;
      const [hex, port] = f[1].split(':');
      const addr = hex.length === 8 ? hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : `[${hex}]`;
      out.push(`${table} ${addr}:${parseInt(port, 16)}`);
    }
  }
  return out;
}

async function getJson(c: Cluster, args: string[]): Promise<any> {
  return JSON.parse(await c.kubectlOk([...args, '-o', 'json']));
}

test('a Deployment runs on kwok nodes and is garbage-collected', { timeout: 300_000 }, async (t) => {
  const c = await useCluster(t, { name: 'workloads', controllers: true, kwokNodes: 2 });
  const nodes = await getJson(c, ['get', 'nodes']);
  assert.deepEqual(nodes.items.map((n: any) => n.metadata.name).sort(), ['kwok-node-0', 'kwok-node-1']);

  // Every port any component opened is on loopback.
  for (const [component, pid] of Object.entries(c.pids)) {
    for (const sock of listeningSockets(pid)) assert.match(sock, /^tcp 127\.0\.0\.1:\d+$/, `${component} listens on ${sock}`);
  }
  assert.ok(listeningSockets(c.pids['kube-apiserver']!).length > 0, 'the socket scan found nothing at all');

  await c.createNamespace('apps');
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'example.invalid/web:1', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
  await c.apply(deploy);
  await c.kubectlOk(['rollout', 'status', 'deployment/web', '-n', 'apps', '--timeout=120s'], { timeoutMs: 130_000 });

  const dep = await getJson(c, ['get', 'deployment', 'web', '-n', 'apps']);
  const rs = await getJson(c, ['get', 'replicasets', '-n', 'apps']);
  assert.equal(rs.items.length, 1);
  assert.deepEqual(rs.items[0].metadata.ownerReferences.map((o: any) => [o.kind, o.uid]), [['Deployment', dep.metadata.uid]]);

  const pods = await getJson(c, ['get', 'pods', '-n', 'apps', '-l', 'app=web']);
  assert.equal(pods.items.length, 3);
  for (const p of pods.items) {
    assert.equal(p.metadata.ownerReferences[0].uid, rs.items[0].metadata.uid);
    assert.match(p.spec.nodeName, /^kwok-node-[01]$/);
    assert.equal(p.status.phase, 'Running');
    const ready = p.status.conditions.find((x: any) => x.type === 'Ready');
    assert.equal(ready?.status, 'True', `pod ${p.metadata.name} is not Ready`);
    assert.match(p.status.podIP, /^10\.244\./);
  }
  // The service-account token controller mounted a projected token, as for a real Pod.
  assert.ok(pods.items[0].spec.volumes.some((v: any) => v.name.startsWith('kube-api-access-')));

  await c.kubectlOk(['delete', 'deployment', 'web', '-n', 'apps', '--wait=false']);
  await until('the ReplicaSet and Pods to be garbage-collected', 120_000, async () => {
    const left = await c.kubectlOk(['get', 'replicasets,pods', '-n', 'apps', '-o', 'name']);
    return left.trim() === '' ? true : undefined;
  });
});
