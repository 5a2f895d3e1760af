// spec.security.curve: the rendered collector config makes every input a CURVE server reading the mounted keys;
// the pod mounts the server's secret certificate and the client keys read-only; the spec rules refuse a
// clientKeys block without exactly one source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCollectorConfig, CURVE_CLIENTS_DIR, CURVE_SERVER_DIR } from '../api/collector-config.js';
import { validateSpec } from '../api/validate.js';
import { validateConfig } from '../../collector/config/load.js';
import { buildDeployment } from './deployment.js';
import { renderConfig } from './configmap.js';
import { owner, specOf, validateUpstream } from './fixtures.js';

const curve = { serverKeySecret: 'zlog-server-key', clientKeys: { secret: 'zlog-client-keys' } };

test('every input of the rendered config is a CURVE server on the mounted files, and the collector accepts it', () => {
  const cfg = renderCollectorConfig(specOf({ security: { curve } }));
  for (const i of cfg.inputs) {
    assert.deepEqual('security' in i && i.security, { mode: 'curve', serverKeyFile: `${CURVE_SERVER_DIR}/server.key_secret`, clientKeys: CURVE_CLIENTS_DIR });
  }
  validateConfig(structuredClone(cfg));
  const plain = renderCollectorConfig(specOf({}));
  assert.ok(plain.inputs.every((i) => !('security' in i) || (i.security as { mode: string }).mode === 'none'));
  assert.notEqual(renderConfig(specOf({ security: { curve } })).configHash, renderConfig(specOf({})).configHash, 'turning CURVE on rolls the pods');
});

test('the pod mounts only the secret certificate of the server Secret and the client keys, read-only, 0440', () => {
  for (const clientKeys of [{ secret: 'zlog-client-keys' }, { configMap: 'zlog-client-keys' }]) {
    const d = buildDeployment(owner, specOf({ security: { curve: { ...curve, clientKeys } } }), 'h');
    validateUpstream(d);
    const pod = d.spec!.template.spec!;
    const server = pod.volumes!.find((v) => v.name === 'curve-server')!;
    assert.deepEqual(server.secret, { secretName: 'zlog-server-key', defaultMode: 0o440, items: [{ key: 'server.key_secret', path: 'server.key_secret' }] });
    const clients = pod.volumes!.find((v) => v.name === 'curve-clients')!;
    assert.equal((clients.secret ?? clients.configMap)?.defaultMode, 0o440);
    assert.equal(clients.secret?.secretName ?? clients.configMap?.name, 'zlog-client-keys');
    const mounts = pod.containers[0].volumeMounts!.filter((m) => m.name.startsWith('curve-'));
    assert.deepEqual(mounts.map((m) => [m.mountPath, m.readOnly]), [[CURVE_SERVER_DIR, true], [CURVE_CLIENTS_DIR, true]]);
  }
  assert.ok(!buildDeployment(owner, specOf({}), 'h').spec!.template.spec!.volumes!.some((v) => v.name.startsWith('curve-')));
});

test('clientKeys needs exactly one of secret or configMap', () => {
  const base = { security: { curve: { serverKeySecret: 'k', clientKeys: {} } } };
  const none = validateSpec(base);
  assert.equal(none.ok, false);
  assert.match(JSON.stringify(!none.ok && none.errors), /exactly one of secret or configMap/);
  const both = validateSpec({ security: { curve: { serverKeySecret: 'k', clientKeys: { secret: 'a', configMap: 'b' } } } });
  assert.equal(both.ok, false);
  assert.ok(validateSpec({ security: { curve: { serverKeySecret: 'k', clientKeys: { configMap: 'b' } } } }).ok);
});
