import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorNote, latestError, MAX_ERROR_CHARS, sinkHealth, type QueueHealth } from './health.js';

const queue: QueueHealth = { records: 3, bytes: 30, batches: 1, maxBytes: 100, maxBatches: 10, full: false };
const sink = { id: 's', type: 'elasticsearch' };

test('errorNote cuts long messages to MAX_ERROR_CHARS and stamps an RFC 3339 UTC time', () => {
  const n = errorNote('x'.repeat(10_000), new Date(Date.UTC(2026, 10, 30, 5, 41, 7, 123)));
  assert.equal(n.message.length, MAX_ERROR_CHARS);
  assert.ok(n.message.endsWith('…'));
  assert.equal(n.time, '2026-11-30T05:41:07.123Z');
  assert.equal(errorNote('short').message, 'short');
});

test('latestError picks the later note, either may be null', () => {
  const a = errorNote('a', new Date(1000));
  const b = errorNote('b', new Date(2000));
  assert.equal(latestError(a, b), b);
  assert.equal(latestError(b, a), b);
  assert.equal(latestError(null, a), a);
  assert.equal(latestError(a, null), a);
  assert.equal(latestError(null, null), null);
});

test('sinkHealth: retrying when the stage or the sink itself retries; the latest error of both; buffer null without one', () => {
  const stageErr = errorNote('stage', new Date(1000));
  const storeErr = errorNote('store', new Date(2000));
  assert.deepEqual(sinkHealth(sink, { retrying: false, lastError: null, queue }, undefined), { id: 's', type: 'elasticsearch', state: 'healthy', queue, buffer: null, deadLetter: null, lastError: null });
  assert.equal(sinkHealth(sink, { retrying: true, lastError: stageErr, queue }, undefined).state, 'retrying');
  const buffer = { bytes: 5, maxBytes: 50, oldestAgeSeconds: 1.5, replayRemainingBytes: 0, full: false };
  const h = sinkHealth(sink, { retrying: false, lastError: stageErr, queue }, { retrying: true, lastError: storeErr, buffer });
  assert.equal(h.state, 'retrying', 'the disk buffer cannot reach the store although the stage writes succeed');
  assert.equal(h.lastError, storeErr);
  assert.equal(h.buffer, buffer);
  assert.equal(sinkHealth(sink, { retrying: false, lastError: stageErr, queue }, { retrying: false, lastError: null, buffer }).state, 'healthy');
});
