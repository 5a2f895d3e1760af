import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission } from './admission.js';

test('block(): no room while blocked whatever the counts; waiters wake when it clears and there is room', async () => {
  const a = new Admission(10, 1000);
  assert.equal(a.hasRoom(), true);
  a.block(true);
  assert.equal(a.hasRoom(), false);
  let woke = false;
  void a.waitForRoom()!.then(() => (woke = true));
  a.release(0, 0);
  await Promise.resolve();
  assert.equal(woke, false, 'a release does not lift a block');
  a.add(10, 0);
  a.block(false);
  await Promise.resolve();
  assert.equal(woke, false, 'unblocked but full by count');
  a.release(1, 0);
  await Promise.resolve();
  assert.equal(woke, true);
});

test('hold(): only the inputs it names wait (those that cannot refuse, feeding a full sink); recheck() wakes them', async () => {
  const a = new Admission(10, 1000);
  const full = new Set<number>([1]);
  a.hold((input) => full.has(input));
  assert.equal(a.hasRoom(), true, 'the ROUTER input asks without an index: it refuses per batch instead');
  assert.equal(a.hasRoom(0), true, 'input 0 feeds no full sink');
  assert.equal(a.hasRoom(1), false, 'input 1 feeds a full sink');
  const woke: number[] = [];
  assert.equal(a.waitForRoom(0), undefined);
  void a.waitForRoom(1)!.then(() => woke.push(1));
  a.release(0, 0);
  await Promise.resolve();
  assert.deepEqual(woke, [], 'a release does not wake a held input');
  a.add(10, 0);
  full.clear();
  a.recheck();
  await Promise.resolve();
  assert.deepEqual(woke, [], 'no longer held, but the counts are at the bound');
  a.release(1, 0);
  await Promise.resolve();
  assert.deepEqual(woke, [1]);
  a.block(true);
  assert.equal(a.hasRoom(), false, 'block() still holds back everyone');
  assert.equal(a.hasRoom(0), false);
});
