// Issue 14 with issue 13's one-sink-down design: the pipeline waits for a buffer pool slot to come back rather
// than allocate past the pool (buffer-pool.ts), so a down sink whose outputs stayed in their slots could take
// every slot and stop the healthy sinks beside it. Each sink holds at most its share of the slots (Pipeline
// keepInSlot, slotShare); past it, its parts are copies. Here an elasticsearch sink whose store is down (nothing
// listens on its port) and a healthy file sink share a pool of 6 slots; the down sink's sender keeps sending
// 1 KiB records while the file sender writes 3,000 of them. Without the share the file sender's batches wait
// for a slot that never comes back and run into their delivery timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../helpers/collector-process.js';
import { freePort } from '../helpers/net.js';
import { fileSender, sendAll, startBesideDownSink, startDownSender } from '../helpers/one-sink-down.js';

test('a down HTTP sink holds only its share of a small buffer pool: the file sink beside it gets every record', { timeout: 300_000 }, async (t) => {
  const deadPort = await freePort();
  const { c, archive } = await startBesideDownSink(t, {
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
  const body = 'x'.repeat(1000);
  const tag = `share${Date.now()}`;
  const { client: toDown, load } = startDownSender(t, c, { batchRecords: 30, window: 100, max: 5_000, line: (id) => JSON.stringify({ app: 'to-down', message: `${tag} down-${id} ${body}` }) });
  // More of the down sink's outputs than the pool has slots are queued before the file sender starts.
  await waitFor('the down sink to take 2,400 records', async () => (await c.metric('zlog_sink_queue_received_events_total', { component_id: 'down' })) >= 2_400, 100_000, 100);

  const toFile = fileSender(c, { batchRecords: 30, window: 8 });
  const n = 3_000;
  await sendAll(c, toFile, n, (i) => JSON.stringify({ app: 'to-file', message: `${tag} file-${i} ${body}` }));
  await toFile.close(5_000);
  const written = archive().map((m) => m.split(' ')[1]);
  assert.equal(written.length, n, 'every file record written once');
  assert.equal(new Set(written).size, n);
  assert.equal(toFile.stats.failedBatches, 0, 'no file batch waited past its delivery timeout');
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'down' }), 1, 'the store is still down');
  assert.equal(load.acked.size, 0, 'nothing of the down sink was acknowledged (persisted)');
  const downQueued = await c.metric('zlog_sink_queue_received_events_total', { component_id: 'down' });
  t.diagnostic(`file sender: ${n} acknowledged, ${toFile.stats.nacked.busy} busy NACKs; down sender: ${load.sent()} sent, ${toDown.stats.nacked.busy} busy NACKs; down queue ${downQueued} records; pool misses ${await c.metric('zlog_buffer_pool_misses_total')}`);
});
