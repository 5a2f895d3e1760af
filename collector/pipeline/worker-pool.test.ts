// The worker pool with real worker threads and the real BufferPool: chunks and their NDJSON cross in shared
// slots (by number once a worker has them), and every slot comes home, also when the output outgrew its slot.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BufferPool } from './buffer-pool.js';
import { ChunkBuilder, KIND_FRAMES, packedSize, type PackedMessage } from './chunk.js';
import type { WorkerInit } from './processor-factory.js';
import { WorkerPool } from './worker-pool.js';

const init: WorkerInit = {
  inputs: [{ id: 'in', type: 'zmq-pull', format: 'text', framing: 'frame', topicFrame: false, topics: [''] }],
  maxRecordBytes: 1 << 20,
  maxDecompressedBytes: 1 << 24,
  hostname: 'h',
};
const opened: WorkerPool[] = [];
after(() => Promise.all(opened.map((w) => w.close())));

function setup(workers: number, capacity: number) {
  const pool = new BufferPool(capacity, 1 << 16);
  const errors: Error[] = [];
  const w = new WorkerPool(workers, init, pool, (e) => errors.push(e));
  opened.push(w);
  return { pool, w, errors };
}

function pack(pool: BufferPool, texts: string[]): { buffer: ArrayBufferLike; length: number } {
  const list: PackedMessage[] = texts.map((t) => ({ kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: 0, frames: [Buffer.from(t)] }));
  const b = new ChunkBuilder(pool.take(list.reduce((n, m) => n + packedSize(m.frames), 0)));
  for (const m of list) b.add(m);
  return b.finish();
}

const messagesOf = (out: Uint8Array) =>
  Buffer.from(out)
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as { message: string }).message);

for (const workers of [1, 2, 0]) {
  test(`${workers ? `${workers} worker thread(s)` : 'inline'}: chunks and output in shared slots, reused run after run, none lost`, async () => {
    const { pool, w, errors } = setup(workers, 8);
    for (let round = 0; round < 30; round++) {
      // Several chunks at once, so slots are made while others are in flight, and later ones reuse them.
      const batch = Array.from({ length: 3 }, (_, k) => Array.from({ length: 20 }, (_, i) => `r${round}-${k}-${i}`));
      const results = await Promise.all(
        batch.map((texts) => {
          const { buffer, length } = pack(pool, texts);
          assert.ok(buffer instanceof SharedArrayBuffer);
          return w.run(buffer, length);
        }),
      );
      results.forEach((r, k) => {
        assert.ok(r.output.buffer instanceof SharedArrayBuffer, 'the NDJSON is in a pool slot');
        assert.deepEqual(messagesOf(r.output), batch[k]);
        pool.give(r.output.buffer);
      });
    }
    assert.deepEqual(errors, []);
    const s = pool.stats();
    assert.ok(s.slots <= 8, `at most one slot per buffer in use at once (${s.slots})`);
    assert.equal(s.free, s.slots, 'every slot came home');
    assert.ok(s.hits >= 170, `slots were reused (${s.hits} hits)`);
  });
}

for (const workers of [1, 0]) {
  test(`${workers ? 'a worker thread' : 'inline'}: an output that outgrows its slot comes back as a plain buffer (a miss), and the slot it outgrew comes home`, async () => {
    const { pool, w } = setup(workers, 4);
    // Control bytes become \u00XX: six bytes of NDJSON for each, far more than the 64 KiB slot.
    const text = '\u0001'.repeat(20_000);
    const { buffer, length } = pack(pool, [text]);
    const r = await w.run(buffer, length);
    assert.equal(r.grew, true);
    assert.ok(r.output.buffer instanceof ArrayBuffer, 'the grown output is the worker\'s own buffer, transferred');
    assert.equal(messagesOf(r.output)[0], text);
    assert.equal(pool.stats().free, pool.stats().slots, 'the input slot and the outgrown output slot are both free');
  });
}

test('no slots (buffers: 0): plain buffers travel by transfer and the results are the same', async () => {
  const { pool, w } = setup(1, 0);
  const texts = ['a', 'b', 'c'];
  const { buffer, length } = pack(pool, texts);
  assert.ok(buffer instanceof ArrayBuffer);
  const r = await w.run(buffer, length);
  assert.equal(buffer.byteLength, 0, 'the chunk buffer was transferred away');
  assert.deepEqual(messagesOf(r.output), texts);
  assert.equal(pool.stats().slots, 0);
});

test('with HTTP body parts: a chunk of one 256 KiB batch of 1 KiB records (or 1,000 of 100 B) gets a single buffer and its output fits it; twice the records get a double one', async () => {
  const mib = 1 << 20;
  const pool = new BufferPool(8, mib);
  const w = new WorkerPool(1, { ...init, bodies: [{ kind: 'bulk', action: 'create', index: 'zlog' }] }, pool, () => {});
  opened.push(w);
  // The bench's sender cuts 1 KiB records into batches of 256 (256 KiB) and 100 B ones into batches of 1,000.
  // Sized by its length alone, a chunk past a quarter of a buffer took a double one: at most DOUBLE_BUFFERS (6)
  // outputs could then wait for an HTTP sink at once, so its writes held one batch each (288 records per request
  // at 1 KiB, against 857 before the pipeline waited for slots).
  const cases = [
    { size: 1024, count: 256, slot: mib },
    { size: 100, count: 1000, slot: mib },
    { size: 1024, count: 512, slot: 2 * mib },
    { size: 100, count: 4000, slot: 2 * mib },
  ];
  for (const { size, count, slot } of cases) {
    const texts = Array.from({ length: count }, (_, i) => `r${i} `.padEnd(size, 'x'));
    const { buffer, length } = pack(pool, texts);
    const content = { records: count, bytes: size * count };
    assert.equal(w.outputBytes(length, content), slot, `${count} records of ${size} B: slot size`);
    const r = await w.run(buffer, length, undefined, content);
    assert.equal(r.grew, false, `${count} records of ${size} B: the output (${r.output.byteLength} bytes) fits the slot it was given`);
    assert.equal(r.output.buffer.byteLength, slot);
    assert.ok(r.outcome.bodies && r.outcome.bodies.parts[2] === count, 'the body part of every record follows the NDJSON');
    pool.give(r.output.buffer);
  }
});
