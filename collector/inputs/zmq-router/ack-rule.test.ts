// The rule's whole table: ack mode x routing (none, one sink, several sinks: only the last has a sink gate,
// collector/server.ts) x compression x noAck, for a batch and for the input as a whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AckMode } from '../../config/types.js';
import type { Compression } from '../../protocol/header.js';
import type { SinkGate } from '../input.js';
import { acksOnReceipt } from './ack-rule.js';

const gate: SinkGate = { full: () => 0, feeds: 0b11, names: () => '' };
const routings = { none: undefined, 'one sink': undefined, 'several sinks': gate } as const;

// [mode, routing, compression, noAck, acknowledged on receipt]
const TABLE: [AckMode, keyof typeof routings, Compression, boolean, boolean][] = [
  ['received', 'none', 'none', false, true],
  ['received', 'none', 'gzip', false, false],
  ['received', 'none', 'deflate', false, false],
  ['received', 'none', 'brotli', false, false],
  ['received', 'none', 'none', true, false],
  ['received', 'one sink', 'none', false, true],
  ['received', 'one sink', 'gzip', false, false],
  ['received', 'several sinks', 'none', false, false],
  ['received', 'several sinks', 'gzip', false, false],
  ['received', 'several sinks', 'none', true, false],
  ['persisted', 'none', 'none', false, false],
  ['persisted', 'none', 'gzip', false, false],
  ['persisted', 'one sink', 'none', false, false],
  ['persisted', 'several sinks', 'none', false, false],
  ['persisted', 'several sinks', 'brotli', true, false],
];

test('a batch is acknowledged on receipt only in received mode, without a sink gate, uncompressed and asking for a reply', () => {
  for (const [ackMode, routing, compression, noAck, want] of TABLE) {
    assert.equal(acksOnReceipt({ ackMode, sinkGate: routings[routing] }, { compression, noAck }), want, `${ackMode}, routing ${routing}, ${compression}, noAck ${noAck}`);
  }
});

test('the input as a whole (the receive thread\'s ackAtReceipt): received mode without a sink gate only', () => {
  assert.equal(acksOnReceipt({ ackMode: 'received', sinkGate: undefined }), true);
  assert.equal(acksOnReceipt({ ackMode: 'received', sinkGate: gate }), false);
  assert.equal(acksOnReceipt({ ackMode: 'persisted', sinkGate: undefined }), false);
  assert.equal(acksOnReceipt({ ackMode: 'persisted', sinkGate: gate }), false);
  // Whenever a batch may be, the input may: the thread is never stricter than the input's own rule allows.
  for (const [ackMode, routing, compression, noAck] of TABLE) {
    const ctx = { ackMode, sinkGate: routings[routing] };
    if (acksOnReceipt(ctx, { compression, noAck })) assert.ok(acksOnReceipt(ctx));
  }
});
