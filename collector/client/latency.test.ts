import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyRecorder } from './latency.js';

test('percentiles over the kept samples; memory is fixed', () => {
  const r = new LatencyRecorder(100);
  assert.deepEqual(r.summary(), { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 });
  for (let i = 1; i <= 100; i++) r.record(i);
  assert.deepEqual(r.summary(), { count: 100, p50Ms: 50, p90Ms: 90, p99Ms: 99, maxMs: 100 });
  // 100 more samples replace the old ones.
  for (let i = 1; i <= 100; i++) r.record(1000 + i);
  const s = r.summary();
  assert.equal(s.count, 200);
  assert.equal(s.p50Ms, 1050);
  assert.equal(s.maxMs, 1100);
  assert.throws(() => new LatencyRecorder(0), RangeError);
});
