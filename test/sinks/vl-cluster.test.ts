// The elasticsearch sink into a VictoriaLogs cluster (one front node routing to two storage nodes, the
// vlinsert/vlselect and vlstorage roles of the same binary): a storage node stopped during load and brought back;
// every record a native client got a persisted-mode ACK for is found afterwards.
// The node is stopped with SIGTERM, not SIGKILL: VictoriaLogs answers an insert before the data is on disk and
// only guarantees what is older than -inmemoryDataFlushInterval (default 5 s) across a SIGKILL (its --help), so
// a SIGKILL of the store loses records the store itself acknowledged, which no sender can prevent. What zlog
// owns is tested here: no ACK before the store's 2xx, retries while a node is gone, nothing lost around it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { startAckedLoad } from '../helpers/load.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs, type VictoriaLogs } from '../helpers/victorialogs.js';

const skip = skipWithoutVictoriaLogs();

test('VictoriaLogs cluster: a storage node stopped during load and back; nothing acknowledged is missing', { skip, timeout: 240_000 }, async (t) => {
  const storage: VictoriaLogs[] = [await startVictoriaLogs(), await startVictoriaLogs()];
  t.after(() => Promise.all(storage.map((s) => s.cleanup())));
  const front = await startVictoriaLogs({ storageNodes: storage.map((s) => `127.0.0.1:${s.port}`) });
  t.after(() => front.cleanup());
  const c = await startCollector({
    sinks: [{ id: 'vl', type: 'elasticsearch', endpoint: `${front.url}/insert/elasticsearch`, timeoutMs: 5000 }],
    pipeline: { ackMode: 'persisted' },
    retry: { initialDelayMs: 50, maxDelayMs: 1000 },
  });
  t.after(() => cleanup(c));
  const tag = `cl${Date.now()}`;
  const client = new ZlogClient({ maxBatchRecords: 100, maxInFlightBatches: 8, deliveryTimeoutMs: 0, ackTimeoutMs: 15_000 });
  client.connect(c.endpoints.native[0]);
  const load = startAckedLoad(client, (id) => `<14>2026-11-29T10:00:00Z h a: ${tag} rec-${id}`, 2_000_000);
  const { acked } = load;
  t.after(async () => {
    await load.stop();
    await client.close(100);
  });
  await waitFor('3000 acknowledged', () => acked.size >= 3000, 60_000);
  await storage[1].stop('SIGTERM');
  const atKill = acked.size;
  // Load goes on with one storage node gone; then it comes back on the same port and data.
  await new Promise((r) => setTimeout(r, 5000));
  storage[1] = await storage[1].restart();
  await waitFor('acknowledgements after the node is back', () => acked.size > atKill + 2000, 90_000, 200);
  await load.stop();
  await client.close(60_000);
  const final = new Set(acked);
  // The front node forwards inserts to the storage nodes in the background: poll until every acknowledged
  // record is searchable (or the deadline names how many are not).
  const seen = new Set<number>();
  let missing: number[] = [];
  await waitFor(
    'every acknowledged record searchable',
    async () => {
      for (const s of storage) await forceFlush(s);
      seen.clear();
      for (const r of await front.query(`"${tag}" | fields _msg`, 10_000_000)) seen.add(Number(/rec-(\d+)/.exec(r._msg)?.[1]));
      missing = [...final].filter((id) => !seen.has(id));
      return missing.length === 0;
    },
    30_000,
    1000,
  ).catch(() => {});
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${final.size} acknowledged records missing after the storage node came back`);
  t.diagnostic(`acknowledged ${final.size} (${atKill} before the kill), found ${seen.size}, sink retries ${await c.metric('zlog_sink_retries_total', { component_id: 'vl' })}`);
});
