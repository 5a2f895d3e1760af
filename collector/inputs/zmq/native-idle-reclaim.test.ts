// An idle zmq-pull input on the native receive path gives its lent buffers back to the pipeline's pool (all but
// one), and lends them again once it delivers: a real addon receiver and a real PUSH peer, with a narrow fake of
// the pipeline that counts the buffers it hands out and gets back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Push } from 'zeromq';
import { loadConfig } from '../../config/load.js';
import type { ZmqPullConfig } from '../zmq-pull/schema.js';
import type { InputContext } from '../input.js';
import { NativeFrameInput } from './native-frame-input.js';
import { loadNativeReceive } from './native-receive.js';

const addon = loadNativeReceive();
if (addon instanceof Error) throw new Error(`native receive addon not loadable (run make native): ${addon.message}`);

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('an idle native PULL input gives back all lent buffers but one, and lends them again when messages come', { timeout: 60_000 }, async () => {
  const cfg = loadConfig({ env: {}, set: ['inputs=[{"id":"idle","type":"zmq-pull","bind":["tcp://127.0.0.1:*"]}]'] });
  const pull = cfg.inputs[0] as ZmqPullConfig;
  const handedOut = new Set<ArrayBufferLike>();
  const returned: ArrayBufferLike[] = [];
  const submitted: number[] = [];
  const pipeline = {
    requestChunkBuffer(cb: (b: ArrayBufferLike, fillBytes: number) => void) {
      const b = new ArrayBuffer(65536);
      handedOut.add(b);
      cb(b, 65536);
    },
    returnChunkBuffer(b: ArrayBufferLike) {
      assert.ok(handedOut.has(b), 'only buffers the pipeline handed out come back');
      returned.push(b);
    },
    submitPacked(c: { messages: number; buffer: ArrayBufferLike }) {
      submitted.push(c.messages);
      returned.push(c.buffer); // the worker would give it back to the pool once done
    },
  };
  const admission = { add() {}, hasRoom: () => true, waitForRoom: () => undefined };
  const metrics = { receivedBytes: { inc() {} }, discarded: () => ({ inc() {} }) };
  const ctx = { index: 0, limits: cfg.limits, pipeline, admission, metrics } as unknown as InputContext;
  const input = new NativeFrameInput(pull, ctx, addon, 200);
  await input.start();
  const push = new Push({ linger: 0 });
  try {
    assert.equal(handedOut.size, 3, 'three buffers lent at start');
    // Idle for one to two checks: two of the three come back, one stays with the thread.
    await until(() => returned.length === 2, 'two buffers given back while idle');
    assert.equal(input.lentBuffers, 1);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(returned.length, 2, 'never below the one the thread keeps');
    // Messages come: the kept buffer takes them, and the delivery lends the two given back again (plus the one
    // that replaces the delivered buffer).
    push.connect(input.endpoints[0]);
    for (let i = 0; i < 5; i++) await push.send(`m${i}`);
    await until(() => submitted.reduce((a, b) => a + b, 0) === 5, 'five messages delivered');
    // Lends happen only at start and on deliveries, so this holds even if the input went idle again since.
    assert.equal(handedOut.size, 3 + submitted.length + 2, 'one per delivery, plus the two given back');
  } finally {
    push.close();
    input.close();
  }
});
