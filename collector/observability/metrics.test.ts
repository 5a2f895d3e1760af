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

test('busy refusals count per full sink and stage; a refusal naming no sink is the shared queue', async () => {
  const m = new Metrics();
  const count = m.busyRefusals('native', ['vl', 'archive', 'loki']);
  count('before_admission', 0b001);
  count('before_admission', 0b001);
  count('worker', 0b101);
  count('before_admission', 0);
  const text = await m.registry.metrics();
  const value = (stage: string, sink: string): number => Number(new RegExp(`^zlog_input_busy_refusals_total\\{component_id="native",stage="${stage}",sink_id="${sink}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  assert.equal(value('before_admission', 'vl'), 2);
  assert.equal(value('worker', 'vl'), 1, 'a batch refused for two full sinks counts once for each');
  assert.equal(value('worker', 'loki'), 1);
  assert.equal(value('before_admission', ''), 1, 'the shared queue');
  assert.equal(value('before_admission', 'archive') + value('worker', 'archive'), 0, 'a sink with room is never named');
});
