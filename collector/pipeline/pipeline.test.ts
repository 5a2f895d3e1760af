// Pipeline logic with a fake worker pool (chunks complete in whatever order the test says) and a fake sink
// stage (items complete when the test says): release order, ACK timing per ack mode, admission release.
// BufferPool, Admission and Metrics are the real (in-memory) ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AckMode } from '../config/types.js';
import type { RejectReason } from '../errors.js';
import { Metrics } from '../observability/metrics.js';
import { reasonCode } from '../protocol/reply.js';
import type { StageItem } from '../sinks/sink-stage.js';
import { Admission } from './admission.js';
import { BufferPool } from './buffer-pool.js';
import { KIND_FRAMES, KIND_NATIVE, packedSize, readChunk } from './chunk.js';
import { Pipeline, slotShare, type ChunkRunner, type Inbound, type SinkRoom, type StageQueue } from './pipeline.js';
import type { ChunkContent, ChunkResult } from './worker-pool.js';
import type { ChunkRoom } from '../routing/collect.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One chunk handed to the fake pool: its messages' first frames, and how to finish it. */
interface RunCall {
  texts: string[];
  /** The room the pipeline reserved in each sink for the chunk's native messages. */
  room?: ChunkRoom;
  /** What the pipeline said the chunk holds (the worker pool sizes its output buffer by it). */
  content?: ChunkContent;
  /**
   * Completes the chunk; a text listed in `reject` is rejected whole with that reason. With `route` (text ->
   * mask of sinks, 0: dropped by routing) the outcome carries routes over `sinks` sinks, as a worker's does;
   * `short` (text -> mask) names, for a message refused busy, the sinks that had no room (default: its route).
   */
  complete(reject?: Record<string, RejectReason>, route?: Record<string, number>, sinks?: number, short?: Record<string, number>): void;
  fail(err: Error): void;
}

class FakeWorkers implements ChunkRunner {
  readonly calls: RunCall[] = [];
  /** With `pool`, a chunk's buffer goes back to it once the chunk is done, as WorkerPool gives it back. */
  constructor(
    readonly size: number,
    private readonly pool?: BufferPool,
  ) {}
  run(buffer: ArrayBuffer, length: number, room?: ChunkRoom, content?: ChunkContent): Promise<ChunkResult> {
    const texts = [...readChunk(buffer, length)].map((m) => dec.decode(m.frames[0]));
    return new Promise((resolve, reject) => {
      this.calls.push({
        texts,
        room,
        content,
        complete: (rejects = {}, route, sinks = 2, short = {}) => {
          this.pool?.give(buffer);
          const kept = texts.filter((t) => !rejects[t] && (!route || route[t] !== 0));
          const lines = kept.map((t) => `${JSON.stringify({ message: t })}\n`);
          const output = enc.encode(lines.join(''));
          const outcome: ChunkResult['outcome'] = { perMessage: Int32Array.from(texts, (t) => (rejects[t] ? -reasonCode(rejects[t]) : 1)), accepted: texts.length, records: kept.length, discards: {}, flagged: 0 };
          if (route) {
            const ranges: number[][] = Array.from({ length: sinks }, () => []);
            const records = new Array<number>(sinks).fill(0);
            let at = 0;
            kept.forEach((t, k) => {
              const end = at + enc.encode(lines[k]).byteLength;
              for (let s = 0; s < sinks; s++) if (route[t] & (1 << s)) (ranges[s].push(at, end), records[s]++);
              at = end;
            });
            const refusedFor = texts.flatMap((t, k) => (rejects[t] === 'busy' ? [k, short[t] ?? route[t]] : []));
            outcome.routes = { ranges, records, dropped: [], unmatched: 0, kept: kept.length, messageSinks: Int32Array.from(texts, (t) => (rejects[t] && rejects[t] !== 'busy' ? 0 : route[t])), refusedFor };
          }
          resolve({ outcome, output, grew: false });
        },
        fail: (err) => {
          this.pool?.give(buffer);
          reject(err);
        },
      });
    });
  }
}

class FakeStage implements StageQueue {
  readonly items: StageItem[] = [];
  push(item: StageItem): void {
    this.items.push(item);
  }
  /** The messages of every item pushed so far, in push order. */
  written(): string[] {
    return this.items.flatMap((i) => dec.decode(i.data).trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message));
  }
}

type Reply = { ok: true } | { ok: false; reason: RejectReason; detail: string };

function setup(ackMode: AckMode, workers = 2, room?: SinkRoom, countBusy?: (input: number, sinks: number) => void) {
  const pool = new BufferPool(16, 64 * 1024);
  const fake = new FakeWorkers(workers, pool);
  const stage = new FakeStage();
  const admission = new Admission(1000, 1 << 20);
  const metrics = new Metrics();
  const errors: Error[] = [];
  const pipeline = new Pipeline({
    workers: fake,
    pool,
    admission,
    stage,
    ackMode,
    inputMetrics: [metrics.component('in', 'source', 'test')],
    onChunkError: (e) => errors.push(e),
    room,
    countBusy,
  });
  const replies = new Map<string, Reply[]>();
  /** Per native message: the sinks the pipeline said its records went to (Inbound.routed). */
  const routedTo = new Map<string, number>();
  /** Submits one message the way an input does: charge admission, then submit. */
  const submit = (text: string, kind = KIND_NATIVE, announceTo?: number): void => {
    const frames = [enc.encode(text)];
    const admitted = { records: 1, bytes: frames[0].byteLength };
    admission.add(admitted.records, admitted.bytes);
    replies.set(text, []);
    const m: Inbound = { input: 0, kind, compression: 0, recordCount: 1, frames, receivedAt: Date.now(), admitted, announceTo };
    if (kind === KIND_NATIVE) {
      m.reply = (r) => replies.get(text)!.push(r);
      m.routed = (sinks) => routedTo.set(text, sinks);
    }
    pipeline.submit(m);
  };
  return { fake, stage, admission, metrics, pipeline, replies, submit, errors, routedTo };
}

/** One turn of the event loop: the pipeline seals what was submitted in the turn before. */
const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Writes one message into a lent chunk buffer as the native receive thread does (the message header from zeros:
 * a reused slot holds an older output), admits it and submits the chunk.
 */
function submitOne(pipeline: Pipeline, admission: Admission, buffer: ArrayBufferLike, text: string): void {
  const body = enc.encode(text);
  new Uint8Array(buffer, 0, 24).fill(0);
  new DataView(buffer).setUint32(16, 1, true);
  new DataView(buffer).setUint32(20, body.length, true);
  new Uint8Array(buffer).set(body, 24);
  admission.add(1, body.length);
  pipeline.submitPacked({ input: 0, buffer, length: 24 + body.length, messages: 1, receivedAt: Date.now(), admitted: { records: 1, bytes: body.length } });
}

test('chunks completed out of order reach the sinks in arrival order', async () => {
  const { fake, stage, submit } = setup('received', 2);
  submit('a1');
  submit('a2');
  await turn();
  submit('b1');
  await turn();
  submit('c1');
  await turn();
  assert.deepEqual(
    fake.calls.map((c) => c.texts),
    [['a1', 'a2'], ['b1'], ['c1']],
    'one chunk per event-loop turn',
  );
  fake.calls[2].complete();
  fake.calls[1].complete();
  await turn();
  assert.deepEqual(stage.written(), [], 'nothing released while the first chunk is still out');
  fake.calls[0].complete();
  await turn();
  assert.deepEqual(stage.written(), ['a1', 'a2', 'b1', 'c1']);
});

test('received mode: ACK once processed, before the write; queue space only after the write', async () => {
  const { fake, stage, admission, replies, submit, pipeline } = setup('received');
  submit('r1');
  await turn();
  assert.deepEqual(replies.get('r1'), [], 'no ACK before processing');
  fake.calls[0].complete();
  await turn();
  assert.deepEqual(replies.get('r1'), [{ ok: true }]);
  assert.equal(stage.items.length, 1);
  assert.equal(admission.records, 1, 'still held until the sinks have written it');
  assert.equal(pipeline.isIdle(), false);
  stage.items[0].done();
  assert.equal(admission.records, 0);
  assert.equal(admission.bytes, 0);
  assert.deepEqual(replies.get('r1'), [{ ok: true }], 'exactly one ACK');
  await pipeline.idle();
});

test('persisted mode: ACK only once every sink has written; frame messages are never answered', async () => {
  const { fake, stage, admission, replies, submit, pipeline } = setup('persisted');
  submit('p1');
  submit('raw', KIND_FRAMES);
  await turn();
  fake.calls[0].complete();
  await turn();
  assert.equal(stage.items.length, 1);
  assert.deepEqual(replies.get('p1'), [], 'not ACKed while the write is pending');
  assert.equal(admission.records, 2);
  let idle = false;
  const idlePromise = pipeline.idle().then(() => (idle = true));
  await turn();
  assert.equal(idle, false, 'idle waits for the write');
  stage.items[0].done();
  assert.deepEqual(replies.get('p1'), [{ ok: true }]);
  assert.equal(admission.records, 0);
  await idlePromise;
  assert.equal(idle, true);
});

test('persisted mode with routing: each message is ACKed once the sinks its own records went to have written', async () => {
  const { fake, stage, admission, replies, submit, pipeline } = setup('persisted');
  for (const t of ['toA', 'toB', 'both', 'dropped', 'toB2']) submit(t);
  await turn();
  assert.equal(fake.calls.length, 1, 'one chunk mixes messages for both sinks');
  fake.calls[0].complete({}, { toA: 1, toB: 2, both: 3, dropped: 0, toB2: 2 });
  await turn();
  assert.equal(stage.items.length, 1);
  const item = stage.items[0];
  assert.ok(item.written, 'a routed chunk reports per-sink writes');
  const acked = () => [...replies].filter(([, r]) => r.length > 0).map(([t]) => t);
  assert.deepEqual(acked(), ['dropped'], 'a message routing dropped whole is handled: ACKed at once');
  assert.equal(admission.records, 4, 'its queue space is freed at once too');
  item.written!(1);
  assert.deepEqual(acked(), ['toB', 'dropped', 'toB2'], 'sink 1 wrote: its messages are ACKed while sink 0 still retries');
  assert.equal(admission.records, 2, "sink 1 wrote: its messages' queue space is freed; toA and both wait for sink 0");
  const expansion = admission.bytes - ['toA', 'both'].reduce((n, t) => n + t.length, 0);
  assert.ok(expansion > 0, 'the NDJSON expansion stays charged until the whole chunk is written');
  item.written!(0);
  assert.deepEqual(acked().sort(), ['both', 'dropped', 'toA', 'toB', 'toB2']);
  assert.equal(admission.records, 0);
  assert.equal(admission.bytes, expansion);
  item.done();
  for (const [t, r] of replies) assert.deepEqual(r, [{ ok: true }], `exactly one ACK for ${t}`);
  assert.equal(admission.records, 0);
  assert.equal(admission.bytes, 0, 'nothing released twice, nothing left');
  await pipeline.idle();
});

test('with a SinkRoom: frame messages are on their way from submit, native ones get room reserved when their chunk goes to a worker (the worker refuses what does not fit); each arrives once', async () => {
  const calls: string[] = [];
  const room: SinkRoom = {
    feeds: [0b11],
    expect: (mask, records, bytes) => calls.push(`expect ${mask} ${records} ${bytes}`),
    arrived: (mask, records, bytes, check) => calls.push(`arrived ${mask} ${records} ${bytes} ${check ?? true}`),
    reserve: (mask, records, bytes) => (calls.push(`reserve ${mask} ${records} ${bytes}`), { records: [0, records], bytes: [0, bytes], alone: 0 }),
    unreserve: (r, check) => calls.push(`unreserve ${r.records.join(',')} ${r.bytes.join(',')} ${check ?? true}`),
    names: (mask) => (mask === 0b01 ? 'vl' : `mask ${mask}`),
  };
  const { fake, stage, replies, submit, routedTo, admission } = setup('persisted', 2, room);
  submit('pull', KIND_FRAMES);
  assert.deepEqual(calls, ['expect 3 1 4'], 'a PULL message cannot be refused later: on its way to every sink its input feeds at once');
  submit('n1');
  submit('n22');
  assert.equal(calls.length, 1, 'native messages wait for their chunk to go out');
  await turn();
  assert.deepEqual(calls.slice(1), ['reserve 3 2 5'], 'the chunk: room for 2 native records of 5 bytes asked of the sinks their input feeds');
  assert.deepEqual(fake.calls[0].room, { records: [0, 2], bytes: [0, 5], alone: 0 }, 'the worker is told what each sink has room for');
  calls.length = 0;
  fake.calls[0].complete({ n1: 'busy' }, { pull: 0b01, n1: 0b01, n22: 0b10 });
  await turn();
  assert.deepEqual(calls, ['unreserve 0,2 0,5 false', 'arrived 3 1 4 false'], 'everything announced arrives once, unchecked (the push checks)');
  const n1 = replies.get('n1')!;
  assert.equal(n1.length, 1);
  assert.ok(!n1[0].ok && n1[0].reason === 'busy' && /sink vl/.test(n1[0].detail), JSON.stringify(n1));
  assert.deepEqual([...routedTo], [['n1', 0b01], ['n22', 0b10]], 'the input learns where each batch went, or would have gone');
  assert.deepEqual(stage.written(), ['pull', 'n22']);
  assert.equal(admission.records, 2, 'the refused batch is out of the queue');
  stage.items[0].written!(1);
  assert.deepEqual(replies.get('n22'), [{ ok: true }]);
  assert.equal(admission.records, 1, "n22's queue space is freed with its ACK; the PULL record waits for sink 0");
});

test('with a SinkRoom: a batch refused busy in the worker is counted, and named in its NACK, for the sinks that had no room, not every sink it goes to', async () => {
  const room: SinkRoom = {
    feeds: [0b11],
    expect: () => {},
    arrived: () => {},
    reserve: (_mask, records, bytes) => ({ records: [0, records], bytes: [0, bytes], alone: 0 }),
    unreserve: () => {},
    names: (mask) => ['vl', 'archive'].filter((_, i) => mask & (1 << i)).join(', '),
  };
  const counted: [number, number][] = [];
  const { fake, replies, submit, routedTo } = setup('persisted', 2, room, (input, sinks) => counted.push([input, sinks]));
  submit('both');
  submit('file');
  await turn();
  fake.calls[0].complete({ both: 'busy' }, { both: 0b11, file: 0b10 }, 2, { both: 0b01 });
  await turn();
  assert.deepEqual(counted, [[0, 0b01]], 'one refusal, for vl alone');
  const both = replies.get('both')!;
  assert.ok(!both[0].ok && /queue of sink vl this batch/.test(both[0].detail), JSON.stringify(both));
  assert.equal(routedTo.get('both'), 0b11, 'the input still learns every sink the batch goes to');
});

test('with a SinkRoom: a native batch of a known sender is on its way to the sinks its last batch went to from submit, then its chunk reserves room for it instead', async () => {
  const calls: string[] = [];
  const room: SinkRoom = {
    feeds: [0b11],
    expect: (mask, records, bytes) => calls.push(`expect ${mask} ${records} ${bytes}`),
    arrived: (mask, records, bytes, check) => calls.push(`arrived ${mask} ${records} ${bytes} ${check ?? true}`),
    reserve: (mask, records, bytes) => (calls.push(`reserve ${mask} ${records} ${bytes}`), { records: [records, records], bytes: [bytes, bytes], alone: 0 }),
    unreserve: (r, check) => calls.push(`unreserve ${r.records.join(',')} ${r.bytes.join(',')} ${check ?? true}`),
    names: () => 'vl',
  };
  const { fake, submit } = setup('persisted', 2, room);
  submit('known', KIND_NATIVE, 0b01);
  submit('new');
  assert.deepEqual(calls, ['expect 1 1 5'], 'the known sender counts against vl at once; the new one waits for its chunk');
  await turn();
  assert.deepEqual(calls.slice(1), ['arrived 1 1 5 false', 'reserve 3 2 8'], 'at the worker: the announcement becomes part of the reservation');
  calls.length = 0;
  fake.calls[0].complete({}, { known: 0b01, new: 0b10 });
  await turn();
  assert.deepEqual(calls, ['unreserve 2,2 8,8 false'], 'nothing is announced twice nor arrives twice');
});

test('with a SinkRoom: a failed chunk announces nothing more and arrives', async () => {
  const calls: string[] = [];
  const room: SinkRoom = {
    feeds: [0b01],
    expect: (mask, records, bytes) => calls.push(`expect ${mask} ${records} ${bytes}`),
    arrived: (mask, records, bytes, check) => calls.push(`arrived ${mask} ${records} ${bytes} ${check ?? true}`),
    reserve: (mask, records, bytes) => (calls.push(`reserve ${mask} ${records} ${bytes}`), { records: [records], bytes: [bytes], alone: 0 }),
    unreserve: (r, check) => calls.push(`unreserve ${r.records.join(',')} ${r.bytes.join(',')} ${check ?? true}`),
    names: () => '',
  };
  const { fake, submit, admission } = setup('persisted', 2, room);
  submit('n1');
  submit('p', KIND_FRAMES);
  await turn();
  fake.calls[0].fail(new Error('worker died'));
  await turn();
  assert.deepEqual(calls, ['expect 1 1 1', 'reserve 1 1 2', 'unreserve 1 2 true', 'arrived 1 1 1 true']);
  assert.equal(admission.records, 0);
});

test('a message the worker rejects is NACKed with its reason and its queue space released at once', async () => {
  const { fake, stage, admission, replies, submit } = setup('persisted');
  submit('good');
  submit('bad');
  await turn();
  fake.calls[0].complete({ bad: 'malformed' });
  await turn();
  const bad = replies.get('bad')!;
  assert.equal(bad.length, 1);
  assert.equal(bad[0].ok, false);
  assert.equal(!bad[0].ok && bad[0].reason, 'malformed');
  assert.equal(admission.records, 1, "the rejected message's share is released, the good one's is held");
  assert.deepEqual(stage.written(), ['good']);
  stage.items[0].done();
  assert.deepEqual(replies.get('good'), [{ ok: true }]);
  assert.equal(admission.records, 0);
});

test('a chunk whose processing failed is NACKed busy (the client resends) and frees its space; later chunks still flow', async () => {
  const { fake, stage, admission, replies, submit, errors } = setup('received');
  submit('lost');
  await turn();
  submit('next');
  await turn();
  fake.calls[1].complete();
  fake.calls[0].fail(new Error('worker died'));
  await turn();
  assert.equal(errors.length, 1);
  assert.deepEqual(replies.get('lost')!.map((r) => (r.ok ? 'ack' : r.reason)), ['busy']);
  assert.deepEqual(replies.get('next'), [{ ok: true }]);
  assert.deepEqual(stage.written(), ['next']);
  stage.items[0].done();
  assert.equal(admission.records, 0);
});

test('at most two chunks per worker are in flight; the rest waits and goes out as one chunk', async () => {
  const { fake, stage, submit } = setup('received', 1);
  submit('x1');
  await turn();
  submit('x2');
  await turn();
  submit('x3');
  await turn();
  submit('x4');
  await turn();
  assert.equal(fake.calls.length, 2, 'one worker: two chunks in flight');
  fake.calls[0].complete();
  await turn();
  assert.equal(fake.calls.length, 3);
  assert.deepEqual(fake.calls[2].texts, ['x3', 'x4'], 'what waited travels together');
  fake.calls[1].complete();
  fake.calls[2].complete();
  await turn();
  assert.deepEqual(stage.written(), ['x1', 'x2', 'x3', 'x4']);
});

test('an input that packs its own chunks gets a buffer only while the pipeline could start on another chunk at once', async () => {
  const { fake, stage, pipeline, admission } = setup('received', 1);
  const lent: { buffer: ArrayBufferLike; fill: number }[] = [];
  const request = () => pipeline.requestChunkBuffer((buffer, fill) => lent.push({ buffer, fill }));
  const deliver = (text: string): void => submitOne(pipeline, admission, lent.shift()!.buffer, text);
  for (let i = 0; i < 3; i++) request();
  assert.equal(lent.length, 3, 'nothing in flight: every request is served at once');
  assert.equal(lent[0].fill, (64 * 1024) / 2, 'filled to half a pooled buffer');
  deliver('p1');
  request();
  assert.equal(lent.length, 3, 'one worker, one chunk in flight: it can take another, still lending');
  deliver('p2');
  request();
  assert.equal(fake.calls.length, 2, 'one worker: two chunks in flight');
  assert.equal(lent.length, 2, 'two in flight: the request is held');
  deliver('p3');
  request();
  assert.equal(fake.calls.length, 2, 'p3 waits');
  assert.equal(lent.length, 1, 'still held');
  fake.calls[0].complete();
  await turn();
  assert.equal(fake.calls.length, 3, 'p3 went to the worker');
  assert.equal(lent.length, 1, 'two in flight again: the held requests stay held');
  fake.calls[1].complete();
  await turn();
  assert.equal(lent.length, 3, 'one in flight, none waiting: both held requests served');
  fake.calls[2].complete();
  await turn();
  assert.deepEqual(stage.written(), ['p1', 'p2', 'p3']);
});

test('a small output reaches the sinks as a copy and its pooled buffer is back in the pool before the write; a large one keeps its buffer until written', async () => {
  const pool = new BufferPool(8, 64 * 1024);
  const outputs = [100, 20_000]; // bytes of NDJSON per chunk: below and above an eighth of a pooled buffer
  const runner: ChunkRunner = {
    size: 1,
    run: (buffer, length) => {
      const n = outputs.shift()!;
      const out = new Uint8Array(pool.take(), 0, n).fill(0x61);
      const texts = [...readChunk(buffer, length)];
      return Promise.resolve({ outcome: { perMessage: new Int32Array(texts.length).fill(1), accepted: texts.length, records: texts.length, discards: {}, flagged: 0 }, output: out, grew: false });
    },
  };
  const stage = new FakeStage();
  const admission = new Admission(1000, 1 << 20);
  const pipeline = new Pipeline({ workers: runner, pool, admission, stage, ackMode: 'received', inputMetrics: [new Metrics().component('in', 'source', 'test')], onChunkError: () => {} });
  for (const text of ['s', 'l']) {
    const frames = [enc.encode(text)];
    admission.add(1, 1);
    pipeline.submit({ input: 0, kind: KIND_FRAMES, compression: 0, recordCount: 0, frames, receivedAt: Date.now(), admitted: { records: 1, bytes: 1 } });
    await turn();
    await turn();
  }
  assert.equal(stage.items.length, 2);
  const [small, large] = stage.items;
  assert.equal(small.data.byteLength, 100);
  assert.equal(small.data.buffer.byteLength, 100, 'the small output is a copy of its own size');
  assert.ok(small.data.every((b) => b === 0x61));
  assert.equal(large.data.buffer.byteLength, 64 * 1024, 'the large output stays in its pooled buffer');
  const free = pool.stats().free;
  large.done();
  assert.equal(pool.stats().free, free + 1, 'the large output\'s buffer returns once written');
  small.done();
  assert.equal(pool.stats().free, free + 1, 'the small output\'s buffer had returned already');
});

test('while outputs wait for the sinks in every slot, an input waits for a slot to come back instead of getting a new buffer', async () => {
  const pool = new BufferPool(4, 64 * 1024);
  // As WorkerPool: the output goes into a slot taken when the chunk starts, the chunk's slot comes back when done.
  const runner: ChunkRunner = {
    size: 1,
    run: (buffer, length) => {
      const out = pool.take();
      const texts = [...readChunk(buffer, length)];
      pool.give(buffer);
      // Over an eighth of a slot: the output waits for the sinks in its slot (a smaller one would be copied out).
      const output = new Uint8Array(out, 0, 20_000).fill(0x61);
      return Promise.resolve({ outcome: { perMessage: new Int32Array(texts.length).fill(1), accepted: texts.length, records: texts.length, discards: {}, flagged: 0 }, output, grew: false });
    },
  };
  const stage = new FakeStage();
  const admission = new Admission(1000, 1 << 20);
  const pipeline = new Pipeline({ workers: runner, pool, admission, stage, ackMode: 'received', inputMetrics: [new Metrics().component('in', 'source', 'test')], onChunkError: () => {} });
  const lent: ArrayBufferLike[] = [];
  const request = () => pipeline.requestChunkBuffer((buffer) => lent.push(buffer));
  const deliver = async (text: string): Promise<void> => {
    submitOne(pipeline, admission, lent.shift()!, text);
    await turn();
  };
  for (const text of ['p1', 'p2', 'p3']) {
    request();
    assert.equal(lent.length, 1, `${text}: a slot for the chunk and one for its output are free: lent at once`);
    await deliver(text);
  }
  assert.equal(stage.items.length, 3, 'three outputs wait for the sinks, each in its slot');
  request();
  assert.equal(lent.length, 0, 'one slot free: the request waits (it would leave none for its output)');
  assert.deepEqual([pool.stats().slots, pool.misses], [4, 4], 'no buffer was made beyond the four slots');
  stage.items[0].done();
  assert.equal(lent.length, 1, 'a written output gave its slot back: the waiting request is served');
  assert.ok(lent[0] instanceof SharedArrayBuffer, 'with a slot');
  await deliver('p4');
  for (const item of stage.items.slice(1)) item.done();
  assert.deepEqual([pool.stats().free, pool.stats().slots, pool.misses], [4, 4, 4], 'every slot back; still nothing made but the four slots');
});

test('when no slot will come back (nothing in flight or waiting for the sinks), a request gets a new buffer rather than waiting for ever', () => {
  const pool = new BufferPool(1, 64 * 1024);
  const stage = new FakeStage();
  const pipeline = new Pipeline({ workers: new FakeWorkers(1, pool), pool, admission: new Admission(1000, 1 << 20), stage, ackMode: 'received', inputMetrics: [new Metrics().component('in', 'source', 'test')], onChunkError: () => {} });
  const lent: ArrayBufferLike[] = [];
  for (let i = 0; i < 2; i++) pipeline.requestChunkBuffer((buffer) => lent.push(buffer));
  assert.equal(lent.length, 2);
  assert.ok(lent[0] instanceof SharedArrayBuffer);
  assert.ok(lent[1] instanceof ArrayBuffer, 'the pool is empty and nothing will free a slot: a plain buffer (a miss)');
});

test('with routing, a sink that does not write holds at most its share of the slots: the healthy sink beside it keeps getting chunks', async () => {
  // 6 slots, 2 sinks, an input that holds one lent slot at a time: each sink may hold floor((6 - 2 - 1) / 2) = 1
  // with outputs it has not written.
  const pool = new BufferPool(6, 64 * 1024);
  // As WorkerPool, with routes: each record's line goes to the sinks in its mask (text "d..." to sink 0, the
  // down one, and sink 1; "h..." to sink 1 alone). Each output is over an eighth of a slot, so it stays there.
  const runner: ChunkRunner = {
    size: 1,
    run: (buffer, length) => {
      const out = pool.take();
      const texts = [...readChunk(buffer, length)].map((m) => dec.decode(m.frames[0]));
      pool.give(buffer);
      const output = new Uint8Array(out, 0, 20_000).fill(texts[0].charCodeAt(0));
      const both = texts[0].startsWith('d');
      const routes = { ranges: [both ? [0, 20_000] : [], [0, 20_000]], records: [both ? 1 : 0, 1], dropped: [], unmatched: 0, kept: 1, messageSinks: Int32Array.of(both ? 3 : 2), refusedFor: [] };
      return Promise.resolve({ outcome: { perMessage: Int32Array.of(1), accepted: 1, records: 1, discards: {}, flagged: 0, routes }, output, grew: false });
    },
  };
  const stage = new FakeStage();
  const admission = new Admission(1000, 1 << 20);
  const pipeline = new Pipeline({ workers: runner, pool, admission, stage, ackMode: 'received', inputMetrics: [new Metrics().component('in', 'source', 'test')], onChunkError: () => {} });
  const lent: ArrayBufferLike[] = [];
  const deliver = async (text: string): Promise<void> => {
    pipeline.requestChunkBuffer((buffer) => lent.push(buffer));
    assert.equal(lent.length, 1, `${text}: a buffer is lent at once`);
    submitOne(pipeline, admission, lent.shift()!, text);
    await turn();
    // The healthy sink writes everything it gets at once; sink 0 (down) never writes.
    stage.items.at(-1)!.written!(1);
  };
  for (let i = 0; i < 20; i++) await deliver(`d${i}`);
  await deliver('h-after');
  assert.equal(stage.items.length, 21, 'every chunk reached the sinks although sink 0 wrote none of them');
  const inSlot = stage.items.filter((item) => item.routes!.parts[0].some((p) => p.buffer instanceof SharedArrayBuffer));
  assert.equal(inSlot.length, 1, 'sink 0 keeps its part in a slot for its share (1) only; the rest are copies');
  for (const item of stage.items.slice(1, 20)) {
    assert.equal(item.routes!.parts[0].length, 1);
    assert.deepEqual([item.routes!.parts[0][0].byteLength, item.routes!.parts[0][0][0]], [20_000, 'd'.charCodeAt(0)], 'a copy of its part');
  }
  assert.equal(pool.available(), 5, 'only the slot sink 0 holds is out of the pool');
  assert.ok(pool.stats().slots <= 6, 'no slot beyond the six');
  assert.equal(pool.misses, pool.stats().slots, 'no buffer made but slots');
  // Sink 0 comes back and writes: its slots return.
  for (const item of stage.items) {
    if (item.routes!.parts[0].length) item.written!(0);
    item.done();
  }
  assert.equal(pool.available(), 6);
});

test('slot share per sink: all of them for one sink; with several, two slots stay for whatever else arrives', () => {
  assert.equal(slotShare(64, 1), 64);
  assert.equal(slotShare(64, 2), 31);
  assert.equal(slotShare(64, 3), 20);
  assert.equal(slotShare(4, 3), 0);
  assert.equal(slotShare(1, 2), 0);
  for (const slots of [0, 1, 2, 3, 6, 64, 4096]) for (const sinks of [2, 3, 5, 8]) assert.ok(sinks * slotShare(slots, sinks) <= Math.max(0, slots - 2), `${slots} slots, ${sinks} sinks`);
});

test('each chunk goes to the workers with what its messages were admitted as (records, bytes), by which the output buffer is sized', async () => {
  const { fake, submit, pipeline } = setup('received', 2);
  submit('a1');
  submit('a22');
  submit('a333');
  await turn();
  // The next chunk starts from nothing: none of the first chunk's messages is counted again.
  submit('b1');
  await turn();
  // A block the input packed itself: what the input admitted for it.
  pipeline.submitPacked({ input: 0, buffer: new ArrayBuffer(64), length: 0, messages: 0, receivedAt: Date.now(), admitted: { records: 250, bytes: 256_000 } });
  await turn();
  assert.deepEqual(
    fake.calls.map((c) => c.content),
    [
      { records: 3, bytes: 9 },
      { records: 1, bytes: 2 },
      { records: 250, bytes: 256_000 },
    ],
  );
});

test('chunks waiting for a worker make the pipeline backlogged from an eighth of the queue (at least 4 pooled buffers) on, until a worker takes one', async () => {
  // setup(): pooled buffers of 64 KiB and a queue of 1 MiB, so the bound is 4 x 64 KiB. One worker: two chunks in flight.
  const { fake, pipeline, submit } = setup('received', 1);
  const text = (i: number) => String(i).padEnd(30 * 1024, 'x');
  const size = packedSize([enc.encode(text(0))]);
  submit(text(0));
  await turn();
  submit(text(1));
  await turn();
  assert.equal(fake.calls.length, 2);
  assert.equal(pipeline.backlogged(), false);
  // Each message is a chunk of its own (more than half a buffer): they wait, the last one still being packed.
  let waiting = 0;
  while (!pipeline.backlogged() && waiting < 40) {
    submit(text(2 + waiting++));
    await turn();
  }
  assert.equal(waiting, Math.ceil((4 * 64 * 1024) / size));
  assert.equal(fake.calls.length, 2, 'nothing more went to the worker');
  fake.calls[0].complete();
  await turn();
  assert.equal(fake.calls.length, 3);
  assert.equal(pipeline.backlogged(), false, 'one chunk less waits');
});
