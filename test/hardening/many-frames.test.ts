// Issue 9, one message of many large frames, with the real collector process on the native receive path: libzmq
// bounds each frame (ZMQ_MAXMSGSIZE) but holds a multipart message whole until its last frame has arrived, so a
// PULL message of 200 frames of 2 MiB used to be held whole (400 MiB) inside libzmq before zlog saw any of it.
// The libzmq zlog builds (scripts/build-libzmq.sh, native/libzmq/zlog-message-limits.patch) now ends that
// connection once the frames of one message sum above 4 x limits.maxMessageBytes + 64 KiB, or number more than
// 4 x limits.maxBatchRecords + 16 (collector/inputs/zmq/socket.ts). Checked here: the connection is closed while
// the message is still arriving, counted by reason (zlog_input_socket_events_total{event}), the collector's peak
// RSS stays bounded, other clients keep being served, and messages under the limit are accepted.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as zmq from 'zeromq';
import { cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';
import { streamMessage } from '../helpers/zmtp.js';
import { MiB, peakRssBytes } from './rss.js';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

const MAX_MESSAGE = 2 * MiB;
/** socketMaxMessageSize: what libzmq may hold of one message before it ends the connection. */
const HELD = 4 * MAX_MESSAGE + 65536;
const MAX_RECORDS = 1000;

function hostPort(endpoint: string): [string, number] {
  const m = /^tcp:\/\/([\d.]+):(\d+)$/.exec(endpoint);
  if (!m) throw new Error(`not a tcp endpoint: ${endpoint}`);
  return [m[1], Number(m[2])];
}

async function push(endpoint: string, messages: (Buffer | Buffer[])[]): Promise<void> {
  const p = new zmq.Push({ linger: 5000, sendTimeout: 10_000 });
  p.connect(endpoint);
  for (const m of messages) await p.send(m);
  p.close();
}

test('PULL (native): a message of 200 x 2 MiB frames ends its connection as it arrives, counted, RSS bounded; other clients and messages under the limit are served', { timeout: 180_000 }, async (t) => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }],
    limits: { maxMessageBytes: MAX_MESSAGE, maxBatchRecords: MAX_RECORDS },
  });
  procs.push(c);
  const ep = c.endpoints.pull[0];
  const [host, port] = hostPort(ep);

  // A well-behaved client, connected throughout.
  const good = new zmq.Push({ linger: 5000, sendTimeout: 10_000 });
  good.connect(ep);
  await good.send('before');
  await waitFor('the first record', () => c.records().some((r) => r.message === 'before'), 30_000);
  const peakBefore = peakRssBytes(c.pid);

  const frame = Buffer.alloc(2 * MiB, 0x61);
  const sent = await streamMessage(host, port, 200, frame, 90_000);
  assert.ok(sent.closedByPeer, `the collector closed the connection (sent ${sent.framesWritten} of 200 frames)`);
  assert.ok(sent.framesWritten < 200, 'before the last frame');
  // What was handed to the kernel before the close: the held limit plus the loopback socket buffers.
  assert.ok(sent.bytesWritten < HELD + 32 * MiB, `closed after ${sent.bytesWritten} bytes, limit ${HELD}`);
  await waitFor('message_too_large counted', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'message_too_large' })) === 1, 30_000, 200);
  const growth = peakRssBytes(c.pid) - peakBefore;
  t.diagnostic(`closed after ${sent.framesWritten} frames (${(sent.bytesWritten / MiB).toFixed(1)} MiB written); peak RSS ${(peakBefore / MiB).toFixed(1)} -> +${(growth / MiB).toFixed(1)} MiB`);
  assert.ok(growth < 64 * MiB, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB for a 400 MiB message (libzmq may hold ${(HELD / MiB).toFixed(1)} MiB)`);

  // Many tiny frames: bounded by count, not bytes (each frame costs libzmq a message structure).
  const tiny = await streamMessage(host, port, 1_000_000, Buffer.alloc(0), 90_000);
  assert.ok(tiny.closedByPeer && tiny.framesWritten < 1_000_000, `1,000,000 empty frames: connection closed after ${tiny.framesWritten}`);
  t.diagnostic(`empty frames: closed after ${tiny.framesWritten} written (limit ${4 * MAX_RECORDS + 16})`);
  await waitFor('too_many_frames counted', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'too_many_frames' })) === 1, 30_000, 200);

  // The good client is still served, and so are messages under the limits:
  // - 64 frames summing to just under maxMessageBytes: written whole;
  // - 1000 frames (= maxBatchRecords): written whole;
  // - frames summing to 2 x maxMessageBytes (over the message limit, under what libzmq holds): dropped as
  //   too_large, the sender stays connected.
  const part = Buffer.alloc(MAX_MESSAGE / 64 - 64, 0x62);
  const under = Array.from({ length: 64 }, (_, i) => Buffer.concat([Buffer.from(`u${String(i).padStart(2, '0')}`), part]));
  assert.ok(under.reduce((n, b) => n + b.length, 0) < MAX_MESSAGE);
  await good.send(under);
  await good.send(Array.from({ length: MAX_RECORDS }, (_, i) => Buffer.from(`k${i}`)));
  await good.send([frame, frame]);
  await good.send('after');
  await waitFor('the last record', () => c.records().some((r) => r.message === 'after'), 60_000);
  const recs = c.records().map((r) => String(r.message));
  assert.equal(recs.filter((m) => m.startsWith('u')).length, 64, 'the 64-frame message just under maxMessageBytes is written whole');
  assert.equal(recs.filter((m) => /^k\d+$/.test(m)).length, MAX_RECORDS, 'a message of maxBatchRecords frames is written whole');
  assert.ok(!recs.some((m) => m.startsWith('aaaa')), 'nothing of the oversize messages is written');
  assert.equal(await c.metric('zlog_component_discarded_events_total', { component_id: 'pull', reason: 'too_large' }), 1, 'the 4 MiB message is dropped too_large');
  assert.equal(await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'message_too_large' }), 1, 'without ending the good connection');
  assert.equal(await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'frame_too_large' }), 0);
  good.close();
  assert.equal((await c.stop()).code, 0);
});

test('PULL (native): a single frame above the per-frame limit is counted frame_too_large', { timeout: 120_000 }, async () => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }],
    limits: { maxMessageBytes: MAX_MESSAGE },
  });
  procs.push(c);
  const [host, port] = hostPort(c.endpoints.pull[0]);
  const sent = await streamMessage(host, port, 1, Buffer.alloc(HELD + 1), 60_000);
  assert.ok(sent.closedByPeer, 'the connection is closed');
  await waitFor('frame_too_large counted', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'frame_too_large' })) === 1, 30_000, 200);
  assert.equal(await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'message_too_large' }), 0);
  await push(c.endpoints.pull[0], [Buffer.from('still-served')]);
  await waitFor('a record after it', () => c.records().some((r) => r.message === 'still-served'), 30_000);
  assert.equal((await c.stop()).code, 0);
});
