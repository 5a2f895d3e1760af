import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusalFor, SenderRoutes, type SenderRoute } from './sink-gate.js';

test('refusalFor: nothing full admits all; a known sender is refused for the full sinks its last batch went to, with one probe per interval', () => {
  assert.equal(refusalFor({ sinks: 0b01, probeAt: 0 }, 0b11, 0, 5, 1000), 0, 'no sink full');
  const vl: SenderRoute = { sinks: 0b01, probeAt: -Infinity };
  assert.equal(refusalFor(vl, 0b11, 0b01, 10_000, 1000), 0, 'first batch after the sink filled: a probe, let through');
  assert.equal(vl.probeAt, 10_000);
  assert.equal(refusalFor(vl, 0b11, 0b01, 10_500, 1000), 0b01, 'then refused, naming the full sink');
  assert.equal(refusalFor(vl, 0b11, 0b11, 10_999, 1000), 0b01, 'only the full sinks it goes to are named');
  assert.equal(refusalFor(vl, 0b11, 0b01, 11_000, 1000), 0, 'the next probe a full interval later');
  assert.equal(refusalFor(vl, 0b11, 0b01, 11_001, 1000), 0b01);
  const file: SenderRoute = { sinks: 0b10, probeAt: -Infinity };
  assert.equal(refusalFor(file, 0b11, 0b01, 11_001, 1000), 0, 'a sender whose batches go to a healthy sink is admitted');
  assert.equal(refusalFor({ sinks: 0, probeAt: -Infinity }, 0b11, 0b01, 1, 1000), 0, 'a sender whose records were all dropped');
});

test('refusalFor: an unknown sender is refused only when every sink its input feeds is full', () => {
  assert.equal(refusalFor(undefined, 0b11, 0b01, 0, 1000), 0, 'it may go to the healthy sink: the worker decides');
  assert.equal(refusalFor(undefined, 0b01, 0b01, 0, 1000), 0b01, 'its input feeds only the full sink');
  assert.equal(refusalFor(undefined, 0b11, 0b11, 0, 1000), 0b11);
  assert.equal(refusalFor(undefined, 0, 0b11, 0, 1000), 0, 'an input whose records all go nowhere');
});

test('SenderRoutes: bounded by count in two generations; a sender seen lately is kept, updates keep the probe time', () => {
  const r = new SenderRoutes(4);
  r.set('a', 1);
  r.set('b', 2);
  r.get('a')!.probeAt = 7;
  r.set('a', 3);
  assert.deepEqual(r.get('a'), { sinks: 3, probeAt: 7 });
  r.set('c', 1); // a, b were the full current generation: they become the previous one
  assert.equal(r.size, 3);
  assert.equal(r.get('a')?.sinks, 3, 'found in the previous generation and moved to the current one');
  r.set('d', 1); // current (c, a) full again: b is dropped with the oldest generation
  assert.equal(r.get('b'), undefined, 'the sender not seen for two generations is unknown again');
  assert.ok(r.size <= 4);
  for (let i = 0; i < 10_000; i++) r.set(`id${i}`, 1);
  assert.ok(r.size <= 4, `at most maxEntries (${r.size})`);
});
