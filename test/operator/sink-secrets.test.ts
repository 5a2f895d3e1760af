// Sinks with credentials from Secrets, on a real control plane (kwok nodes) with the operator running as its own
// ServiceAccount: the Secret and LogServer of docs/sinks.md "In a LogServer" are applied as written; the pods
// mount only the named Secret items read-only, the ConfigMap names their paths and never their values, the
// disk buffer and routes reach the collector config, a new password rolls the pods, and the operator never
// logs the password.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { SECRET_HASH_ANNOTATION, sourcesHash, type SecretData } from '../../operator/manifests/secret-hash.js';
import { OperatorProcess, applyJson, getJson, repoRoot, until, useOperatorCluster, waitReady, type Obj } from './env.js';

const NS = 'sinks';

/** The YAML blocks of docs/sinks.md's "In a LogServer" section, parsed. */
function docBlocks(): Obj[] {
  const md = readFileSync(join(repoRoot(), 'docs/sinks.md'), 'utf8');
  const section = md.slice(md.indexOf('## In a LogServer'), md.indexOf('\n## ', md.indexOf('## In a LogServer') + 3));
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]) as Obj);
}

test('docs/sinks.md: a LogServer shipping to VictoriaLogs with a Secret; items mounted, paths rendered, a new password rolls the pods', { timeout: 600_000 }, async (t) => {
  const blocks = docBlocks();
  assert.deepEqual(blocks.map((b) => b.kind), ['Secret', 'LogServer']);
  const [secret, ls] = blocks;
  const env = await useOperatorCluster(t, { name: 'op-sink-secrets' });
  const c = env.cluster;
  await c.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  // A short resync: the operator has no watch on Secrets, it sees their content when it reconciles.
  const op = await OperatorProcess.start(t, env, ['--resync-seconds', '2']);
  await applyJson(c, { ...secret, metadata: { ...secret.metadata, namespace: NS } });
  await applyJson(c, { ...ls, metadata: { ...ls.metadata, namespace: NS } });
  const name = ls.metadata.name as string;
  await waitReady(c, NS, name, 180_000);

  const cm = await getJson(c, ['get', 'configmap', `${name}-config`, '-n', NS]);
  const config = parse(cm.data['config.yaml'] as string) as Obj;
  const vl = (config.sinks as Obj[]).find((s) => s.id === 'vl') as Obj;
  assert.deepEqual(vl.auth, { usernameFile: '/etc/zlog/secrets/victorialogs-auth/username', passwordFile: '/etc/zlog/secrets/victorialogs-auth/password' });
  assert.deepEqual([vl.buffer.type, vl.buffer.path, vl.buffer.maxBytes], ['disk', '/var/lib/zlog/vl/buffer', 268435456]);
  assert.deepEqual((config.sinks as Obj[]).find((s) => s.id === 'errors')?.match, { minSeverity: 'err' });
  assert.deepEqual(config.routing.drop, [{ id: 'healthchecks', app: ['kube-probe*'] }]);
  assert.ok(!JSON.stringify(cm).includes('change-me'), 'the password is not in the ConfigMap');

  const workload = async () => getJson(c, ['get', 'deployment', name, '-n', NS]);
  const pod = (await workload()).spec.template.spec as Obj;
  assert.deepEqual(pod.volumes.find((v: Obj) => v.name === 'sink-secrets').projected.sources, [
    { secret: { name: 'victorialogs-auth', items: [{ key: 'username', path: 'victorialogs-auth/username' }, { key: 'password', path: 'victorialogs-auth/password' }] } },
  ]);
  assert.deepEqual(pod.containers[0].volumeMounts.find((m: Obj) => m.name === 'sink-secrets'), { name: 'sink-secrets', mountPath: '/etc/zlog/secrets', readOnly: true });

  const items = [{ kind: 'Secret', name: 'victorialogs-auth', key: 'username' }, { kind: 'Secret', name: 'victorialogs-auth', key: 'password' }] as const;
  const stored = async () => sourcesHash(items, new Map([['Secret/victorialogs-auth', (await getJson(c, ['get', 'secret', 'victorialogs-auth', '-n', NS])) as SecretData]]));
  const annotation = async () => ((await workload()).spec.template.metadata.annotations as Record<string, string>)[SECRET_HASH_ANNOTATION];
  const h1 = await stored();
  assert.match(h1, /^[0-9a-f]{16}$/);
  assert.equal(await annotation(), h1);
  const podNames = async () => ((await getJson(c, ['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/instance=${name}`])).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
  const oldPods = await podNames();
  assert.equal(oldPods.length, 1);

  // A new password: a new digest on the template, and the pod is replaced.
  await applyJson(c, { ...secret, metadata: { ...secret.metadata, namespace: NS }, stringData: { ...secret.stringData, password: 'rotated-9f2c' } });
  const h2 = await stored();
  assert.notEqual(h2, h1);
  await until('the template carries the new digest', 60_000, async () => (await annotation()) === h2);
  await until('the old pod replaced', 120_000, async () => {
    const now = await podNames();
    return now.length === 1 && !oldPods.includes(now[0]);
  });

  assert.deepEqual(op.forbidden(), [], 'get on Secrets is in the ClusterRole');
  const logged = JSON.stringify(op.lines) + op.stderr.join('\n');
  for (const p of ['change-me', 'rotated-9f2c']) {
    assert.ok(!logged.includes(p) && !logged.includes(Buffer.from(p).toString('base64')), 'the operator never logs a credential');
  }
});
