// ackMode received with several zmq-router inputs: each input grants its native receive thread a budget of queue
// room to acknowledge batches itself, and that room is reserved in the queue from the grant on, used or not
// (inputs/zmq-router/ack-budget.ts). At 1/8 of the bound per input, eight idle ROUTER inputs reserved the whole
// queue: a PULL input beside them read one chunk and then stayed paused for ever with the queue empty, and
// compressed batches (the main thread's admissions) were refused busy. The budgets now share 1/8 of the bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

test('eight idle ROUTER inputs in received mode leave the queue to a PULL input beside them', { timeout: 120_000 }, async (t) => {
  const inputs: Record<string, unknown>[] = [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }];
  for (let i = 0; i < 8; i++) inputs.push({ id: `router${i}`, type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] });
  const c = await startCollector({ inputs, pipeline: { ackMode: 'received' } }, { readyTimeoutMs: 60_000 });
  t.after(() => cleanup(c));
  const push = new zmq.Push({ sendHighWaterMark: 10_000, linger: 0 });
  t.after(() => push.close());
  push.connect(c.endpoints.pull[0]);
  const n = 2_000;
  for (let i = 0; i < n; i++) {
    await push.send(`budget-share ${i} ${'y'.repeat(100)}`);
    // Several chunks, not one: the input pauses after a chunk when the queue has no room.
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
  }
  try {
    await waitFor('every PULL record written', () => c.records().length === n, 60_000, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${c.records().length} of ${n} written, ${await c.metric('zlog_buffer_events')} records queued`);
  }
  assert.deepEqual(
    c.records().map((r) => Number((r.message as string).split(' ')[1])),
    Array.from({ length: n }, (_, i) => i),
  );
});
