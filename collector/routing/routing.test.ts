import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkBuilder, KIND_FRAMES, KIND_NATIVE, packedSize } from '../pipeline/chunk.js';
import { ChunkProcessor } from '../pipeline/processor.js';
import { decodeRecord } from '../decode/record.js';
import { ProtocolError } from '../errors.js';
import { RecordBatch } from '../protocol/payload.js';
import { reasonCode } from '../protocol/reply.js';
import { inputFeeds } from './feeds.js';
import { NdjsonWriter } from '../pipeline/ndjson-writer.js';
import { createProcessor } from '../pipeline/processor-factory.js';
import type { ProcessorInput } from '../pipeline/processor.js';
import { partsFor, type StageItem } from '../sinks/sink-stage.js';
import { MAX_RANGES_PER_SINK } from './collect.js';
import { globRegExp, Router, UNMATCHED, type RouteTable } from './match.js';

const inputs: ProcessorInput[] = [
  { id: 'apps', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'audit', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
];
const T = Date.UTC(2026, 10, 29, 1, 2, 3, 456);

/** Runs messages (input index, record texts) through a routed processor; returns each sink's lines. */
function run(table: RouteTable, messages: { input: number; records: string[] }[]) {
  const processor = createProcessor({ inputs, maxRecordBytes: 4096, maxDecompressedBytes: 1 << 20, hostname: 'node-a', routes: table });
  const packed = messages.map((m) => ({ kind: KIND_FRAMES, input: m.input, compression: 0, recordCount: 0, receivedAt: T, frames: m.records.map((r) => Buffer.from(r)) }));
  const b = new ChunkBuilder(new ArrayBuffer(Math.max(1, packed.reduce((n, m) => n + packedSize(m.frames), 0))));
  for (const m of packed) b.add(m);
  const { buffer, length } = b.finish();
  const out = new NdjsonWriter(new ArrayBuffer(64));
  const outcome = processor.process(buffer, length, out);
  const output = out.take();
  const routes = outcome.routes;
  assert.ok(routes, 'routing is active');
  const item: StageItem = {
    data: output,
    records: outcome.records,
    routes: { parts: routes.ranges.map((r) => r.flatMap((_, i) => (i % 2 === 0 ? [output.subarray(r[i], r[i + 1])] : []))), records: routes.records },
    done: () => {},
  };
  const sinks = table.sinks.map((_, i) => {
    const p = partsFor([item], i);
    const text = Buffer.concat(p.chunks).toString('utf8');
    const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, p.records, `sink ${i}: record count matches its lines`);
    assert.equal(p.bytes, Buffer.byteLength(text));
    return lines;
  });
  return { outcome, routes, sinks };
}

test('globs match whole values with * and ?; everything else is literal', () => {
  assert.ok(globRegExp('api-*').test('api-gateway'));
  assert.ok(!globRegExp('api-*').test('xapi-gateway'));
  assert.ok(globRegExp('db?').test('db1'));
  assert.ok(!globRegExp('db?').test('db12'));
  assert.ok(globRegExp('a.b(c)').test('a.b(c)'));
  assert.ok(!globRegExp('a.b').test('axb'));
});

test('Router: drop rules first, then each sink whose match holds; sinks without match take everything', () => {
  const r = new Router({
    sinks: [undefined, { minSeverity: 'err' }, { app: ['api-*'], fieldEquals: { 'fields.env': 'prod' } }, { fieldExists: ['fields.trace_id'], inputs: ['audit'] }],
    drop: [{ id: 'health', app: ['kube-probe'] }],
    unmatched: 'first',
  });
  assert.equal(r.route({ input: 'apps', app: 'kube-probe', severity: 'emerg' }), -1);
  assert.equal(r.route({ input: 'apps', severity: 'info' }), 0b0001);
  assert.equal(r.route({ input: 'apps', severity: 'crit' }), 0b0011);
  assert.equal(r.route({ input: 'apps', severity: 'warning' }), 0b0001, 'warning is less severe than err');
  assert.equal(r.route({ input: 'apps', app: 'api-users', fields: { env: 'prod' } }), 0b0101);
  assert.equal(r.route({ input: 'apps', app: 'api-users', fields: { env: 'dev' } }), 0b0001);
  assert.equal(r.route({ input: 'audit', fields: { trace_id: 'x' } }), 0b1001);
  assert.equal(r.route({ input: 'apps', fields: { trace_id: 'x' } }), 0b0001, 'inputs condition holds too');
  const strict = new Router({ sinks: [{ host: ['web-*'] }, { fieldEquals: { 'fields.code': '500' } }], drop: [], unmatched: 'drop' });
  assert.equal(strict.route({ input: 'apps', host: 'db-1' }), UNMATCHED);
  assert.equal(strict.route({ input: 'apps', host: 'web-1' }), 0b01);
  assert.equal(strict.route({ input: 'apps', fields: { code: 500 } }), 0b10, 'a number field equals its text');
  assert.equal(strict.route({ input: 'apps', fields: { code: 501 } }), UNMATCHED);
});

test('processor: each sink gets exactly its records in order, drops and unmatched are counted per rule', () => {
  const table: RouteTable = {
    sinks: [{ inputs: ['apps'] }, { minSeverity: 'warning' }],
    drop: [{ id: 'noise', app: ['noisy'] }],
    unmatched: 'first',
  };
  const { outcome, routes, sinks } = run(table, [
    { input: 0, records: ['plain one', '{"message":"j1","severity":"err","app":"web"}', '{"message":"n","app":"noisy","severity":"emerg"}'] },
    { input: 1, records: ['audit plain', '{"message":"a-warn","severity":"warning"}', '{"message":"a-info","severity":"info"}'] },
  ]);
  assert.deepEqual(sinks[0].map((l) => l.message), ['plain one', 'j1', 'audit plain', 'a-info']);
  assert.deepEqual(sinks[1].map((l) => l.message), ['j1', 'a-warn']);
  assert.deepEqual(routes.dropped, [1]);
  assert.equal(routes.unmatched, 2, 'audit plain and a-info matched no sink and went to the first');
  assert.deepEqual([...outcome.perMessage], [3, 3], 'dropped records were accepted');
  assert.equal(outcome.records, 5, 'lines written: six records minus one dropped');
  assert.equal(routes.kept, 5);
});

test('processor: routing.unmatched drop removes records no sink takes; a wholly dropped chunk writes nothing', () => {
  const { outcome, routes, sinks } = run({ sinks: [{ app: ['keep'] }], drop: [], unmatched: 'drop' }, [{ input: 0, records: ['plain', '{"message":"k","app":"keep"}', '{"message":"x","app":"other"}'] }]);
  assert.deepEqual(sinks[0].map((l) => l.message), ['k']);
  assert.equal(routes.unmatched, 2);
  assert.equal(outcome.records, 1);
  const none = run({ sinks: [undefined], drop: [{ id: 'all', inputs: ['apps'] }], unmatched: 'first' }, [{ input: 0, records: ['a', 'b'] }]);
  assert.equal(none.outcome.records, 0);
  assert.deepEqual(none.sinks[0], []);
  assert.deepEqual(none.routes.dropped, [2]);
});

test('processor: a message rejected after some of its records were routed leaves no routes behind', () => {
  // A batch whose second record fails while being read: the first record's line and route must go too.
  class FailingBatch extends RecordBatch {
    override start(i: number): number {
      if (i === 1) throw new ProtocolError('malformed', 'record 1 is broken');
      return super.start(i);
    }
  }
  const payload = Buffer.from('first-native');
  const processor = new ChunkProcessor({
    inputs,
    limits: { maxRecordBytes: 4096 },
    hostname: 'h',
    decode: decodeRecord,
    openNative: () => new FailingBatch(payload, 2, new Uint32Array([0, payload.length, 0, payload.length]), 4096, 0),
    routes: { sinks: [{ inputs: ['apps'] }, undefined], drop: [], unmatched: 'first' },
  });
  const msgs = [
    { kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: T, frames: [Buffer.from('ok 1')] },
    { kind: KIND_NATIVE, input: 0, compression: 0, recordCount: 2, receivedAt: T, frames: [Buffer.from('header'), payload] },
    { kind: KIND_FRAMES, input: 1, compression: 0, recordCount: 0, receivedAt: T, frames: [Buffer.from('ok 2')] },
  ];
  const b = new ChunkBuilder(new ArrayBuffer(msgs.reduce((n, m) => n + packedSize(m.frames), 0)));
  for (const m of msgs) b.add(m);
  const { buffer, length } = b.finish();
  const out = new NdjsonWriter(new ArrayBuffer(64));
  const outcome = processor.process(buffer, length, out);
  assert.ok(outcome.perMessage[1] < 0, 'the native message was rejected');
  assert.deepEqual(outcome.routes?.records, [1, 2], 'sink 0: ok 1; sink 1: ok 1 and ok 2');
  assert.equal(outcome.routes?.kept, 2);
  assert.deepEqual([...outcome.routes!.messageSinks], [0b11, 0, 0b10], 'per message the sinks its ACK waits for; none for the rejected one');
  const text = Buffer.from(out.take()).toString();
  assert.deepEqual(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message), ['ok 1', 'ok 2']);
});

test('property: interleaved routes give each sink its records in arrival order, in few ranges', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'z'), fc.constantFrom('emerg', 'warning', 'debug')), { minLength: 1, maxLength: 300 }), (recs) => {
      const table: RouteTable = { sinks: [{ app: ['a', 'b'] }, { app: ['b', 'c'] }, { minSeverity: 'warning' }], drop: [{ id: 'z', app: ['z'], minSeverity: 'debug' }], unmatched: 'first' };
      const texts = recs.map(([app, sev], i) => JSON.stringify({ message: `m${i}`, app, severity: sev }));
      const { routes, sinks } = run(table, [{ input: 0, records: texts }]);
      const want = (f: (app: string, sev: string) => boolean) => recs.flatMap(([app, sev], i) => (f(app, sev) ? [`m${i}`] : []));
      const dropped = (app: string, _sev: string) => app === 'z'; // minSeverity debug: every severity
      const sev = (s: string) => s === 'emerg' || s === 'warning';
      const none = (app: string, s: string) => !['a', 'b', 'c'].includes(app) && !sev(s);
      assert.deepEqual(sinks[0].map((l) => l.message), want((a, s) => !dropped(a, s) && (a === 'a' || a === 'b' || none(a, s))));
      assert.deepEqual(sinks[1].map((l) => l.message), want((a, s) => !dropped(a, s) && (a === 'b' || a === 'c')));
      assert.deepEqual(sinks[2].map((l) => l.message), want((a, s) => !dropped(a, s) && sev(s)));
      for (const r of routes.ranges) assert.ok(r.length / 2 <= MAX_RANGES_PER_SINK, `${r.length / 2} ranges`);
    }),
    { numRuns: 150 },
  );
});

test('processor: native messages that do not fit the room of a sink they go to are taken out and refused busy; others stay', () => {
  const payload = Buffer.from('native-record');
  const processor = new ChunkProcessor({
    inputs,
    limits: { maxRecordBytes: 4096 },
    hostname: 'h',
    decode: decodeRecord,
    openNative: () => new RecordBatch(payload, 1, new Uint32Array([0, payload.length]), 4096, 0),
    // sink 0 takes input 'apps', sink 1 input 'audit'.
    routes: { sinks: [{ inputs: ['apps'] }, { inputs: ['audit'] }], drop: [], unmatched: 'drop' },
  });
  const msgs = [
    { kind: KIND_NATIVE, input: 0, compression: 0, recordCount: 1, receivedAt: T, frames: [Buffer.from('header'), payload] },
    { kind: KIND_NATIVE, input: 1, compression: 0, recordCount: 1, receivedAt: T, frames: [Buffer.from('header'), payload] },
    { kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: T, frames: [Buffer.from('pull to sink 0')] },
  ];
  const chunk = () => {
    const b = new ChunkBuilder(new ArrayBuffer(msgs.reduce((n, m) => n + packedSize(m.frames), 0)));
    for (const m of msgs) b.add(m);
    return b.finish();
  };
  const lines = (out: NdjsonWriter) => Buffer.from(out.take()).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { input: string; message: string });
  const { buffer, length } = chunk();
  const out = new NdjsonWriter(new ArrayBuffer(64));
  const o = processor.process(buffer, length, out, { records: [0, 10], bytes: [0, 1e6], alone: 0 });
  assert.deepEqual([...o.perMessage].map((n) => n > 0), [false, true, true]);
  assert.equal(o.perMessage[0], -reasonCode('busy'), 'the native message for the full sink is refused busy');
  assert.deepEqual(o.discards, { '0:busy': 1 });
  assert.deepEqual(o.routes?.records, [1, 1], 'sink 0 keeps the PULL record (no way to refuse it), sink 1 its native one');
  assert.deepEqual([...o.routes!.messageSinks], [0b01, 0b10, 0b01], 'the refused message names the sink it would have gone to');
  assert.deepEqual(o.routes!.refusedFor, [0, 0b01], 'message 0 was refused for want of room in sink 0');
  assert.deepEqual(lines(out).map((l) => [l.input, l.message]), [['audit', 'native-record'], ['apps', 'pull to sink 0']]);
  // No room given: nothing refused.
  const again = chunk();
  const all = new NdjsonWriter(new ArrayBuffer(64));
  const o2 = processor.process(again.buffer, again.length, all);
  assert.deepEqual([...o2.perMessage], [1, 1, 1]);
  assert.equal(lines(all).length, 3);
  // Room for one record in sink 0: the first native message for it fits, the second does not; bytes count too.
  const two = [msgs[0], msgs[0], msgs[1]];
  const packTwo = () => {
    const b = new ChunkBuilder(new ArrayBuffer(two.reduce((n, m) => n + packedSize(m.frames), 0)));
    for (const m of two) b.add(m);
    return b.finish();
  };
  let c = packTwo();
  const o3 = processor.process(c.buffer, c.length, new NdjsonWriter(new ArrayBuffer(64)), { records: [1, 1], bytes: [1e6, 1e6], alone: 0 });
  assert.deepEqual([...o3.perMessage].map((n) => n > 0), [true, false, true], 'records: one fits');
  assert.deepEqual(o3.routes!.refusedFor, [1, 0b01]);
  c = packTwo();
  const o4 = processor.process(c.buffer, c.length, new NdjsonWriter(new ArrayBuffer(64)), { records: [10, 10], bytes: [18, 1e6], alone: 0 });
  assert.deepEqual([...o4.perMessage].map((n) => n > 0), [false, false, true], 'bytes: the message as received (header + payload frames, 19) is more than 18 bytes');
  c = packTwo();
  const o6 = processor.process(c.buffer, c.length, new NdjsonWriter(new ArrayBuffer(64)), { records: [10, 10], bytes: [19, 1e6], alone: 0 });
  assert.deepEqual([...o6.perMessage].map((n) => n > 0), [true, false, true], 'bytes: 19 = header (6) + payload (13) of one message');
  // An empty queue (alone) takes its first message past its room, and nothing more.
  c = packTwo();
  const o5 = processor.process(c.buffer, c.length, new NdjsonWriter(new ArrayBuffer(64)), { records: [0, 0], bytes: [0, 0], alone: 0b11 });
  assert.deepEqual([...o5.perMessage].map((n) => n > 0), [true, false, true]);
});

test('inputFeeds: the sinks each input can feed from the route table alone', () => {
  const ids = ['apps', 'audit', 'pull'];
  // vl takes app patterns (any input), archive only input 'audit'; unmatched records go to the first sink.
  assert.deepEqual(inputFeeds({ sinks: [{ app: ['to-vl'] }, { inputs: ['audit'] }], drop: [], unmatched: 'first' }, ids), [0b01, 0b11, 0b01]);
  assert.deepEqual(inputFeeds({ sinks: [{ inputs: ['apps'] }, { inputs: ['audit'] }], drop: [], unmatched: 'drop' }, ids), [0b01, 0b10, 0]);
  // A sink without match takes everything: nothing is unmatched, so the first sink is not added.
  assert.deepEqual(inputFeeds({ sinks: [{ inputs: ['apps'] }, undefined], drop: [], unmatched: 'first' }, ids), [0b11, 0b10, 0b10]);
});
