// New CurveZMQ keys roll the collector pods promptly, on a real control plane with the operator running as its
// own ServiceAccount (the generated ClusterRole): the pod template carries a digest of the server Secret's
// server.key_secret item and of every allowed client key; a changed client-keys Secret or a new server key changes
// it within seconds (the operator watches Secrets' metadata; its resync is left at the default 600 s, so only the
// watch can explain a change in time) and the Deployment replaces its pods; an unrelated item or Secret does not;
// the operator never logs a key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { formatCertificate } from '../../collector/security/zcert.js';
import { SECRET_HASH_ANNOTATION, sourcesHash, type SecretData } from '../../operator/manifests/secret-hash.js';
import { OperatorProcess, applyJson, getJson, logServer, until, useOperatorCluster, waitReady, type Obj } from './env.js';

const NS = 'keys';

test('a changed client-keys Secret or a new server key rolls the pods within seconds, not at the resync', { timeout: 600_000 }, async (t) => {
  const env = await useOperatorCluster(t, { name: 'op-curve-rotation' });
  const c = env.cluster;
  await c.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  // The default resync (600 s): a change seen within the test's minute came through the Secret watch.
  const op = await OperatorProcess.start(t, env);
  const secret = (key: { publicKey: string; secretKey: string }, extra: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'demo-server-key', namespace: NS },
    // One fixed generation time: the file (and so the digest) is then a function of the key alone.
    stringData: { 'server.key_secret': formatCertificate(key, {}, new Date(0)), ...extra },
  });
  const [k1, k2, client] = [curveKeyPair(), curveKeyPair(), curveKeyPair()];
  await applyJson(c, secret(k1));
  const clients = (keys: Record<string, { publicKey: string }>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'demo-clients', namespace: NS },
    stringData: Object.fromEntries(Object.entries(keys).map(([name, k]) => [`${name}.key`, formatCertificate({ publicKey: k.publicKey }, {}, new Date(0))])),
  });
  await applyJson(c, clients({ web: client }));
  await applyJson(c, logServer('demo', NS, { security: { curve: { serverKeySecret: 'demo-server-key', clientKeys: { secret: 'demo-clients' } } } }));
  await waitReady(c, NS, 'demo', 180_000);

  const read = async (name: string) => (await getJson(c, ['get', 'secret', name, '-n', NS])) as SecretData;
  const stored = async () =>
    sourcesHash(
      [
        { kind: 'Secret', name: 'demo-server-key', key: 'server.key_secret' },
        { kind: 'Secret', name: 'demo-clients' },
      ],
      new Map([
        ['Secret/demo-server-key', await read('demo-server-key')],
        ['Secret/demo-clients', await read('demo-clients')],
      ]),
    );
  const template = async () => (await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).spec.template.metadata.annotations as Record<string, string>;
  const podNames = async () => ((await getJson(c, ['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/instance=demo'])).items as Obj[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
  const h1 = await stored();
  assert.match(h1, /^[0-9a-f]{16}$/);
  assert.equal((await template())[SECRET_HASH_ANNOTATION], h1);
  const generation = (await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).metadata.generation as number;
  const oldPods = await podNames();
  assert.equal(oldPods.length, 1);

  // Another item in the server Secret, and a Secret nobody references: the operator is woken by the first (and
  // re-reads it) but the template stays.
  await applyJson(c, secret(k1, { note: 'not the key' }));
  await applyJson(c, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: NS }, stringData: { x: 'y' } });
  await new Promise((r) => setTimeout(r, 6000));
  assert.equal((await getJson(c, ['get', 'deployment', 'demo', '-n', NS])).metadata.generation, generation, 'no roll for another item');

  // A client key added to the client-keys Secret: a new digest on the template, long before any resync.
  const other = curveKeyPair();
  await applyJson(c, clients({ web: client, db: other }));
  const hClients = await stored();
  assert.notEqual(hClients, h1);
  await until('the template carries the new client keys digest', 60_000, async () => (await template())[SECRET_HASH_ANNOTATION] === hClients);
  await until('the old pod replaced after the client keys changed', 120_000, async () => {
    const now = await podNames();
    return now.length === 1 && !oldPods.includes(now[0]);
  });
  await waitReady(c, NS, 'demo', 120_000);
  const podsBeforeServerKey = await podNames();

  // A new server key: a new digest on the template, and the pods are replaced.
  await applyJson(c, secret(k2, { note: 'not the key' }));
  const h2 = await stored();
  assert.notEqual(h2, hClients);
  await until('the template carries the new key digest', 60_000, async () => (await template())[SECRET_HASH_ANNOTATION] === h2);
  await until('the old pod replaced', 120_000, async () => {
    const now = await podNames();
    return now.length === 1 && !podsBeforeServerKey.includes(now[0]);
  });
  await waitReady(c, NS, 'demo', 120_000);

  assert.deepEqual(op.forbidden(), [], 'get, list and watch on Secrets are in the ClusterRole');
  const logged = JSON.stringify(op.lines) + op.stderr.join('\n');
  for (const k of [k1, k2]) {
    assert.ok(!logged.includes(k.secretKey), 'the operator never logs a secret key');
    assert.ok(!logged.includes(Buffer.from(formatCertificate(k, {}, new Date(0))).toString('base64').slice(0, 40)), 'nor its Secret data');
  }
});
