// Records arrive over every input kind through real ZeroMQ sockets and land in the file sink; the metrics
// count them per component.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

test('PULL, SUB (bind and connect) and ROUTER inputs all land in the file with the right fields', { timeout: 60_000 }, async (t) => {
  // A PUB that binds, for the SUB input that connects (Python PUBHandler style).
  const pubBound = new zmq.Publisher({ linger: 0 });
  await pubBound.bind('tcp://127.0.0.1:*');
  const c = await startCollector({
    inputs: [
      { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] },
      { id: 'sub-bind', type: 'zmq-sub', bind: ['tcp://127.0.0.1:*'] },
      { id: 'sub-connect', type: 'zmq-sub', connect: [pubBound.lastEndpoint!], topics: ['app.'] },
      { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] },
    ],
    pipeline: { workers: 2, ackMode: 'persisted' },
  });
  t.after(() => {
    cleanup(c);
    pubBound.close();
  });

  const push = new zmq.Push({ linger: 1000, sendTimeout: 2000 });
  push.connect(c.endpoints.pull[0]);
  for (let i = 0; i < 100; i++) await push.send(`push ${i}`);
  await push.send(['multi a', 'multi b']);

  const pub = new zmq.Publisher({ linger: 1000 });
  pub.connect(c.endpoints['sub-bind'][0]);
  // PUB drops until the subscription has arrived: send until the first record lands.
  await waitFor('SUB (bind) to receive', async () => {
    await pub.send(['WARNING', 'WARNING app.py:1 - warm-up\n']);
    return c.records().some((r) => r.input === 'sub-bind');
  });
  await pub.send(['ERROR', 'ERROR app.py:2 - failed - None\n']);

  await waitFor('SUB (connect) to receive', async () => {
    await pubBound.send(['app.audit', '<13>Nov 27 01:45:32 vm audit-tool: user login']);
    return c.records().some((r) => r.input === 'sub-connect');
  });
  await pubBound.send(['other.topic', 'must be filtered by the subscription']);

  const client = new ZlogClient();
  client.connect(c.endpoints.native[0]);
  await Promise.all(Array.from({ length: 50 }, (_, i) => client.send(JSON.stringify({ level: 'error', msg: `native ${i}`, host: 'web-1', user: 'u1' }))));
  await client.close();

  await waitFor('all PUSH records', () => c.records().filter((r) => r.input === 'pull').length === 102);
  await waitFor('the ERROR PUBHandler record', () => c.records().some((r) => r.input === 'sub-bind' && r.severity === 'err'));
  const recs = c.records();
  const pull = recs.filter((r) => r.input === 'pull').map((r) => r.message);
  assert.deepEqual(pull.slice(0, 3), ['push 0', 'push 1', 'push 2']);
  assert.ok(pull.includes('multi a') && pull.includes('multi b'));

  const err = recs.find((r) => r.input === 'sub-bind' && r.severity === 'err')!;
  assert.equal(err.topic, 'ERROR');
  assert.match(String(err.message), /failed/);

  const audit = recs.find((r) => r.input === 'sub-connect')!;
  assert.equal(audit.topic, 'app.audit');
  assert.equal(audit.app, 'audit-tool');
  assert.equal(audit.severity, 'notice');
  assert.ok(!recs.some((r) => String(r.message).includes('filtered by the subscription')));

  const native = recs.filter((r) => r.input === 'native');
  assert.equal(native.length, 50);
  assert.equal(native[0].severity, 'err');
  assert.equal(native[0].host, 'web-1');
  assert.deepEqual(native[0].fields, { user: 'u1' });

  assert.equal(await c.metric('zlog_component_received_events_total', { component_id: 'pull' }), 102);
  assert.equal(await c.metric('zlog_component_received_events_total', { component_id: 'native' }), 50);
  assert.equal(await c.metric('zlog_component_sent_events_total', { component_id: 'file' }), recs.length);
  assert.ok((await c.metric('zlog_ack_latency_seconds_count', { mode: 'persisted' })) >= 1);
  assert.ok((await c.metric('zlog_buffer_pool_hits_total')) > 0, 'transfer buffers are reused');
  push.close();
  pub.close();
});
