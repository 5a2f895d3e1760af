// Issue 9, oversize frames and protocol drops: a frame over libzmq's per-frame limit (ZMQ_MAXMSGSIZE, 4 x
// limits.maxMessageBytes + 64 KiB) makes libzmq drop the connection; the project's libzmq names the limit and the
// drop is counted once, as zlog_input_socket_events_total{event="frame_too_large"} (it was also counted as a
// protocol_error). A peer that sends records and leaves is counted as neither.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as zmq from 'zeromq';
import { cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

const events = (c: CollectorProcess, event: string) => c.metric('zlog_input_socket_events_total', { component_id: 'pull', event });

test('native PULL: a frame over the per-frame limit is counted once as frame_too_large, not also as protocol_error; a clean hang-up as neither', { timeout: 90_000 }, async () => {
  // Per-frame limit: 4 x 1024 + 65536 = 69632 bytes.
  const c = await startCollector({ limits: { maxMessageBytes: 1024 }, inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }] });
  procs.push(c);
  const ep = c.endpoints.pull[0];

  const honest = new zmq.Push({ linger: 5000 });
  honest.connect(ep);
  await honest.send('honest record');
  await waitFor('the honest record', () => c.records().some((r) => r.message === 'honest record'), 30_000);
  honest.close();
  await waitFor('the honest peer disconnected', async () => (await events(c, 'disconnected')) >= 1, 30_000);
  assert.equal(await events(c, 'protocol_error'), 0, 'a peer that hung up after sending is not a protocol error');

  const hostile = new zmq.Push({ linger: 0, sendTimeout: 5000 });
  hostile.connect(ep);
  await hostile.send(Buffer.alloc(1024 * 1024, 0x61)); // 1 MiB frame: libzmq reads its header and drops the connection
  await waitFor('the oversize frame counted', async () => (await events(c, 'frame_too_large')) >= 1, 30_000);
  hostile.close();
  // The same connection drop, counted under its limit only.
  assert.equal(await events(c, 'protocol_error'), 0, 'a size-limit drop is not also a protocol_error');

  assert.equal(c.records().length, 1, 'nothing of the oversize frame is written');
  assert.equal((await c.stop()).code, 0);
});
