import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission } from '../../pipeline/admission.js';
import { AckBudget } from './ack-budget.js';

/** The real queue (Admission) and a thread budget as plain counters (the thread's side is what grantAcks/revokeAcks do natively). */
function setup(maxRecords = 800, maxBytes = 80_000, queue = new Admission(maxRecords, maxBytes)) {
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
    queue.add(records, bytes);
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
  queue.block(true);
  budget.refill();
  assert.deepEqual(thread, { records: 0, bytes: 0 });
  assert.equal(threadAcks(1, 10), false);
  queue.block(false);
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

test('AckBudget: the granted room counts against the queue, so main-thread admissions and a second input never pass the bound', () => {
  const queue = new Admission(800, 80_000);
  const a = setup(800, 80_000, queue);
  const b = setup(800, 80_000, queue);
  a.budget.refill();
  b.budget.refill();
  assert.deepEqual([queue.reservedRecords, queue.reservedBytes], [100, 10_000], 'both grants reserved, together 1/8 of the bound');
  assert.deepEqual(a.thread, { records: 50, bytes: 5000 });
  // The main thread admits batches of 50 while it has room: it stops where admitted + reserved reaches the bound.
  while (queue.hasRoom()) queue.add(50, 5000);
  assert.equal(queue.records, 700);
  // Both threads spend their whole budget; the batches arrive and are admitted whatever holds.
  assert.ok(a.threadAcks(50, 5000) && b.threadAcks(50, 5000));
  a.arrives(50, 5000);
  b.arrives(50, 5000);
  assert.equal(queue.records, 800, 'at the bound, not past it (was 800 + 200 when the grants were not counted)');
  assert.deepEqual([queue.reservedRecords, queue.reservedBytes], [0, 0]);
  a.budget.refill();
  assert.deepEqual(a.thread, { records: 0, bytes: 0 }, 'no room: nothing granted');
  // A revoked grant gives its room back to the queue.
  queue.release(400, 40_000);
  a.budget.refill();
  assert.equal(queue.reservedRecords, 50);
  a.budget.stop();
  assert.equal(queue.reservedRecords, 0);
  assert.ok(queue.hasRoom());
});

test('AckBudget: the budgets of many idle inputs share 1/8 of the queue; the rest stays free for main-thread admissions', () => {
  // Each budget used to take 1/8 of the bound for itself: 8 ROUTER inputs reserved all of it, and an empty queue
  // refused every compressed batch busy and held every PULL/SUB input paused.
  const queue = new Admission(800, 80_000);
  const inputs = Array.from({ length: 8 }, () => setup(800, 80_000, queue));
  for (const i of inputs) i.budget.refill();
  assert.deepEqual([queue.reservedRecords, queue.reservedBytes], [96, 10_000], 'eight grants of 12 records and 1,250 bytes');
  assert.ok(queue.hasRoom(), 'an empty queue has room for the main thread');
  assert.ok(queue.hasRoom(0), 'and for a PULL input');
  let admitted = 0;
  while (queue.hasRoom()) {
    queue.add(8, 800);
    admitted += 8;
  }
  assert.equal(admitted, 704, 'the main thread may fill all but the shared 1/8');
  // However many inputs, what the threads may acknowledge past a block is at most 1/8 of the bound.
  const many = new Admission(800, 80_000);
  const twelve = Array.from({ length: 12 }, () => setup(800, 80_000, many));
  for (const i of twelve) i.budget.refill();
  assert.ok(many.reservedRecords <= 100 && many.reservedBytes <= 10_000, `${many.reservedRecords} records, ${many.reservedBytes} bytes reserved`);
  assert.ok(many.hasRoom());
});
