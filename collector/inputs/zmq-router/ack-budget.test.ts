import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckBudget, type QueueRoom } from './ack-budget.js';

/** A queue and a thread budget as plain counters (the thread's side is what grantAcks/revokeAcks do natively). */
function setup(maxRecords = 800, maxBytes = 80_000) {
  const queue: QueueRoom & { records: number; bytes: number; blocked: boolean } = {
    records: 0,
    bytes: 0,
    maxRecords,
    maxBytes,
    blocked: false,
    hasRoom() {
      return !this.blocked && this.records < this.maxRecords && this.bytes < this.maxBytes;
    },
  };
  const thread = { records: 0, bytes: 0 };
  const budget = new AckBudget(
    queue,
    (r, b) => {
      thread.records += r;
      thread.bytes += b;
    },
    () => {
      const left: [number, number] = [thread.records, thread.bytes];
      thread.records = thread.bytes = 0;
      return left;
    },
  );
  /** The thread acknowledges a batch within its budget (false: not covered, it goes to the input). */
  const threadAcks = (records: number, bytes: number): boolean => {
    if (thread.records < records || thread.bytes < bytes) return false;
    thread.records -= records;
    thread.bytes -= bytes;
    return true;
  };
  /** The input sees it and admits it. */
  const arrives = (records: number, bytes: number): void => {
    budget.seen(records, bytes);
    queue.records += records;
    queue.bytes += bytes;
  };
  return { queue, thread, budget, threadAcks, arrives };
}

test('AckBudget grants up to 1/8 of the queue bound, tops up at half, and never lets admitted + granted pass the bound', () => {
  const { queue, thread, budget, threadAcks, arrives } = setup();
  budget.refill();
  assert.deepEqual(thread, { records: 100, bytes: 10_000 });
  assert.ok(threadAcks(40, 4000));
  budget.refill(); // 100 still out (60 left + 40 on their way): above half, nothing granted
  assert.deepEqual(thread, { records: 60, bytes: 6000 });
  arrives(40, 4000);
  assert.ok(threadAcks(30, 3000));
  arrives(30, 3000);
  budget.refill(); // 30 out: topped up to 100
  assert.deepEqual(thread, { records: 100, bytes: 10_000 });
  // Fill the queue from elsewhere (another input): the next grant stops at the bound.
  queue.records = 750;
  assert.ok(threadAcks(60, 6000));
  arrives(60, 6000); // queue 810 > 800: no room
  budget.refill();
  assert.deepEqual(thread, { records: 0, bytes: 0 }, 'taken back while the queue has no room');
  assert.equal(budget.outstanding, false);
  queue.records = 780;
  budget.refill();
  assert.deepEqual(thread, { records: 20, bytes: 10_000 }, 'only the free room');
  assert.ok(queue.records + thread.records <= queue.maxRecords);
});

test('AckBudget: a block takes the budget back at the next look; stop() leaves out exactly what was acknowledged and not yet seen', () => {
  const { queue, thread, budget, threadAcks, arrives } = setup();
  budget.refill();
  queue.blocked = true;
  budget.refill();
  assert.deepEqual(thread, { records: 0, bytes: 0 });
  assert.equal(threadAcks(1, 10), false);
  queue.blocked = false;
  budget.refill();
  assert.ok(threadAcks(10, 1000) && threadAcks(5, 500));
  budget.stop();
  assert.deepEqual(thread, { records: 0, bytes: 0 });
  assert.equal(budget.outstanding, true, 'two acknowledged batches are on their way');
  arrives(10, 1000);
  assert.equal(budget.outstanding, true);
  arrives(5, 500);
  assert.equal(budget.outstanding, false);
  budget.refill();
  assert.deepEqual(thread, { records: 0, bytes: 0 }, 'no grant after stop()');
});
