// The receive-path setting of zmq-pull/zmq-sub: CURVE inputs cannot run on the native addon (its libzmq
// context has no ZAP handler), so `receiver: native` with CURVE is refused by name; `auto` is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEndpoints } from './schema.js';

const base = { id: 'p', type: 'zmq-pull', bind: ['tcp://127.0.0.1:5555'], connect: [] as string[] };
const curve = { mode: 'curve', serverKeyFile: '/k/server.key_secret', clientKeys: '/k/clients' } as const;

test('receiver native with CURVE is an error naming the field; auto and zeromq are not', () => {
  const issues = checkEndpoints({ ...base, receiver: 'native', security: curve }, 'inputs[0]', false);
  assert.ok(issues.some((i) => /^inputs\[0\]\.receiver: native does not support security\.mode curve/.test(i)), issues.join('\n'));
  for (const receiver of ['auto', 'zeromq']) {
    assert.deepEqual(checkEndpoints({ ...base, receiver, security: curve }, 'inputs[0]', false).filter((i) => i.includes('.receiver')), []);
  }
  assert.deepEqual(checkEndpoints({ ...base, receiver: 'native' }, 'inputs[0]', false), []);
});
