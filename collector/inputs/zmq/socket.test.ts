// The per-connection byte budget of ZeroMQ's receive queue and the record count of a PULL/SUB message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameRecords, receiveHighWaterMark } from './socket.js';

const mib = 1024 * 1024;
const limits = (maxMessageBytes: number, connectionBufferBytes: number) => ({ maxMessageBytes, connectionBufferBytes, maxDecompressedBytes: 32 * mib, maxRecordBytes: mib, maxBatchRecords: 100_000 });

test('rcvHwm is capped so one connection queues at most connectionBufferBytes of the largest messages', () => {
  // defaults: 256 MiB / 8 MiB = 32 messages instead of 10,000 (80 GB of 8 MiB messages)
  assert.equal(receiveHighWaterMark(10_000, limits(8 * mib, 256 * mib)), 32);
  assert.equal(receiveHighWaterMark(10_000, limits(64 * 1024, 256 * mib)), 4096);
  assert.equal(receiveHighWaterMark(4, limits(64 * 1024, 256 * mib)), 4, 'a lower rcvHwm stays');
  assert.equal(receiveHighWaterMark(10_000, limits(1024 * mib, 256 * mib)), 1, 'never below 1');
});

test('records of a message: frames, or lines with framing lines (an upper bound), 1 with framing message', () => {
  const b = (s: string) => Buffer.from(s);
  assert.equal(frameRecords([b('a'), b('b'), b('c')], 'frame'), 3);
  assert.equal(frameRecords([], 'frame'), 1);
  assert.equal(frameRecords([b('a\nb\nc')], 'lines'), 3);
  assert.equal(frameRecords([b('a\nb\n'), b('c')], 'lines'), 4, 'the empty piece after a final newline is counted: an upper bound');
  assert.equal(frameRecords([b('a\n'.repeat(1000))], 'lines'), 1001);
  assert.equal(frameRecords([b('a'), b('b')], 'message'), 1);
});
