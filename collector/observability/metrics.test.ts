import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Metrics } from './metrics.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

test('every zlog_ metric the collector registers is documented in docs/metrics.md', async () => {
  const m = new Metrics();
  const doc = readFileSync(`${ROOT}docs/metrics.md`, 'utf8');
  const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name).filter((n) => n.startsWith('zlog_') && !n.startsWith('zlog_process_') && !n.startsWith('zlog_nodejs_'));
  assert.ok(names.length >= 15);
  const missing = names.filter((n) => !doc.includes(`\`${n}\``));
  assert.deepEqual(missing, []);
});

test('component children count under the Vector-style labels', async () => {
  const m = new Metrics();
  const c = m.component('pull', 'source', 'zmq-pull');
  c.received.inc(3);
  c.discarded('empty').inc();
  c.discarded('empty').inc();
  const text = await m.registry.metrics();
  assert.match(text, /zlog_component_received_events_total\{component_id="pull",component_kind="source",component_type="zmq-pull"\} 3/);
  assert.match(text, /zlog_component_discarded_events_total\{component_id="pull",component_kind="source",component_type="zmq-pull",reason="empty"\} 2/);
});

test('queue gauges show the queue as it is at scrape time', async () => {
  const m = new Metrics();
  let q = { records: 5, bytes: 500 };
  m.queue = () => q;
  assert.match(await m.registry.metrics(), /^zlog_buffer_events 5$/m);
  q = { records: 0, bytes: 0 };
  const text = await m.registry.metrics();
  assert.match(text, /^zlog_buffer_events 0$/m);
  assert.match(text, /^zlog_buffer_byte_size 0$/m);
});
