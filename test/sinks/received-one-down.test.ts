// ackMode received with routing and several sinks, one of them down: a batch acknowledged is never dropped
// after. There the worker refuses `busy` a native batch with records for a sink whose queue has no room (found
// only by routing its records), so the ACK must wait for the worker; acknowledged at admission, every batch
// that reached a worker after the down sink's queue filled (a sender's probe, a sender not seen before) was
// ACKed and then refused: 31,000 of 32,000 acknowledged records never written (attack/g1, session 8).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector } from '../helpers/collector-process.js';

/** A loopback port nothing listens on (bound, then closed): a store that is down. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

test('ackMode received, routing, one of two sinks down: every acknowledged record is written by the healthy sink', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-recv-down-'));
  const queue = { maxRecords: 2_000, maxBytes: 8 * 1024 * 1024 };
  const c = await startCollector(
    {
      inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] }],
      pipeline: { ackMode: 'received', queue, batch: { maxRecords: 500, maxBytes: 256 * 1024 } },
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      // Every record goes to both sinks: the healthy file sink shows what was written.
      sinks: [
        { id: 'down', type: 'elasticsearch', endpoint: `http://127.0.0.1:${await closedPort()}`, match: { app: ['both'] } },
        { id: 'archive', type: 'file', path: join(dir, 'archive'), match: { app: ['both'] } },
      ],
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const tag = `rd${Date.now()}`;
  const acked: string[] = [];
  let failed = 0;
  let busy = 0;
  // Senders not seen before pass the per-sender gate while the archive has room, so their batches reach a
  // worker after the down sink's queue (half the shared queue) is full. No resend past 2 s.
  let k = 0;
  for (let round = 0; round < 8; round++) {
    const clients = Array.from({ length: 4 }, (_, s) => {
      const z = new ZlogClient({ routingId: `${tag}-${round}-${s}`, maxBatchRecords: 50, maxInFlightBatches: 4, deliveryTimeoutMs: 2_000, ackTimeoutMs: 2_000 });
      z.connect(c.endpoints.native[0]);
      return z;
    });
    const sends: Promise<void>[] = [];
    for (const z of clients) {
      for (let i = 0; i < 200; i++) {
        const message = `${tag} ${k++}`;
        sends.push(z.send(JSON.stringify({ app: 'both', message })).then(() => void acked.push(message), () => void failed++));
      }
    }
    await Promise.all(sends);
    for (const z of clients) {
      busy += z.stats.nacked.busy ?? 0;
      await z.close(200);
    }
  }
  // An acknowledged batch may still be on its way to the file (received: queued, not yet written): look for
  // 15 s at most.
  let written = new Set<string>();
  let lost: string[] = acked;
  for (const until = Date.now() + 15_000; lost.length > 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
    written = new Set(c.records(join(dir, 'archive', 'zlog.ndjson')).map((r) => r.message as string));
    lost = acked.filter((m) => !written.has(m));
  }
  t.diagnostic(`${k} sent, ${acked.length} acknowledged, ${failed} refused until their delivery timeout (${busy} busy NACKs), ${written.size} written`);
  assert.ok(busy > 0 && failed > 0, 'the down sink filled and refused batches (the path under test was reached)');
  assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${acked.length} acknowledged records were never written`);
});
