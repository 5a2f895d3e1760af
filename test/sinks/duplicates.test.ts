// Issue 13: with the store down 30 s under load, everything acknowledged arrives once it is back, and the
// duplicates are counted and bounded (docs/sinks.md, "Duplicates"): at most zlog_sink_resent_events_total (the
// sink's resends of requests the store may have applied) plus zlog_input_resent_events_total (batches resent
// after their ACK). Resends of batches still waiting for the store are not admitted again (resent_pending).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { startAckedLoad } from '../helpers/load.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs, type VictoriaLogs } from '../helpers/victorialogs.js';

const skip = skipWithoutVictoriaLogs();

/** Record ids found in the store for a run tag, with how often each was stored. */
async function storedIds(vl: VictoriaLogs, tag: string): Promise<Map<number, number>> {
  await forceFlush(vl);
  const seen = new Map<number, number>();
  for (const r of await vl.query(`"${tag}" | fields _msg`, 10_000_000)) {
    const id = Number(/rec-(\d+)/.exec(r._msg)?.[1]);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

test('store down 30 s under load: every acknowledged record arrives; duplicates are at most what the metrics count', { skip, timeout: 300_000 }, async (t) => {
  let vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  const c = await startCollector({
    sinks: [{ id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch` }],
    pipeline: { ackMode: 'persisted' },
    retry: { initialDelayMs: 50, maxDelayMs: 1000 },
  });
  t.after(() => cleanup(c));
  const tag = `dups${Date.now()}`;
  // An ack timeout well under the outage: each waiting batch is resent several times while the store is down.
  const client = new ZlogClient({ maxBatchRecords: 100, maxInFlightBatches: 16, deliveryTimeoutMs: 0, ackTimeoutMs: 3000, retryMaxDelayMs: 1000 });
  client.connect(c.endpoints.native[0]);
  const load = startAckedLoad(client, (id) => `<14>2026-11-30T09:00:00Z h a: ${tag} rec-${id}`, 5_000_000);
  const { acked } = load;
  t.after(async () => {
    const stopping = load.stop();
    await client.close(100);
    await stopping;
  });
  await waitFor('2000 acknowledged with the store up', () => acked.size >= 2000, 60_000);
  await vl.stop();
  const ackedAtStop = acked.size;
  await new Promise((r) => setTimeout(r, 30_000));
  const whileDown = acked.size - ackedAtStop;
  vl = await vl.restart();
  await waitFor('acknowledgements to resume', () => acked.size > ackedAtStop + whileDown + 2000, 90_000, 200);
  await load.stop();
  await client.close(60_000);
  const final = new Set(acked);

  const ids = await storedIds(vl, tag);
  const missing = [...final].filter((id) => !ids.has(id));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${final.size} acknowledged records missing from the store`);
  let dups = 0;
  for (const k of ids.values()) dups += k - 1;
  const sinkResent = await c.metric('zlog_sink_resent_events_total', { component_id: 'vl' });
  const inputResent = await c.metric('zlog_input_resent_events_total');
  const resentPending = await c.metric('zlog_component_discarded_events_total', { reason: 'resent_pending' });
  t.diagnostic(`acknowledged ${final.size} (${whileDown} while down), stored ${ids.size}, extra copies ${dups}; sink resent ${sinkResent}, input resent ${inputResent}, resends not admitted ${resentPending} batches, client ack timeouts ${client.stats.ackTimeouts}`);
  assert.ok(client.stats.ackTimeouts > 0 && resentPending > 0, 'the client resent batches that waited for the store, and they were not admitted again');
  assert.ok(dups <= sinkResent + inputResent, `${dups} extra copies stored, more than the ${sinkResent} + ${inputResent} the metrics counted`);
});
