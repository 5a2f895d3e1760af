import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthRows, sinkRow } from './status.js';

test('zlog status: a check with a limit shows value/limit, a reported-only check shows its value alone', () => {
  const rows = healthRows({
    live: true,
    ready: true,
    memoryLimitBytes: 1024,
    memoryLimitSource: 'cgroup',
    checks: [
      { name: 'memory', status: 'ok', value: 10, threshold: 972, unit: 'bytes', detail: 'rss' },
      { name: 'connections:pull', status: 'ok', value: 0, threshold: null, unit: 'peers', detail: '0 peers connected' },
      { name: 'sink:file', status: 'warning', value: 4, threshold: 3, unit: 'seconds', detail: 'stalled' },
    ],
  });
  const byName = new Map(rows);
  assert.equal(byName.get('check memory'), 'ok 10/972 bytes: rss');
  // "0/0 peers" read like a limit of zero peers; there is no limit here.
  assert.equal(byName.get('check connections:pull'), 'ok 0 peers: 0 peers connected');
  assert.equal(byName.get('check sink:file'), 'WARNING 4/3 seconds: stalled');
});

test('zlog status: a sink row shows state, queue, buffer and dead-letter file fill against their bounds, and the last error', () => {
  const queue = { records: 40, bytes: 9120, batches: 3, maxBytes: 67108864, maxBatches: 4096, full: false };
  assert.equal(sinkRow({ id: 'f', type: 'file', state: 'healthy', queue: { ...queue, records: 0, bytes: 0, batches: 0 }, buffer: null, deadLetter: null, lastError: null }), 'file healthy, queue 0/4096 batches 0/67108864 bytes');
  assert.equal(
    sinkRow({ id: 'vl', type: 'elasticsearch', state: 'retrying', queue: { ...queue, full: true }, buffer: { bytes: 10, maxBytes: 10, oldestAgeSeconds: 3, replayRemainingBytes: 0, full: true }, deadLetter: { path: '/d/vl/rejected.ndjson', bytes: 4039, maxBytes: 4096, skipped: 77 }, lastError: { message: 'ECONNREFUSED', time: '2026-11-30T05:41:07.123Z' } }),
    'elasticsearch retrying, queue 3/4096 batches 9120/67108864 bytes FULL, buffer 10/10 bytes FULL, dead-letter 4039/4096 bytes (77 skipped), last error 2026-11-30T05:41:07.123Z: ECONNREFUSED',
  );
});
