// Found by the attacker (session 5): while a sink retries, a persisted-mode client resends each unacknowledged
// batch every ackTimeoutMs, and the collector admitted every resend as a new batch: once the store was back each
// record was stored once per resend (50 records, 4 resends: 250 rows), and the copies filled pipeline.queue that
// much faster. A resend of a batch still in the pipeline is now answered by the first copy's reply
// (router-input.ts `pending`); this test failed on main before that.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs } from '../helpers/victorialogs.js';

const skip = skipWithoutVictoriaLogs();

test('loki sink down for several ack timeouts: each acknowledged record is stored once when it is back', { skip, timeout: 120_000 }, async (t) => {
  let vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const c = await startCollector({
    sinks: [{ id: 'vl', type: 'loki', endpoint: `${vl.url}/insert` }],
    pipeline: { ackMode: 'persisted' },
    retry: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  t.after(() => cleanup(c));
  const tag = `resend${Date.now()}`;
  const client = new ZlogClient({ routingId: `${tag}-client`, deliveryTimeoutMs: 0, ackTimeoutMs: 500 });
  client.connect(c.endpoints.native[0]);
  const sends = Array.from({ length: 50 }, (_, i) => client.send(`${tag} rec-${i}`));
  await waitFor('the client resent its batch at least 4 times', async () => client.stats.ackTimeouts >= 4, 30_000);
  vl = await vl.restart();
  await Promise.all(sends);
  await client.close(5000);
  await forceFlush(vl);
  const rows = await vl.query(`"${tag}"`, 10_000);
  assert.equal(new Set(rows.map((r) => r._msg)).size, 50, 'every acknowledged record is stored');
  assert.equal(rows.length, 50, `each record stored once (got ${rows.length} rows for 50 records after ${client.stats.ackTimeouts} resends)`);
});
