// Issue 14 with issue 13's one-sink-down design: the pipeline waits for a buffer pool slot to come back rather
// than allocate past the pool (buffer-pool.ts), so a down sink whose outputs stayed in their slots could take
// every slot and stop the healthy sinks beside it. Each sink holds at most its share of the slots (Pipeline
// keepInSlot, slotShare); past it, its parts are copies. Here an elasticsearch sink whose store is down (nothing
// listens on its port) and a healthy file sink share a pool of 6 slots; the down sink's sender keeps sending
// 1 KiB records while the file sender writes 3,000 of them. Without the share the file sender's batches wait
// for a slot that never comes back and run into their delivery timeout.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { startAckedLoad } from '../helpers/load.js';
import { freePort } from '../helpers/net.js';

/** Resolves with `p`, or rejects naming `what` after `ms`. */
async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

test('a down HTTP sink holds only its share of a small buffer pool: the file sink beside it gets every record', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-poolshare-'));
  const deadPort = await freePort();
  const c = await startCollector(
    {
      inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] }],
      pipeline: {
        ackMode: 'persisted',
        queue: { maxRecords: 20_000, maxBytes: 64 * 1024 * 1024 },
        batch: { maxRecords: 500, maxBytes: 256 * 1024 },
        // 256 KiB slots: the output of a batch of 30 x 1 KiB (NDJSON and the elasticsearch body, ~70 KiB) is over
        // an eighth of one, so it waits for the sinks in its slot, and fits (a larger one would be a plain buffer).
        bufferPool: { buffers: 6, bufferBytes: 256 * 1024 },
      },
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      sinks: [
        { id: 'down', type: 'elasticsearch', endpoint: `http://127.0.0.1:${deadPort}`, match: { app: ['to-down'] } },
        { id: 'archive', type: 'file', path: join(dir, 'archive'), match: { app: ['to-file'] } },
      ],
      routing: { unmatched: 'drop' },
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const body = 'x'.repeat(1000);
  const tag = `share${Date.now()}`;
  const toDown = new ZlogClient({ maxBatchRecords: 30, maxInFlightBatches: 100, deliveryTimeoutMs: 0, ackTimeoutMs: 120_000, retryInitialDelayMs: 50, retryMaxDelayMs: 500 });
  toDown.connect(c.endpoints.native[0]);
  const load = startAckedLoad(toDown, (id) => JSON.stringify({ app: 'to-down', message: `${tag} down-${id} ${body}` }), 5_000);
  t.after(async () => {
    const stopping = load.stop();
    await toDown.close(100);
    await stopping;
  });
  // More of the down sink's outputs than the pool has slots are queued before the file sender starts.
  await waitFor('the down sink to take 2,400 records', async () => (await c.metric('zlog_sink_queue_received_events_total', { component_id: 'down' })) >= 2_400, 100_000, 100);

  const toFile = new ZlogClient({ maxBatchRecords: 30, maxInFlightBatches: 8, deliveryTimeoutMs: 60_000, ackTimeoutMs: 30_000 });
  toFile.connect(c.endpoints.native[0]);
  const n = 3_000;
  try {
    await within(
      'the file sender',
      120_000,
      (async () => {
        const acks: Promise<void>[] = [];
        for (let i = 0; i < n; i++) {
          acks.push(toFile.send(JSON.stringify({ app: 'to-file', message: `${tag} file-${i} ${body}` })));
          if (!toFile.writable) await toFile.whenWritable();
        }
        await Promise.all(acks);
      })(),
    );
  } catch (err) {
    const status = await (await fetch(`${c.adminUrl}/status`)).text();
    throw new Error(`${(err as Error).message}; file sender ${JSON.stringify(toFile.stats)}; collector status ${status.slice(0, 4000)}`);
  }
  await toFile.close(5_000);
  const written = c.records(join(dir, 'archive', 'zlog.ndjson')).map((r) => (r.message as string).split(' ')[1]);
  assert.equal(written.length, n, 'every file record written once');
  assert.equal(new Set(written).size, n);
  assert.equal(toFile.stats.failedBatches, 0, 'no file batch waited past its delivery timeout');
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'down' }), 1, 'the store is still down');
  assert.equal(load.acked.size, 0, 'nothing of the down sink was acknowledged (persisted)');
  const downQueued = await c.metric('zlog_sink_queue_received_events_total', { component_id: 'down' });
  t.diagnostic(`file sender: ${n} acknowledged, ${toFile.stats.nacked.busy} busy NACKs; down sender: ${load.sent()} sent, ${toDown.stats.nacked.busy} busy NACKs; down queue ${downQueued} records; pool misses ${await c.metric('zlog_buffer_pool_misses_total')}`);
});
