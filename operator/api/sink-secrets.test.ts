import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec } from './validate.js';
import { collectorConfigErrors, renderCollectorConfig } from './collector-config.js';
import { buildCrd } from './crd.js';
import type { LogServerSink } from './types.js';

const vl = (extra: Record<string, unknown> = {}) => ({
  name: 'vl',
  type: 'elasticsearch',
  elasticsearch: { endpoint: 'https://vl.logs.svc:9428/insert/elasticsearch', ...extra },
});

test('the CRD offers credentials as Secret items and leaves the buffer path to the pod', () => {
  const crd = JSON.stringify(buildCrd());
  const sinkProps = (buildCrd() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.sinks.items.properties;
  for (const kind of ['elasticsearch', 'loki']) {
    const p = sinkProps[kind].properties;
    assert.deepEqual(Object.keys(p.tls.properties).sort(), ['caSecret', 'certSecret', 'insecureSkipVerify', 'keySecret']);
    assert.deepEqual(Object.keys(p.auth.properties).sort(), ['bearerTokenSecret', 'passwordSecret', 'usernameSecret']);
    assert.deepEqual(p.tls.properties.caSecret.required, ['name', 'key']);
    assert.ok(p.buffer.properties.maxBytes && !('path' in p.buffer.properties), `${kind}.buffer without path`);
  }
  assert.ok(sinkProps.match.properties.minSeverity, 'match on every sink');
  assert.ok(!crd.includes('propertyNames'), 'no keyword a structural schema lacks');
});

test('Secret items, buffer, match and routing are rendered into the collector config as file paths, never values', () => {
  const r = validateSpec({
    inputs: [{ name: 'pull', type: 'zmq-pull', port: 5555 }, { name: 'native', type: 'zmq-router', port: 5557 }],
    sinks: [
      { name: 'file', type: 'file', match: { minSeverity: 'err' } },
      vl({
        tls: { caSecret: { name: 'vl-tls', key: 'ca.crt' } },
        auth: { usernameSecret: { name: 'vl-auth', key: 'user' }, passwordSecret: { name: 'vl-auth', key: 'password' } },
        buffer: { type: 'disk', maxBytes: 64 * 1024 * 1024 },
      }),
    ],
    routing: { drop: [{ id: 'debug', minSeverity: 'debug', inputs: ['pull'] }], unmatched: 'drop' },
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const config = renderCollectorConfig(r.spec);
  assert.deepEqual(collectorConfigErrors(config), []);
  const [file, es] = config.sinks as unknown as Record<string, any>[];
  assert.deepEqual(file.match, { minSeverity: 'err' });
  assert.deepEqual(es.tls, { caFile: '/etc/zlog/secrets/vl-tls/ca.crt', insecureSkipVerify: false });
  assert.deepEqual(es.auth, { usernameFile: '/etc/zlog/secrets/vl-auth/user', passwordFile: '/etc/zlog/secrets/vl-auth/password' });
  assert.equal(es.buffer.path, '/var/lib/zlog/vl/buffer');
  assert.equal(es.buffer.type, 'disk');
  assert.equal(es.buffer.maxBytes, 64 * 1024 * 1024);
  assert.deepEqual((config as unknown as { routing: unknown }).routing, { drop: [{ id: 'debug', minSeverity: 'debug', inputs: ['pull'] }], unmatched: 'drop' });
  // The spec itself is not changed by rendering (it is also what the status and the next reconcile read).
  assert.deepEqual((r.spec.sinks[1] as LogServerSink & { elasticsearch: { tls: unknown } }).elasticsearch.tls, { caSecret: { name: 'vl-tls', key: 'ca.crt' }, insecureSkipVerify: false });
});

test('file paths, a buffer path and routes to unknown inputs are refused, naming the field', () => {
  const errorsOf = (spec: unknown) => {
    const r = validateSpec(spec);
    assert.ok(!r.ok, JSON.stringify(spec));
    return r.errors;
  };
  const where = (spec: unknown) => errorsOf(spec).map((e) => `${e.path}: ${e.message}`);
  assert.match(where({ sinks: [vl({ tls: { caFile: '/etc/ssl/ca.pem' } })] }).join('\n'), /^spec\.sinks\[0\]\.elasticsearch\.tls\.caFile: /);
  assert.match(where({ sinks: [vl({ buffer: { type: 'disk', path: '/tmp' } })] }).join('\n'), /^spec\.sinks\[0\]\.elasticsearch\.buffer\.path: /);
  assert.deepEqual(errorsOf({ sinks: [vl({ auth: { passwordSecret: { name: 'Bad_Name', key: 'p' } } })] }).map((e) => e.path), ['spec.sinks[0].elasticsearch.auth.passwordSecret.name']);
  assert.deepEqual(errorsOf({ sinks: [vl({ auth: { passwordSecret: { name: 'ok', key: '../x' } } })] }).map((e) => e.path), ['spec.sinks[0].elasticsearch.auth.passwordSecret.key']);
  assert.deepEqual(errorsOf({ sinks: [{ name: 'f', type: 'file', match: { inputs: ['nope'] } }] }), [
    { path: 'spec.sinks', message: 'sinks[].match.inputs and routing.drop[].inputs may only name inputs[].name of this LogServer' },
  ]);
  assert.equal(errorsOf({ routing: { drop: [{ id: 'x', inputs: ['nope'] }] } })[0].path, 'spec.sinks');
  assert.equal(errorsOf({ routing: { drop: [{ id: 'x' }] } })[0].path, 'spec.routing.drop[0]');
});
