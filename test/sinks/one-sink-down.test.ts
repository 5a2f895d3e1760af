// Issue 13: one sink's outage must not stop the records bound for the others (docs/sinks.md, "One sink down").
// A stopped VictoriaLogs behind a routed elasticsearch sink, a file sink beside it, a small shared queue. The vl
// sender fills the vl sink's queue to its bound (half the shared queue, what is on its way included) and is then
// refused `busy`, before admission, while a second sender writes ten times the shared queue through the file
// sink, each record once, none waiting past its delivery timeout and none refused. After VictoriaLogs restarts, every vl record is acknowledged
// and every acknowledged one is in the store. On a collector where one full sink queue stops admission for
// everyone, the file sender's batches are refused until their delivery timeout and the test fails. Without
// routing the store down keeps the pod ready and alive (the store is every replica's; docs/operations.md),
// unless health.sinks.storeOutageFailsReadinessSeconds opts in: then readiness fails naming the sink, liveness not.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import * as zmq from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import { fileSender, refusals, sendAll, startBesideDownSink, startDownSender, within } from '../helpers/one-sink-down.js';
import { forceFlush, skipWithoutVictoriaLogs, startVictoriaLogs } from '../helpers/victorialogs.js';

const skip = skipWithoutVictoriaLogs();

test('one store down with its sink queue full: its sender gets busy before admission, the file sink beside it keeps flowing; every acknowledged record arrives', { skip, timeout: 240_000 }, async (t) => {
  let vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const queue = { maxRecords: 2_000, maxBytes: 8 * 1024 * 1024 };
  const vlBound = queue.maxRecords / 2;
  const { c, archive } = await startBesideDownSink(t, { prefix: 'zlog-onedown-', downId: 'vl', endpoint: `${vl.url}/insert/elasticsearch`, pipeline: { queue } });
  const tag = `one${Date.now()}`;
  // The vl sender's window (100 x 50 records) is five times the vl queue's bound, and it retries a refused
  // batch quickly (50-500 ms): the sender that, refused only after admission, kept taking the shared queue.
  const { client: toVl, load } = startDownSender(t, c, { batchRecords: 50, window: 100, max: 20_000, line: (id) => JSON.stringify({ app: 'to-vl', message: `${tag} rec-${id}` }) });
  await waitFor('the vl sink queue to be full', async () => (await c.metric('zlog_sink_queue_full_total', { component_id: 'vl' })) >= 1, 60_000, 100);
  await waitFor('busy NACKs to reach the vl sender', () => toVl.stats.nacked.busy > 0, 30_000, 100);
  // The vl sender's first batches went out before the collector knew where its batches go: admitted, and those
  // past the vl queue's bound refused by the workers. Once they are (the shared queue holds the vl queue and at
  // most a probe batch), its batches are refused before admission, and the other half of the shared queue is free.
  // The onset ends when the vl queue holds its bound itself: until then it may be full only by the room the vl
  // sender's first chunks reserved, in the archive too (a new sender's batches get room in every sink its input
  // can feed), and a sender new in that moment is refused for both (docs/sinks.md, "One sink down").
  await waitFor(
    'the vl queue to hold its bound and the batches admitted before the vl sender was known to be refused',
    async () => (await c.metric('zlog_sink_queue_events', { component_id: 'vl' })) >= vlBound && (await c.metric('zlog_buffer_events')) <= vlBound + 50,
    60_000,
    100,
  );

  // Ten times the shared queue to the file sink while the store stays down. Its window (16 x 50 records) fits
  // in the half of the shared queue the vl sink cannot take; the delivery timeout bounds how long any of its
  // batches may wait (on a collector where the full vl queue stops everyone, every one of them does).
  const toFile = fileSender(c, { batchRecords: 50, window: 16 });
  // The file sender is new: its first batches have room reserved in every sink its input can feed, the full vl
  // one too, where they get none; the worker refuses only what goes to a full sink, so none of it may be refused,
  // from its first batch on. (Started during the onset above, its whole first window was refused: 33 busy NACKs
  // in one of three runs at load 20, with both queues full by reservations alone.)
  const onset = await refusals(c.url);
  const n = 10 * queue.maxRecords;
  await sendAll(c, toFile, n, (i) => JSON.stringify({ app: 'to-file', message: `${tag} file-${i}` }));
  await toFile.close(5_000);
  const written = archive();
  assert.equal(written.length, n, 'every file record written once');
  assert.equal(new Set(written).size, n);
  assert.ok(written.every((m) => m.startsWith(`${tag} file-`)));
  assert.equal(toFile.stats.failedBatches, 0, 'no file batch waited past its delivery timeout');
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'vl' }), 1, 'the store is still down');
  // Nothing left the vl queue while the store was down, so what it ever received is its peak.
  const vlReceived = await c.metric('zlog_sink_queue_received_events_total', { component_id: 'vl' });
  assert.ok(vlReceived > 0 && vlReceived <= vlBound, `the vl queue took ${vlReceived} records: at most its bound (${vlBound}), what was on its way included`);
  const busyBefore = toVl.stats.nacked.busy;
  const after = await refusals(c.url);
  t.diagnostic(`file sender: ${n} acknowledged, ${toFile.stats.nacked.busy} busy NACKs of ${toFile.stats.sentBatches} batches; vl sender: ${load.sent()} sent, ${load.acked.size} acknowledged, ${busyBefore} busy NACKs; vl queue ${vlReceived} records; busy refusals by stage/sink at the outage's onset ${JSON.stringify(onset)}, after the file load ${JSON.stringify(after)}`);
  assert.ok((after['before_admission/vl'] ?? 0) > (onset['before_admission/vl'] ?? 0), 'the vl sender is refused before admission, naming vl');
  // At the onset the vl sender was new: its batches had room reserved in every sink its input can feed, the
  // archive too, so for a moment both looked full and it was refused for both ("before_admission/archive").
  // After it, nothing is refused for the archive, not even the new file sender's first window.
  assert.equal(after['before_admission/archive'] ?? 0, onset['before_admission/archive'] ?? 0, 'no refusal for the archive queue during the file load');
  assert.equal(after['worker/archive'] ?? 0, 0, 'the workers never refused a batch for the archive');
  assert.equal(toFile.stats.nacked.busy, 0, 'no busy NACK reached the file sender, from its first batch on: the down sink took only its half of the shared queue');

  vl = await vl.restart();
  await within('the vl load to end', 120_000, load.stop());
  await within('the vl sender to be acknowledged', 120_000, toVl.flush());
  assert.equal(load.acked.size, load.sent(), 'every vl record acknowledged once the store is back');
  await forceFlush(vl);
  const stored = new Set((await vl.query(`"${tag}" | fields _msg`, 1_000_000)).map((r) => Number(/rec-(\d+)/.exec(r._msg)?.[1])));
  const missing = [...load.acked].filter((id) => !stored.has(id));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${load.acked.size} acknowledged vl records missing`);
});

test('one store down: a PULL input that can feed its sink stops reading; a PULL input that cannot keeps flowing; all arrive once it is back', { skip, timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-onedown-pull-'));
  let vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const c = await startCollector(
    {
      inputs: [
        { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] },
        { id: 'pullvl', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
        { id: 'pullfile', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
      ],
      pipeline: { ackMode: 'persisted', queue: { maxRecords: 2_000, maxBytes: 8 * 1024 * 1024 }, batch: { maxRecords: 500, maxBytes: 256 * 1024 } },
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      // The vl sink takes records of the inputs native and pullvl only: pullfile can feed only the archive.
      sinks: [
        { id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch`, match: { inputs: ['native', 'pullvl'], app: ['to-vl'] } },
        { id: 'archive', type: 'file', path: join(dir, 'archive'), match: { app: ['to-file'] } },
      ],
      routing: { unmatched: 'drop' },
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const toVl = new ZlogClient({ maxBatchRecords: 50, maxInFlightBatches: 60, deliveryTimeoutMs: 0, ackTimeoutMs: 60_000, retryInitialDelayMs: 50, retryMaxDelayMs: 500 });
  toVl.connect(c.endpoints.native[0]);
  t.after(() => toVl.close(100));
  const tag = `pull${Date.now()}`;
  const vlSent = Array.from({ length: 1_500 }, (_, i) => toVl.send(JSON.stringify({ app: 'to-vl', message: `${tag} v-${i}` })));
  await waitFor('the vl sink queue to be full', async () => (await c.metric('zlog_sink_queue_full_total', { component_id: 'vl' })) >= 1, 60_000, 100);

  // 1 KiB records, so that socket buffers cannot hide the pause.
  const body = 'q'.repeat(1024);
  const archive = () => c.records(join(dir, 'archive', 'zlog.ndjson')).map((r) => String(r.message).split(' ')[0]);
  // More than the input can read before it pauses (three lent chunk buffers of half a pooled buffer, 1.5 MiB,
  // plus the socket buffers): each send waits for room, up to the test's end.
  const pushVl = new zmq.Push({ linger: 0, sendTimeout: 200_000, sendHighWaterMark: 100 });
  pushVl.connect(c.endpoints.pullvl[0]);
  t.after(() => pushVl.close());
  const m = 4_000;
  let pushedVl = 0;
  const pushing = (async () => {
    for (; pushedVl < m; pushedVl++) await pushVl.send(JSON.stringify({ app: 'to-file', message: `pv${pushedVl} ${body}` }));
  })();
  pushing.catch(() => {});
  const pushFile = new zmq.Push({ linger: 1000, sendTimeout: 10_000 });
  pushFile.connect(c.endpoints.pullfile[0]);
  t.after(() => pushFile.close());
  const n = 5_000;
  for (let i = 0; i < n; i++) await pushFile.send(JSON.stringify({ app: 'to-file', message: `pf${i} ${body}` }));
  await waitFor('every record sent to pullfile in the archive', () => archive().filter((r) => r.startsWith('pf')).length >= n, 60_000, 200);
  const early = archive();
  assert.equal(early.filter((r) => r.startsWith('pf')).length, n, 'each pullfile record once');
  const pvEarly = early.filter((r) => r.startsWith('pv')).length;
  assert.ok(pvEarly < m && pushedVl < m, `pullvl stays paused while the vl queue is full (${pvEarly} of ${m} written, ${pushedVl} sent)`);
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'vl' }), 1, 'the store is still down');

  vl = await vl.restart();
  await within('the vl records to be acknowledged', 120_000, Promise.all(vlSent));
  await within('the pullvl sender to finish', 120_000, pushing);
  await waitFor('every record sent to pullvl in the archive', () => archive().filter((r) => r.startsWith('pv')).length >= m, 60_000, 200);
  const pv = archive().filter((r) => r.startsWith('pv'));
  assert.equal(pv.length, m, 'each pullvl record once');
  assert.equal(new Set(pv).size, m);
  await forceFlush(vl);
  const stored = new Set((await vl.query(`"${tag}" | fields _msg`, 100_000)).map((r) => r._msg));
  assert.equal(stored.size, 1_500, 'every vl record in the store');
});

/**
 * A store down without routing (every record goes to both sinks), with health limits far below the defaults.
 * `optIn`: health.sinks.storeOutageFailsReadinessSeconds 2 s, so the outage fails readiness naming the sink.
 */
async function storeDownWithoutRouting(t: TestContext, optIn: boolean): Promise<void> {
  let vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const queue = { maxRecords: 1_000, maxBytes: 8 * 1024 * 1024 };
  const { c, archive } = await startBesideDownSink(t, {
    prefix: 'zlog-onedown-ready-',
    downId: 'vl',
    endpoint: `${vl.url}/insert/elasticsearch`,
    routed: false,
    pipeline: { queue },
    // Limits far below the defaults, so that the checks as they were (a failing sink, a stalled one past
    // stuckSeconds, a full queue, an old record) would all have failed a probe within seconds.
    config: { health: { intervalMs: 200, sinks: { stalledSeconds: 1, stuckSeconds: 3, ...(optIn ? { storeOutageFailsReadinessSeconds: 2 } : {}) }, backlog: { warningAgeSeconds: 2 }, queue: { warningRatio: 0.9 } } },
  });
  const tag = `ready${Date.now()}`;
  const n = 1_500;
  const { client, load } = startDownSender(t, c, { batchRecords: 50, window: 40, max: n, line: (id) => JSON.stringify({ app: 'any', message: `${tag} rec-${id}` }) });
  await waitFor('the shared queue full of records the archive wrote and vl waits for', async () => archive().length >= queue.maxRecords && (await c.metric('zlog_health_check_status', { check: 'queue' })) === 1, 60_000, 200);
  await waitFor('busy NACKs', () => client.stats.nacked.busy > 0, 30_000, 100);
  // Past every limit above: the vl write has made no progress for longer than stuckSeconds.
  await waitFor('the vl write past stuckSeconds', async () => (await c.metric('zlog_health_check_value', { check: 'sink:vl' })) >= 4, 60_000, 200);
  await waitFor('oldest-record past its limit', async () => (await c.metric('zlog_health_check_status', { check: 'oldest-record' })) === 1, 30_000, 200);
  // The monitor's next evaluation (every 200 ms) has the value above: the probe answers from it.
  const ready = await fetch(`${c.url}/readyz?verbose`);
  const body = await ready.text();
  if (optIn) {
    assert.equal(ready.status, 503, body);
    assert.match(body, /^\[-\]sink:vl failed: .*failing \(.*\), no progress for [\d.]+ s; held up by its store for 2 s or more: fails readiness/m);
    const plain = await fetch(`${c.url}/readyz`);
    assert.equal(plain.status, 503);
    assert.match(await plain.text(), /^\[-\]sink:vl failed: /m, 'the short answer names the sink');
    assert.equal(await c.metric('zlog_ready'), 0);
  } else {
    assert.equal(ready.status, 200, body);
    assert.match(body, /^\[\+\]sink:vl warning \(does not fail readiness\): .*failing \(.*\), no progress for [\d.]+ s; held up by its store/m);
    assert.equal(await c.metric('zlog_ready'), 1);
  }
  // Either way the backlog that waits only for the store fails nothing on its own, and the file sink is fine.
  assert.match(body, /^\[\+\]queue warning \(does not fail readiness\): .*records wait only for vl held up by the store/m);
  assert.match(body, /^\[\+\]oldest-record warning \(does not fail readiness\): .* for vl held up by the store/m);
  assert.match(body, /^\[\+\]sink:archive ok/m);
  // Never liveness, opted in or not, past stuckSeconds: a restart brings no store back.
  const live = await fetch(`${c.url}/healthz`);
  assert.equal(live.status, 200, await live.text());
  assert.equal(await c.metric('zlog_live'), 1);
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'vl' }), 1, 'the outage is reported');
  const beforeAdmission = await c.metric('zlog_input_busy_refusals_total', { component_id: 'native', stage: 'before_admission' });
  assert.ok(beforeAdmission > 0, 'the refusals are counted before admission');
  assert.equal(await c.metric('zlog_input_busy_refusals_total', { stage: 'worker' }), 0, 'no routing: nothing is refused in the workers');
  t.diagnostic(`store down${optIn ? ', opted in' : ''}: ${archive().length} records in the archive, ${load.acked.size} acknowledged, ${client.stats.nacked.busy} busy NACKs, refusals before admission ${beforeAdmission}; /readyz ${ready.status}`);

  vl = await vl.restart();
  await within('the load to end', 120_000, load.stop());
  await within('every record to be acknowledged', 120_000, client.flush());
  assert.equal(load.acked.size, n, 'every record acknowledged once the store is back');
  const written = archive();
  assert.equal(written.length, n, 'each record in the archive once (refused batches were never admitted)');
  assert.equal(new Set(written).size, n);
  await forceFlush(vl);
  const stored = new Set((await vl.query(`"${tag}" | fields _msg`, 100_000)).map((r) => r._msg));
  assert.equal(stored.size, n, 'every record in the store');
  await waitFor('sink:vl ok again', async () => (await c.metric('zlog_health_check_status', { check: 'sink:vl' })) === 0, 30_000, 200);
  await waitFor('ready again', async () => (await fetch(`${c.url}/readyz`)).status === 200, 30_000, 200);
}

test('one store down without routing: the pod stays ready and alive (the store is every replica\'s), the file sink beside it writes, and every acknowledged record arrives', { skip, timeout: 240_000 }, (t) => storeDownWithoutRouting(t, false));

test('one store down without routing, opted in with health.sinks.storeOutageFailsReadinessSeconds: readiness fails naming the sink, liveness does not; ready again and every record arrives once the store is back', { skip, timeout: 240_000 }, (t) => storeDownWithoutRouting(t, true));
