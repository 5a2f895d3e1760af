// The buffer pool with one routed sink down and a PULL input that receives nothing (test/sinks/pool-share's setup
// plus that input). Each sink holds at most its share of the pool's slots with outputs it has not written
// (Pipeline keepInSlot, slotShare), so that two slots still go round for the healthy sinks. A native PULL/SUB
// input holds pool slots too: the buffers lent to its receive thread (three), which an input that receives
// nothing never hands back. Counted as the sinks' to share, they took the two slots that go round, and the
// pipeline waited for ever for a slot: the file sender beside the down sink got none of its 3,000 records
// acknowledged in 120 s (pool free 0), while /readyz stayed 200.
import { test } from 'node:test';
import { freePort } from '../helpers/net.js';
import { fileBesideFullDownSink, startBesideDownSink } from '../helpers/one-sink-down.js';

test('a down HTTP sink and an idle PULL input (its lent buffers) leave the file sink beside them slots to go on', { timeout: 300_000 }, async (t) => {
  const deadPort = await freePort();
  const b = await startBesideDownSink(t, {
    prefix: 'zlog-poolidle-',
    downId: 'down',
    endpoint: `http://127.0.0.1:${deadPort}`,
    pipeline: { queue: { maxRecords: 20_000, maxBytes: 64 * 1024 * 1024 }, bufferPool: { buffers: 6, bufferBytes: 256 * 1024 } },
    config: {
      routing: { unmatched: 'drop' },
      inputs: [
        { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] },
        // Receives nothing: its receive thread keeps the pool slots lent to it.
        { id: 'idle', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
      ],
    },
  });
  const { c } = b;
  const { load, n } = await fileBesideFullDownSink(t, b, `idle${Date.now()}`);
  t.diagnostic(`file sender: ${n} acknowledged; down sender ${load.sent()} sent; pool misses ${await c.metric('zlog_buffer_pool_misses_total')}`);
});
