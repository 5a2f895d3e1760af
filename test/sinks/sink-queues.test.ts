// A queue per sink, through the real collector process: with the elasticsearch sink's VictoriaLogs down, the
// records routed to a file sink keep being written and acknowledged; the stalled sink's records wait (no ACK)
// in its own bounded queue and arrive, acknowledged, once the store is back.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs } from '../helpers/victorialogs.js';
import type { SinkHealth } from '../../collector/sinks/health.js';

const skip = skipWithoutVictoriaLogs();

/** GET /sinks on the collector's public listener, by sink id. */
async function sinkHealth(url: string): Promise<Record<string, SinkHealth>> {
  const res = await fetch(`${url}/sinks`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { sinks: SinkHealth[] };
  return Object.fromEntries(body.sinks.map((s) => [s.id, s]));
}

/**
 * A persisted collector with two routed sinks: `vl` (elasticsearch, records of app `to-vl`) on a VictoriaLogs that
 * is stopped, and `archive` (file, app `to-file`). Everything is cleaned up after test `t`.
 */
async function storeDownBesideFile(t: TestContext, prefix: string, workers: number) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const c = await startCollector(
    {
      pipeline: { ackMode: 'persisted', workers },
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      sinks: [
        { id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch`, match: { app: ['to-vl'] } },
        { id: 'archive', type: 'file', path: join(dir, 'archive'), match: { app: ['to-file'] } },
      ],
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  return { dir, vl, c };
}

test('two sinks, one store down: the other sink is written and acknowledged; the down one catches up', { skip, timeout: 180_000 }, async (t) => {
  const { dir, vl, c } = await storeDownBesideFile(t, 'zlog-queues-', 2);
  const tag = `q${Date.now()}`;
  // No resend on a late ACK (the store is down on purpose): the queue must hold each record once.
  const toVl = new ZlogClient({ maxBatchRecords: 10, ackTimeoutMs: 150_000, deliveryTimeoutMs: 150_000 });
  toVl.connect(c.endpoints.native[0]);
  let vlAcked = 0;
  const vlSends = Array.from({ length: 40 }, (_, i) => toVl.send(JSON.stringify({ app: 'to-vl', message: `${tag} vl-${i}` })).then(() => void vlAcked++));
  // Wait until the stalled sink holds all 40 in its queue, so later chunks carry only the file sink's records.
  await waitFor('the vl queue holds its records', async () => (await c.metric('zlog_sink_queue_events', { component_id: 'vl' })) === 40, 60_000);

  const toFile = new ZlogClient({ maxBatchRecords: 50, ackTimeoutMs: 60_000, deliveryTimeoutMs: 60_000 });
  toFile.connect(c.endpoints.native[0]);
  await Promise.all(Array.from({ length: 500 }, (_, i) => toFile.send(JSON.stringify({ app: 'to-file', message: `${tag} file-${i}` }))));
  await toFile.close(5000);
  // All 500 acknowledged (persisted: written by the file sink) while the store is still down.
  assert.equal(vlAcked, 0, 'nothing the down sink takes is acknowledged');
  const written = c.records(join(dir, 'archive', 'zlog.ndjson')).map((r) => r.message as string);
  assert.deepEqual(written, Array.from({ length: 500 }, (_, i) => `${tag} file-${i}`));
  assert.equal(await c.metric('zlog_sink_queue_events', { component_id: 'vl' }), 40);
  assert.equal(await c.metric('zlog_sink_queue_events', { component_id: 'archive' }), 0);
  assert.equal(await c.metric('zlog_sink_queue_sent_events_total', { component_id: 'archive' }), 500);
  await waitFor('the vl sink is retrying', async () => (await c.metric('zlog_sink_retries_total', { component_id: 'vl' })) >= 1, 60_000);
  // Health as the operator reads it: the down sink retrying with its queue's fill and the store's error.
  const down = await sinkHealth(c.url);
  assert.equal(down.vl.state, 'retrying');
  assert.equal(down.vl.type, 'elasticsearch');
  assert.equal(down.vl.queue.records, 40);
  assert.ok(down.vl.queue.bytes > 0 && down.vl.queue.batches >= 1, JSON.stringify(down.vl.queue));
  assert.equal(down.vl.queue.maxBytes, 64 * 1024 * 1024);
  assert.equal(down.vl.queue.full, false);
  assert.equal(down.vl.buffer, null);
  assert.match(down.vl.lastError?.message ?? '', /ECONNREFUSED|refused|fetch failed/i);
  assert.ok(Math.abs(Date.parse(down.vl.lastError!.time) - Date.now()) < 60_000, down.vl.lastError!.time);
  assert.deepEqual({ state: down.archive.state, records: down.archive.queue.records, lastError: down.archive.lastError }, { state: 'healthy', records: 0, lastError: null });
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'vl' }), 1);
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'archive' }), 0);

  const back = await vl.restart();
  t.after(() => back.cleanup());
  await Promise.all(vlSends);
  await toVl.close(5000);
  assert.equal(vlAcked, 40);
  await forceFlush(back);
  assert.equal(await back.count(`"${tag}"`), 40);
  assert.equal(await c.metric('zlog_sink_queue_events', { component_id: 'vl' }), 0);
  assert.equal(await c.metric('zlog_sink_queue_received_events_total', { component_id: 'vl' }), 40);
  assert.equal(await c.metric('zlog_sink_queue_sent_events_total', { component_id: 'vl' }), 40);
  // Recovered: healthy and empty, and the last error is still shown with its time.
  const up = await sinkHealth(c.url);
  assert.equal(up.vl.state, 'healthy');
  assert.equal(up.vl.queue.records, 0);
  assert.ok(up.vl.lastError && up.vl.lastError.time >= down.vl.lastError!.time);
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'vl' }), 0);
  assert.ok((await c.metric('zlog_sink_last_error_timestamp_seconds', { component_id: 'vl' })) * 1000 >= Date.parse(down.vl.lastError!.time) - 1);
});

test('ACKs per message: a file-only client shares chunks with a client whose records wait for a stopped store, and is acknowledged', { skip, timeout: 180_000 }, async (t) => {
  const { dir, vl, c } = await storeDownBesideFile(t, 'zlog-acks-', 1);
  const tag = `m${Date.now()}`;
  // Small batches from both clients at the same time, so that the collector's chunks mix messages of both
  // (a chunk is whatever arrived in one turn of its event loop). No resend on a late ACK.
  const opts = { maxBatchRecords: 2, maxDelayMs: 1, maxInFlightBatches: 256, ackTimeoutMs: 150_000, deliveryTimeoutMs: 150_000 };
  const toVl = new ZlogClient(opts);
  const toFile = new ZlogClient(opts);
  toVl.connect(c.endpoints.native[0]);
  toFile.connect(c.endpoints.native[0]);
  let vlAcked = 0;
  let fileAcked = 0;
  const vlSends: Promise<void>[] = [];
  const fileSends: Promise<void>[] = [];
  for (let i = 0; i < 400; i++) {
    vlSends.push(toVl.send(JSON.stringify({ app: 'to-vl', message: `${tag} vl-${i}` })).then(() => void vlAcked++));
    fileSends.push(toFile.send(JSON.stringify({ app: 'to-file', message: `${tag} file-${i}` })).then(() => void fileAcked++));
    if (i % 20 === 19) await new Promise((r) => setImmediate(r));
  }
  // Every file record is acknowledged (persisted: written and synced by the file sink) while the store is down.
  await waitFor('the file client acknowledged', () => fileAcked === 400, 90_000);
  await Promise.all(fileSends);
  assert.equal(vlAcked, 0, 'nothing the down sink takes is acknowledged');
  const written = c.records(join(dir, 'archive', 'zlog.ndjson')).map((r) => r.message as string);
  assert.deepEqual(written, Array.from({ length: 400 }, (_, i) => `${tag} file-${i}`));
  assert.equal(await c.metric('zlog_sink_queue_events', { component_id: 'vl' }), 400);

  const back = await vl.restart();
  t.after(() => back.cleanup());
  await Promise.all(vlSends);
  assert.equal(vlAcked, 400);
  await forceFlush(back);
  assert.equal(await back.count(`"${tag}"`), 400);
  await toVl.close(5000);
  await toFile.close(5000);
});
