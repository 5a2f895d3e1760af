// A new CurveZMQ server key rolls the collector pods, on a real control plane with the operator running as its
// own ServiceAccount (the generated ClusterRole: `get` on Secrets, nothing more): the pod template carries a
// digest of the Secret's server.key_secret item; a new key changes it and the Deployment replaces its pods; an
// unrelated item does not; the operator never logs the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { formatCertificate } from '../../collector/security/zcert.js';
import { SECRET_HASH_ANNOTATION, secretItemsHash, type SecretData } from '../../operator/manifests/secret-hash.js';
import { OperatorProcess, applyJson, getJson, logServer, until, useOperatorCluster, waitReady, type Obj } from './env.js';

const NS = 'keys';

test('a new server key in the referenced Secret rolls the pods; the operator reads it with get only', { timeout: 600_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-curve-rotation' });
  const c = env.cluster;
  await c.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  // A short resync: the operator has no watch on Secrets, it sees their content when it reconciles.
  const op = await OperatorProcess.start(t, env, ['--resync-seconds', '2']);
  const secret = (key: { publicKey: string; secretKey: string }, extra: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'demo-server-key', namespace: NS },
    // One fixed generation time: the file (and so the digest) is then a function of the key alone.
    stringData: { 'server.key_secret': formatCertificate(key, {}, new Date(0)), ...extra },
  });
  const [k1, k2, client] = [curveKeyPair(), curveKeyPair(), curveKeyPair()];
  await applyJson(c, secret(k1));
  await applyJson(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo-clients', namespace: NS }, data: { 'web.key': formatCertificate({ publicKey: client.publicKey }) } });
  await applyJson(c, logServer('demo', NS, { security: { curve: { serverKeySecret: 'demo-server-key', clientKeys: { configMap: 'demo-clients' } } } }));
  await waitReady(c, NS, 'demo', 180_000);

  const stored = async () => secretItemsHash([{ name: 'demo-server-key', key: 'server.key_secret' }], new Map([['demo-server-key', (await getJson(c, ['get', 'secret', 'demo-server-key', '-n', NS])) as SecretData]]));
  const template = async () => (await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).spec.template.metadata.annotations as Record<string, string>;
  const podNames = async () => ((await getJson(c, ['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/instance=demo'])).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
  const h1 = await stored();
  assert.match(h1, /^[0-9a-f]{16}$/);
  assert.equal((await template())[SECRET_HASH_ANNOTATION], h1);
  const generation = (await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).metadata.generation as number;
  const oldPods = await podNames();
  assert.equal(oldPods.length, 1);

  // Another item in the Secret: several resyncs later the template is unchanged.
  await applyJson(c, secret(k1, { note: 'not the key' }));
  await new Promise((r) => setTimeout(r, 6000));
  assert.equal((await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).metadata.generation, generation, 'no roll for another item');

  // A new key: a new digest on the template, and the pods are replaced.
  await applyJson(c, secret(k2, { note: 'not the key' }));
  const h2 = await stored();
  assert.notEqual(h2, h1);
  await until('the template carries the new key digest', 60_000, async () => (await template())[SECRET_HASH_ANNOTATION] === h2);
  await until('the old pod replaced', 120_000, async () => {
    const now = await podNames();
    return now.length === 1 && !oldPods.includes(now[0]);
  });
  await waitReady(c, NS, 'demo', 120_000);

  assert.deepEqual(op.forbidden(), [], 'get on Secrets is in the ClusterRole');
  const logged = JSON.stringify(op.lines) + op.stderr.join('\n');
  for (const k of [k1, k2]) {
    assert.ok(!logged.includes(k.secretKey), 'the operator never logs a secret key');
    assert.ok(!logged.includes(Buffer.from(formatCertificate(k, {}, new Date(0))).toString('base64').slice(0, 40)), 'nor its Secret data');
  }
});
