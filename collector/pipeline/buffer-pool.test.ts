import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from './buffer-pool.js';

test('take/give: buffers of the pool size and of twice it come back from their own lists; others are misses', () => {
  const pool = new BufferPool(2, 1024);
  const a = pool.take();
  assert.equal(a.byteLength, 1024);
  const d = pool.take(1500);
  assert.equal(d.byteLength, 2048, 'more than one buffer but at most two: a double-size buffer');
  assert.deepEqual([pool.hits, pool.misses], [0, 2]);
  pool.give(a);
  pool.give(d);
  assert.equal(pool.take(2048), d, 'the double-size buffer is reused for a large request');
  assert.equal(pool.take(), a, 'and the ordinary one for an ordinary request');
  assert.deepEqual([pool.hits, pool.misses], [2, 2]);
  pool.give(d);
  assert.notEqual(pool.take(100), d, 'an ordinary request never gets a double-size buffer');
  const big = pool.take(5000);
  assert.equal(big.byteLength, 5000, 'beyond twice the size: exactly what was asked');
  pool.give(big);
  assert.notEqual(pool.take(5000), big, 'odd sizes are not kept');
});

test('give: the double-size list is bounded, whatever comes back', () => {
  const pool = new BufferPool(2, 1024);
  const given = Array.from({ length: 20 }, () => new ArrayBuffer(2048));
  for (const b of given) pool.give(b);
  let reused = 0;
  for (let i = 0; i < 20; i++) if (given.includes(pool.take(2048))) reused++;
  assert.ok(reused > 0 && reused < 20, `kept ${reused} of 20 double-size buffers`);
});
