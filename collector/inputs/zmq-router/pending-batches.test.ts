import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchKey, PendingBatches, RecentBatches } from './pending-batches.js';

test('batchKey: the same batch resent has the same key; another seq, CRC, length, count or routing id does not', () => {
  const id = Buffer.from('client-a');
  const k = batchKey(id, 7n, 0xdeadbeef, 1000, 10);
  assert.equal(batchKey(Buffer.from('client-a'), 7n, 0xdeadbeef, 1000, 10), k);
  const others = [batchKey(id, 8n, 0xdeadbeef, 1000, 10), batchKey(id, 7n, 1, 1000, 10), batchKey(id, 7n, 0xdeadbeef, 999, 10), batchKey(id, 7n, 0xdeadbeef, 1000, 9), batchKey(Buffer.from('client-b'), 7n, 0xdeadbeef, 1000, 10)];
  assert.equal(new Set([k, ...others]).size, 6);
});

test('PendingBatches: bounded by entries; a deleted entry frees its place', () => {
  const p = new PendingBatches(2, 1 << 20);
  assert.equal(p.add('a'), true);
  assert.equal(p.add('b'), true);
  assert.equal(p.add('c'), false, 'past the entry bound nothing is added');
  assert.equal(p.has('c'), false);
  assert.equal(p.size, 2);
  p.delete('a');
  p.delete('a');
  assert.equal(p.size, 1, 'a second delete changes nothing');
  assert.equal(p.add('c'), true);
  assert.equal(p.has('c'), true);
});

test('PendingBatches: bounded by bytes (key characters plus a fixed cost per entry); bytes go back on delete', () => {
  const key = 'x'.repeat(300);
  const p = new PendingBatches(1000, 1000);
  assert.equal(p.add(key + 1), true);
  assert.equal(p.add(key + 2), true);
  assert.equal(p.add(key + 3), false, '3 entries of ~364 bytes are over 1000');
  const used = p.bytes;
  assert.ok(used > 600 && used <= 1000, String(used));
  p.delete(key + 1);
  assert.equal(p.bytes, used / 2);
  assert.equal(p.add(key + 3), true);
});

test('RecentBatches: keeps the last keys added, the oldest dropped first past the entry or byte bound', () => {
  const r = new RecentBatches(3, 1 << 20);
  for (const k of ['a', 'b', 'c', 'd']) r.add(k);
  assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => r.has(k)), [false, true, true, true]);
  r.add('b');
  r.add('e');
  assert.deepEqual(['b', 'c', 'd', 'e'].map((k) => r.has(k)), [false, true, true, true], 'adding a key already there does not make it newer');
  const big = new RecentBatches(1000, 1000);
  const key = 'y'.repeat(300);
  for (let i = 0; i < 5; i++) big.add(key + i);
  assert.equal(big.size, 2, '2 entries of ~365 bytes fit in 1000');
  assert.ok(big.has(key + 4) && big.has(key + 3) && !big.has(key + 2));
  assert.ok(big.bytes <= 1000);
});
