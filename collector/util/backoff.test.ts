import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from './backoff.js';

const opts = { initialDelayMs: 100, maxDelayMs: 1000 };

test('backoff doubles, is capped, and jitters within [half, full]', () => {
  assert.equal(backoffDelay(1, opts, () => 0), 50);
  assert.equal(backoffDelay(1, opts, () => 1), 100);
  assert.equal(backoffDelay(2, opts, () => 1), 200);
  assert.equal(backoffDelay(3, opts, () => 0.5), 300);
  assert.equal(backoffDelay(50, opts, () => 1), 1000);
  assert.equal(backoffDelay(10_000, opts, () => 0), 500);
  for (let a = 1; a < 20; a++) {
    const d = backoffDelay(a, opts);
    assert.ok(d >= 50 && d <= 1000 && Number.isFinite(d));
  }
});
