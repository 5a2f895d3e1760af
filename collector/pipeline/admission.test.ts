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
