import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeployment } from './deployment.js';
import { buildStatefulSet } from './statefulset.js';
import { SECRET_HASH_ANNOTATION, SECRET_MISSING, podHashSources, podSecretItems, sourcesHash, type SecretData } from './secret-hash.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

const vlSink = {
  name: 'vl',
  type: 'elasticsearch',
  elasticsearch: {
    endpoint: 'https://vl:9428/insert/elasticsearch',
    tls: { caSecret: { name: 'vl-tls', key: 'ca.crt' } },
    auth: { usernameSecret: { name: 'vl-auth', key: 'user' }, passwordSecret: { name: 'vl-auth', key: 'password' } },
  },
};
const curve = { curve: { serverKeySecret: 'srv', clientKeys: { configMap: 'clients' } } };

test('the pods mount exactly the named Secret items, read-only, in one projected volume', () => {
  const spec = specOf({ sinks: [{ name: 'file', type: 'file' }, vlSink] });
  for (const w of [buildDeployment(owner, spec, 'h', 'abcd'), buildStatefulSet(owner, specOf({ sinks: [vlSink], storage: { type: 'persistentVolumeClaim', persistentVolumeClaim: { size: '1Gi' } } }), 'h', 'abcd')]) {
    validateUpstream(w);
    const pod = w.spec?.template.spec;
    const vol = pod?.volumes?.find((v) => v.name === 'sink-secrets');
    assert.deepEqual(vol?.projected, {
      defaultMode: 0o440,
      sources: [
        { secret: { name: 'vl-tls', items: [{ key: 'ca.crt', path: 'vl-tls/ca.crt' }] } },
        { secret: { name: 'vl-auth', items: [{ key: 'user', path: 'vl-auth/user' }, { key: 'password', path: 'vl-auth/password' }] } },
      ],
    });
    assert.deepEqual(pod?.containers[0].volumeMounts?.find((m) => m.name === 'sink-secrets'), { name: 'sink-secrets', mountPath: '/etc/zlog/secrets', readOnly: true });
    assert.equal(w.spec?.template.metadata?.annotations?.[SECRET_HASH_ANNOTATION], 'abcd');
  }
  const plain = buildDeployment(owner, specOf({}), 'h', 'abcd');
  assert.equal(plain.spec?.template.spec?.volumes?.find((v) => v.name === 'sink-secrets'), undefined);
  assert.equal(plain.spec?.template.metadata?.annotations?.[SECRET_HASH_ANNOTATION], undefined, 'no annotation when nothing is mounted');
});

test('the hash covers every item read at start (CURVE server key and sink credentials) and nothing else', () => {
  const spec = specOf({ sinks: [vlSink, { ...vlSink, name: 'vl2' }] });
  assert.deepEqual(podSecretItems(spec), [
    { name: 'vl-tls', key: 'ca.crt' },
    { name: 'vl-auth', key: 'user' },
    { name: 'vl-auth', key: 'password' },
  ]);
  const sources = podHashSources(spec);
  assert.deepEqual(sources, [
    { kind: 'Secret', name: 'vl-tls', key: 'ca.crt' },
    { kind: 'Secret', name: 'vl-auth', key: 'user' },
    { kind: 'Secret', name: 'vl-auth', key: 'password' },
  ]);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secrets = (password: string, extra: Record<string, string> = {}) =>
    new Map<string, SecretData | undefined>([
      ['Secret/vl-tls', { data: { 'ca.crt': b64('pem') } }],
      ['Secret/vl-auth', { data: { user: b64('zlog'), password: b64(password), ...extra } }],
    ]);
  const h1 = sourcesHash(sources, secrets('one'));
  assert.match(h1, /^[0-9a-f]{16}$/);
  assert.equal(sourcesHash(sources, secrets('one', { other: b64('x') })), h1, 'another item of the Secret rolls nothing');
  assert.notEqual(sourcesHash(sources, secrets('two')), h1, 'a new password rolls the pods');
  const gone = secrets('one');
  gone.set('Secret/vl-tls', undefined);
  assert.equal(sourcesHash(sources, gone), SECRET_MISSING);
  assert.ok(!h1.includes(b64('one')) && h1.length === 16, 'only a digest');
});

test('with CURVE the hash also covers the server key and every allowed client key, from a Secret or a ConfigMap', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  for (const clientKeys of [{ secret: 'clients' }, { configMap: 'clients' }] as const) {
    const kind = 'secret' in clientKeys ? 'Secret' : 'ConfigMap';
    const sources = podHashSources(specOf({ security: { curve: { serverKeySecret: 'srv', clientKeys } } }));
    assert.deepEqual(sources, [
      { kind: 'Secret', name: 'srv', key: 'server.key_secret' },
      { kind, name: 'clients' },
    ]);
    const objects = (clients: Record<string, string> | undefined) =>
      new Map<string, SecretData | undefined>([
        ['Secret/srv', { data: { 'server.key_secret': b64('k'), 'server.key': b64('public') } }],
        [`${kind}/clients`, clients && { data: clients }],
      ]);
    const h1 = sourcesHash(sources, objects({ 'web.key': 'a', 'db.key': 'b' }));
    assert.match(h1, /^[0-9a-f]{16}$/);
    assert.equal(sourcesHash(sources, objects({ 'db.key': 'b', 'web.key': 'a' })), h1, 'key order does not matter');
    assert.notEqual(sourcesHash(sources, objects({ 'web.key': 'a' })), h1, 'a removed client key rolls the pods');
    assert.notEqual(sourcesHash(sources, objects({ 'web.key': 'a', 'db.key': 'c' })), h1, 'a changed client key rolls the pods');
    assert.notEqual(sourcesHash(sources, objects({ 'web.key': 'a', 'db.key': 'b', 'new.key': 'c' })), h1, 'an added client key rolls the pods');
    assert.equal(sourcesHash(sources, objects(undefined)), SECRET_MISSING, 'no client keys object: the pod cannot mount it');
  }
  // The same keys moved from data to binaryData are another content.
  const sources = podHashSources(specOf({ security: { curve: { serverKeySecret: 'srv', clientKeys: { configMap: 'clients' } } } }));
  const srv: [string, SecretData] = ['Secret/srv', { data: { 'server.key_secret': b64('k') } }];
  assert.notEqual(
    sourcesHash(sources, new Map([srv, ['ConfigMap/clients', { data: { 'web.key': 'a' } }]])),
    sourcesHash(sources, new Map([srv, ['ConfigMap/clients', { binaryData: { 'web.key': 'a' } }]])),
  );
});
