import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from './queue.js';

test('a key added many times while waiting is handed out once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.depth, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.depth, 0);
});

test('a key is never processed twice at once; re-added during processing it comes back after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const k = await q.get();
  q.add('a');
  assert.equal(q.depth, 0, 'not queued while processing');
  let second: string | undefined;
  void q.get().then((x) => (second = x));
  await sleep(5);
  assert.equal(second, undefined);
  q.done(k as string);
  await sleep(0);
  assert.equal(second, 'a');
});

test('per-key exponential backoff, reset by forget', () => {
  const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50, qps: 1000, burst: 1000 });
  assert.deepEqual([1, 2, 3, 4].map(() => q.addRateLimited('k')), [10, 20, 40, 50]);
  assert.equal(q.retries('k'), 4);
  q.forget('k');
  assert.equal(q.addRateLimited('k'), 10);
  q.shutdown();
});

test('the global rate limit spaces retries of many keys', () => {
  const q = new WorkQueue({ baseDelayMs: 1, qps: 10, burst: 2 });
  const delays = ['a', 'b', 'c', 'd'].map((k) => q.addRateLimited(k));
  assert.deepEqual(delays.slice(0, 2), [1, 1]);
  assert.ok(delays[2] >= 90 && delays[3] >= 190, String(delays));
  q.shutdown();
});

test('addAfter keeps the earliest time and the maps drain', async () => {
  const q = new WorkQueue();
  q.addAfter('k', 10_000);
  q.addAfter('k', 5);
  q.addAfter('k', 20_000);
  assert.equal(q.sizes.delayed, 1);
  // The queue's timers are unref'd (they must not keep an operator alive); hold the loop open meanwhile.
  const hold = setTimeout(() => undefined, 5_000);
  assert.equal(await q.get(), 'k');
  clearTimeout(hold);
  q.done('k');
  q.forget('k');
  assert.deepEqual(q.sizes, { queued: 0, processing: 0, failures: 0, delayed: 0 });
});

test('shutdown releases waiting workers', async () => {
  const q = new WorkQueue();
  const p = q.get();
  q.shutdown();
  assert.equal(await p, undefined);
});
