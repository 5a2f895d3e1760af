import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SinkError } from '../errors.js';
import type { Sink } from './sink.js';
import { SinkStage } from './sink-stage.js';

const log = pino({ level: 'silent' });
const opts = { maxBatchRecords: 1000, maxBatchBytes: 1 << 20, maxDelayMs: 0, retryInitialMs: 1, retryMaxMs: 5, laneMaxBytes: 1 << 20, laneMaxItems: 1000 };

/** A real in-memory sink: records what it was given; can be told to fail or to be slow. */
class MemorySink implements Sink {
  readonly type = 'memory';
  writes: string[] = [];
  failNext = 0;
  delayMs = 0;
  constructor(readonly id: string) {}
  async open() {}
  async write(chunks: readonly Uint8Array[]) {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new SinkError(this.id, 'ENOSPC: no space left');
    }
    this.writes.push(chunks.map((c) => Buffer.from(c).toString()).join(''));
  }
  async flush() {}
  async close() {}
}

function item(text: string, done: () => void) {
  return { data: Buffer.from(text), records: 1, done };
}

test('group commit: items pushed while a write is in flight go out together in the next write', async () => {
  const sink = new MemorySink('m');
  sink.delayMs = 30;
  const stage = new SinkStage([sink], new Map(), opts, log);
  const done: string[] = [];
  for (let i = 0; i < 10; i++) stage.push(item(`r${i}\n`, () => done.push(`r${i}`)));
  await stage.idle();
  assert.equal(done.length, 10);
  assert.ok(sink.writes.length <= 2, `expected at most 2 writes, got ${sink.writes.length}`);
  assert.equal(sink.writes.join(''), Array.from({ length: 10 }, (_, i) => `r${i}\n`).join(''));
});

test('a failing sink is retried until it succeeds; items complete only after the write', async () => {
  const sink = new MemorySink('m');
  sink.failNext = 3;
  let retries = 0;
  const stage = new SinkStage([sink], new Map(), opts, log, () => retries++);
  let completed = false;
  stage.push(item('only\n', () => (completed = true)));
  await stage.idle();
  assert.equal(retries, 3);
  assert.equal(completed, true);
  assert.deepEqual(sink.writes, ['only\n']);
  assert.equal(stage.failing.size, 0, 'recovered sinks are no longer reported failing');
  const h = stage.health('m');
  assert.equal(h.retrying, false);
  assert.match(h.lastError?.message ?? '', /ENOSPC/, 'the last error stays after recovery');
  assert.ok(Math.abs(Date.parse(h.lastError!.time) - Date.now()) < 10_000);
  assert.deepEqual(h.queue, { records: 0, bytes: 0, batches: 0, maxBytes: opts.laneMaxBytes, maxBatches: opts.laneMaxItems, full: false });
});

test('health while a sink retries: retrying, its queue holds the record, the error is the latest one', async () => {
  const sink = new MemorySink('m');
  sink.failNext = 1_000_000;
  const stage = new SinkStage([sink], new Map(), { ...opts, retryInitialMs: 5, retryMaxMs: 5 }, log);
  assert.equal(stage.health('m').lastError, null, 'no error before the first failure');
  stage.push(item('held\n', () => {}));
  for (let i = 0; i < 200 && !stage.health('m').retrying; i++) await new Promise((r) => setTimeout(r, 5));
  const h = stage.health('m');
  assert.equal(h.retrying, true);
  assert.deepEqual({ records: h.queue.records, bytes: h.queue.bytes, batches: h.queue.batches }, { records: 1, bytes: 5, batches: 1 });
  assert.match(h.lastError?.message ?? '', /ENOSPC/);
  stage.stop();
  await stage.idle();
});

test('with two sinks an item completes only when both wrote it; the healthy one is not rewritten', async () => {
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  b.failNext = 2;
  const stage = new SinkStage([a, b], new Map(), opts, log);
  let completed = 0;
  stage.push(item('x\n', () => completed++));
  await stage.idle();
  assert.equal(completed, 1);
  assert.deepEqual(a.writes, ['x\n']);
  assert.deepEqual(b.writes, ['x\n']);
});

test('batches respect maxBatchRecords', async () => {
  const sink = new MemorySink('m');
  sink.delayMs = 10;
  const stage = new SinkStage([sink], new Map(), { ...opts, maxBatchRecords: 3 }, log);
  for (let i = 0; i < 10; i++) stage.push(item(`${i}\n`, () => {}));
  await stage.idle();
  assert.ok(sink.writes.every((w) => w.split('\n').filter(Boolean).length <= 3), JSON.stringify(sink.writes));
});

test('stop() abandons a sink that never recovers without completing its items', async () => {
  const sink = new MemorySink('m');
  sink.failNext = Number.MAX_SAFE_INTEGER;
  const stage = new SinkStage([sink], new Map(), opts, log);
  let completed = false;
  stage.push(item('lost\n', () => (completed = true)));
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(stage.failing.get('m')?.includes('ENOSPC'));
  stage.stop();
  await stage.idle().catch(() => {});
  assert.equal(completed, false);
});

/** An item routed to some sinks only (routes as the worker hands them: per sink its parts and record count). */
function routed(text: string, to: readonly boolean[], done: () => void) {
  const data = Buffer.from(text);
  return { data, records: 1, routes: { parts: to.map((t) => (t ? [data] : [])), records: to.map((t) => (t ? 1 : 0)) }, done };
}

test('a queue per sink: a sink retrying a batch holds up no later batch it does not take', async () => {
  const down = new MemorySink('down');
  const up = new MemorySink('up');
  down.failNext = Number.MAX_SAFE_INTEGER;
  const stage = new SinkStage([down, up], new Map(), opts, log);
  const done: string[] = [];
  stage.push(routed('both\n', [true, true], () => done.push('both')));
  for (let i = 0; i < 5; i++) stage.push(routed(`up${i}\n`, [false, true], () => done.push(`up${i}`)));
  await waitUntil(() => done.length >= 5);
  // Every item only the healthy sink takes is written and complete; the one the failing sink also takes is not.
  assert.deepEqual(done, ['up0', 'up1', 'up2', 'up3', 'up4']);
  assert.equal(up.writes.join(''), 'both\nup0\nup1\nup2\nup3\nup4\n');
  assert.equal(stage.queuedRecords, 1);
  assert.deepEqual(stage.laneState().down, { records: 1, bytes: 5, items: 1, full: false });
  assert.deepEqual(stage.laneState().up, { records: 0, bytes: 0, items: 0, full: false });
  down.failNext = 0;
  await stage.idle();
  assert.deepEqual(done, ['up0', 'up1', 'up2', 'up3', 'up4', 'both']);
  assert.deepEqual(down.writes, ['both\n']);
});

test('a sink queue over its bound reports the stage full until it is back under', async () => {
  const down = new MemorySink('down');
  const up = new MemorySink('up');
  down.failNext = Number.MAX_SAFE_INTEGER;
  const full: boolean[] = [];
  const stage = new SinkStage([down, up], new Map(), { ...opts, laneMaxBytes: 65536, laneMaxItems: 3 }, log, () => {}, (f) => full.push(f));
  let completed = 0;
  for (let i = 0; i < 3; i++) stage.push(routed(`d${i}\n`, [true, false], () => completed++));
  assert.deepEqual(full, [], 'at the bound, not over it');
  stage.push(routed('d3\n', [true, false], () => completed++));
  assert.deepEqual(full, [true]);
  assert.equal(stage.laneState().down.full, true);
  assert.equal(stage.fullMask, 0b01, 'the mask names the full sink only');
  // Another sink's records still go through while the stage is full.
  stage.push(routed('u\n', [false, true], () => completed++));
  await waitUntil(() => completed === 1);
  assert.deepEqual(up.writes, ['u\n']);
  down.failNext = 0;
  await stage.idle();
  assert.deepEqual(full, [true, false]);
  assert.equal(completed, 5);
  // The bytes bound: one large item passes it too.
  const bigFull: boolean[] = [];
  const big = new SinkStage([new MemorySink('b')], new Map(), { ...opts, laneMaxBytes: 65536 }, log, () => {}, (f) => bigFull.push(f));
  big.push(item('x'.repeat(70_000) + '\n', () => completed++));
  assert.equal(bigFull[0], true);
  await big.idle();
  assert.deepEqual(bigFull, [true, false]);
  // The records bound (with routing, half the pipeline queue): 3 records pass 2.
  const recFull: boolean[] = [];
  const rec = new SinkStage([down, up], new Map(), { ...opts, laneMaxRecords: 2 }, log, () => {}, (f) => recFull.push(f));
  down.failNext = Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < 3; i++) rec.push(routed(`r${i}\n`, [false, true], () => completed++));
  assert.deepEqual(recFull, [true]);
  assert.equal(rec.fullMask, 0b10);
  await rec.idle();
  assert.deepEqual(recFull, [true, false]);
  assert.equal(rec.fullMask, 0);
});

test('what is on its way counts against a queue: expect/arrived, reserve/unreserve, fullMask, names', () => {
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  const full: boolean[] = [];
  const stage = new SinkStage([a, b], new Map(), { ...opts, laneMaxRecords: 10, laneMaxBytes: 1000 }, log, () => {}, (f) => full.push(f));
  const first = stage.reserve(0b11, 100, 1e6);
  assert.deepEqual(first, { records: [10, 10], bytes: [1000, 1000], alone: 0b11 }, 'empty queues: all they have, and their first batch may pass it');
  assert.equal(stage.fullMask, 0b11, 'reserved up to the bounds: full');
  assert.deepEqual(full, [true, true]);
  stage.unreserve(first);
  assert.equal(stage.fullMask, 0);
  stage.expect(0b01, 8, 100);
  assert.equal(stage.fullMask, 0);
  const r = stage.reserve(0b11, 5, 50);
  assert.deepEqual(r, { records: [2, 5], bytes: [50, 50], alone: 0b10 }, 'sink a has 2 records left; b all that was asked');
  assert.equal(stage.fullMask, 0b01, 'a at its bound counts as full');
  assert.deepEqual(stage.reserve(0b01, 5, 50), { records: [0, 0], bytes: [0, 0], alone: 0 }, 'nothing left in a full queue; b not asked');
  stage.unreserve(r, false);
  assert.equal(stage.fullMask, 0b01, 'unchecked until the next push or check');
  stage.arrived(0b01, 0, 0);
  assert.equal(stage.fullMask, 0, 'checked: back under');
  stage.expect(0b10, 0, 1000);
  assert.equal(stage.fullMask, 0b10, 'bytes on their way count too');
  stage.arrived(0b10, 0, 1000);
  stage.arrived(0b01, 8, 100);
  assert.equal(stage.fullMask, 0);
  assert.equal(stage.names(0b11), 'a, b');
  assert.equal(stage.names(0b10), 'b');
});

test('an item no sink takes completes without a write', async () => {
  const a = new MemorySink('a');
  const stage = new SinkStage([a], new Map(), opts, log);
  let completed = 0;
  stage.push(routed('none\n', [false], () => completed++));
  assert.equal(completed, 0, 'not inside push');
  await new Promise((r) => setImmediate(r));
  assert.equal(completed, 1);
  assert.deepEqual(a.writes, []);
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A sink whose writes end only when the test says so, taking `concurrentWrites` at once. */
class GatedSink implements Sink {
  readonly type = 'gated';
  readonly pending: { text: string; end: (err?: Error) => void }[] = [];
  readonly written: string[] = [];
  constructor(
    readonly id: string,
    readonly concurrentWrites: number,
  ) {}
  async open() {}
  write(chunks: readonly Uint8Array[]): Promise<void> {
    const text = chunks.map((c) => Buffer.from(c).toString()).join('');
    return new Promise((resolve, reject) => {
      this.pending.push({
        text,
        end: (err) => {
          if (err) return reject(err);
          this.written.push(text);
          resolve();
        },
      });
    });
  }
  async flush() {}
  async close() {}
}

const turn = () => new Promise((r) => setImmediate(r));

test('a sink taking 3 writes at once gets 3 batches in flight; they end in any order, each completing its own items', async () => {
  const sink = new GatedSink('h', 3);
  const stage = new SinkStage([sink], new Map(), { ...opts, maxBatchRecords: 1 }, log);
  const done: string[] = [];
  for (let i = 0; i < 5; i++) stage.push(item(`r${i}\n`, () => done.push(`r${i}`)));
  await turn();
  assert.deepEqual(sink.pending.map((p) => p.text), ['r0\n', 'r1\n', 'r2\n'], 'three writes in flight, not one');
  assert.deepEqual(stage.health('h').queue.batches, 5, 'in-flight items still count in the queue');
  sink.pending[1].end();
  await turn();
  assert.deepEqual(done, ['r1'], 'the second write ended first and completed only its item');
  assert.deepEqual(sink.pending.map((p) => p.text).slice(3), ['r3\n'], 'its slot went to the next batch');
  assert.equal(stage.health('h').queue.batches, 4);
  assert.ok(stage.oldestWaitingSince() !== null);
  for (const i of [0, 2, 3]) sink.pending[i].end();
  await turn();
  assert.deepEqual(sink.pending.map((p) => p.text).slice(4), ['r4\n']);
  sink.pending[4].end();
  await stage.idle();
  assert.deepEqual([...done].sort(), ['r0', 'r1', 'r2', 'r3', 'r4']);
  assert.deepEqual(stage.health('h').queue, { records: 0, bytes: 0, batches: 0, maxBytes: opts.laneMaxBytes, maxBatches: opts.laneMaxItems, full: false });
  assert.equal(stage.oldestWaitingSince(), null);
});

test('an item arriving while a concurrent sink has a free slot goes out at once, beside the write in flight', async () => {
  const sink = new GatedSink('h', 2);
  const stage = new SinkStage([sink], new Map(), opts, log);
  stage.push(item('a\n', () => {}));
  await turn();
  stage.push(item('b\n', () => {}));
  await turn();
  assert.deepEqual(sink.pending.map((p) => p.text), ['a\n', 'b\n']);
  stage.push(item('c\n', () => {}));
  await turn();
  assert.equal(sink.pending.length, 2, 'no third write while both slots are busy');
  sink.pending[0].end();
  await turn();
  assert.deepEqual(sink.pending.map((p) => p.text), ['a\n', 'b\n', 'c\n']);
  sink.pending[1].end();
  sink.pending[2].end();
  await stage.idle();
  assert.deepEqual(sink.written, ['a\n', 'b\n', 'c\n']);
});

test('a retried write of a concurrent sink keeps its items; stop() leaves unwritten ones queued and uncompleted', async () => {
  const sink = new GatedSink('h', 2);
  const stage = new SinkStage([sink], new Map(), { ...opts, maxBatchRecords: 1, retryInitialMs: 1, retryMaxMs: 1 }, log);
  const done: string[] = [];
  for (const t of ['x', 'y', 'z']) stage.push(item(`${t}\n`, () => done.push(t)));
  await turn();
  sink.pending[0].end(new SinkError('h', 'HTTP 503', true));
  sink.pending[1].end();
  for (let i = 0; i < 100 && sink.pending.length < 4; i++) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(done, ['y']);
  assert.deepEqual(sink.pending.slice(2).map((p) => p.text).sort(), ['x\n', 'z\n'], 'x again (retry) and z in the freed slot');
  assert.equal(stage.health('h').retrying, true);
  stage.stop();
  for (const p of sink.pending.slice(2)) p.end(new SinkError('h', 'HTTP 503', true));
  await stage.idle();
  assert.deepEqual(done, ['y'], 'nothing unwritten completed');
  assert.equal(stage.health('h').queue.batches, 2, 'x and z stay queued');
  assert.equal(stage.busySince.has('h'), false);
});

test('heldOnlyBy: what waits for the named sinks alone; oldestWaitingSince can leave their queues out', async () => {
  const vl = new GatedSink('vl', 1);
  const file = new GatedSink('file', 1);
  const stage = new SinkStage([vl, file], new Map(), opts, log);
  // Without routing both sinks take every item: while file has not written it, it is not vl's alone.
  stage.push({ data: Buffer.from('a\nb\n'), records: 2, done: () => {} });
  await turn();
  assert.deepEqual(stage.heldOnlyBy(new Set(['vl'])), { records: 0, bytes: 0 });
  const first = stage.oldestWaitingSince();
  file.pending[0].end();
  await turn();
  assert.deepEqual(stage.heldOnlyBy(new Set(['vl'])), { records: 2, bytes: 4 }, 'written by file: vl alone holds it');
  assert.equal(stage.oldestWaitingSince(new Set(['vl'])), null, 'nothing waits for the other sinks');
  assert.equal(stage.oldestWaitingSince(), first);
  // Routed: an item whose part for file is still queued is not vl's alone; its part for vl counts once file wrote.
  const data = Buffer.from('c\nd\ne\n');
  stage.push({ data, records: 3, routes: { parts: [[data.subarray(0, 4)], [data]], records: [2, 3] }, done: () => {} });
  await turn();
  assert.deepEqual(stage.heldOnlyBy(new Set(['vl'])), { records: 2, bytes: 4 });
  assert.notEqual(stage.oldestWaitingSince(new Set(['vl'])), null);
  file.pending[1].end();
  await turn();
  assert.deepEqual(stage.heldOnlyBy(new Set(['vl'])), { records: 4, bytes: 8 }, 'the largest part a named sink still takes, per item');
  assert.deepEqual(stage.heldOnlyBy(new Set()), { records: 0, bytes: 0 });
  vl.pending[0].end();
  await turn();
  vl.pending[1].end();
  await stage.idle();
  assert.deepEqual(stage.heldOnlyBy(new Set(['vl'])), { records: 0, bytes: 0 });
});
