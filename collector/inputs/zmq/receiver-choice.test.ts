// The receive-path setting of zmq-pull/zmq-sub: CURVE runs on every receive path (the native addon answers ZAP
// itself), so no receiver value is refused with security.mode curve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEndpoints } from './schema.js';

const base = { id: 'p', type: 'zmq-pull', bind: ['tcp://127.0.0.1:5555'] };
const curve = { mode: 'curve', serverKeyFile: '/k/server.key_secret', clientKeys: '/k/clients' } as const;

test('every receiver takes security.mode curve; a curve block without its files is still refused', () => {
  for (const receiver of ['auto', 'native', 'zeromq']) {
    assert.deepEqual(checkEndpoints({ ...base, receiver, security: curve }, 'inputs[0]'), [], receiver);
  }
  const issues = checkEndpoints({ ...base, receiver: 'native', security: { mode: 'curve', serverKeyFile: '/k/s' } }, 'inputs[0]');
  assert.deepEqual(issues, ['inputs[0].security.clientKeys: required with mode: curve']);
});
