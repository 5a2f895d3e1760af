// Issue 14 with issue 13's one-sink-down design: the pipeline waits for a buffer pool slot to come back rather
// than allocate past the pool (buffer-pool.ts), so a down sink whose outputs stayed in their slots could take
// every slot and stop the healthy sinks beside it. Each sink holds at most its share of the slots (Pipeline
// keepInSlot, slotShare); past it, its parts are copies. Here an elasticsearch sink whose store is down (nothing
// listens on its port) and a healthy file sink share a pool of 6 slots; the down sink's sender keeps sending
// 1 KiB records while the file sender writes 3,000 of them. Without the share the file sender's batches wait
// for a slot that never comes back and run into their delivery timeout.
import { test } from 'node:test';
import { freePort } from '../helpers/net.js';
import { fileBesideFullDownSink, startBesideDownSink } from '../helpers/one-sink-down.js';

test('a down HTTP sink holds only its share of a small buffer pool: the file sink beside it gets every record', { timeout: 300_000 }, async (t) => {
  const deadPort = await freePort();
  const b = await startBesideDownSink(t, {
    prefix: 'zlog-poolshare-',
    downId: 'down',
    endpoint: `http://127.0.0.1:${deadPort}`,
    pipeline: {
      queue: { maxRecords: 20_000, maxBytes: 64 * 1024 * 1024 },
      // 256 KiB slots: the output of a batch of 30 x 1 KiB (NDJSON and the elasticsearch body, ~70 KiB) is over
      // an eighth of one, so it waits for the sinks in its slot, and fits (a larger one would be a plain buffer).
      bufferPool: { buffers: 6, bufferBytes: 256 * 1024 },
    },
    config: { routing: { unmatched: 'drop' } },
  });
  const { c } = b;
  const { toDown, toFile, load, n } = await fileBesideFullDownSink(t, b, `share${Date.now()}`);
  const downQueued = await c.metric('zlog_sink_queue_received_events_total', { component_id: 'down' });
  t.diagnostic(`file sender: ${n} acknowledged, ${toFile.stats.nacked.busy} busy NACKs; down sender: ${load.sent()} sent, ${toDown.stats.nacked.busy} busy NACKs; down queue ${downQueued} records; pool misses ${await c.metric('zlog_buffer_pool_misses_total')}`);
});
