import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from './buffer-pool.js';

test('take/give: shared slots of the pool size and of twice it come back from their own lists; others are misses', () => {
  const pool = new BufferPool(2, 1024);
  const a = pool.take();
  assert.ok(a instanceof SharedArrayBuffer, 'a pooled buffer is a shared slot');
  assert.equal(a.byteLength, 1024);
  const d = pool.take(1500);
  assert.ok(d instanceof SharedArrayBuffer);
  assert.equal(d.byteLength, 2048, 'more than one buffer but at most two: a double-size buffer');
  assert.deepEqual([pool.hits, pool.misses], [0, 2], 'making a slot is an allocation: a miss');
  assert.deepEqual([pool.slot(a), pool.slot(d)], [0, 1]);
  assert.equal(pool.shared[pool.slot(d)], d);
  pool.give(a);
  pool.give(d);
  assert.equal(pool.take(2048), d, 'the double-size buffer is reused for a large request');
  assert.equal(pool.take(), a, 'and the ordinary one for an ordinary request');
  assert.deepEqual([pool.hits, pool.misses], [2, 2]);
  pool.give(d);
  assert.notEqual(pool.take(100), d, 'an ordinary request never gets a double-size buffer');
  const big = pool.take(5000);
  assert.ok(big instanceof ArrayBuffer, 'beyond twice the size: a plain buffer');
  assert.equal(big.byteLength, 5000, 'of exactly what was asked');
  assert.equal(pool.slot(big), -1);
  pool.give(big);
  assert.notEqual(pool.take(5000), big, 'buffers outside the pool are not kept');
});

test('slots are bounded: capacity single and 6 double slots; beyond them take() hands out plain buffers', () => {
  const pool = new BufferPool(3, 1024);
  const singles = Array.from({ length: 5 }, () => pool.take());
  const doubles = Array.from({ length: 8 }, () => pool.take(2048));
  assert.deepEqual(
    singles.map((b) => b instanceof SharedArrayBuffer),
    [true, true, true, false, false],
  );
  assert.deepEqual(
    doubles.map((b) => b instanceof SharedArrayBuffer),
    [true, true, true, true, true, true, false, false],
  );
  assert.equal(pool.stats().slots, 9);
  assert.equal(pool.misses, 13);
  for (const b of [...singles, ...doubles]) pool.give(b);
  assert.deepEqual(pool.stats(), { hits: 0, misses: 13, free: 3, slots: 9 }, 'only the slots came back');
  const again = Array.from({ length: 4 }, () => pool.take());
  assert.deepEqual(
    again.map((b) => pool.slot(b) >= 0),
    [true, true, true, false],
    'no slot is made past the bound, even after all came back',
  );
  assert.equal(pool.stats().slots, 9);
});

test('give: a slot given twice is free once, so it is never handed to two users', () => {
  const pool = new BufferPool(2, 1024);
  const a = pool.take();
  pool.give(a);
  pool.give(a);
  assert.equal(pool.stats().free, 1);
  const x = pool.take();
  const y = pool.take();
  assert.equal(x, a);
  assert.notEqual(y, a, 'the second take makes a new slot');
});

test('capacity 0: no slots, every buffer is a plain one (the transfer path)', () => {
  const pool = new BufferPool(0, 1024);
  const a = pool.take();
  assert.ok(a instanceof ArrayBuffer);
  assert.equal(pool.slot(a), -1);
  pool.give(a);
  assert.deepEqual([pool.stats().free, pool.stats().slots], [0, 0]);
});
