// Issue 9, "one bad record never costs another record": records built to break each decoder (JSON nested past
// the stack, huge numbers, syslog headers that almost parse, invalid UTF-8, control bytes) go through the
// whole worker path, a real worker thread included, mixed with ordinary records. Every record is written (the
// poison ones as text flagged `undecodable` when no decoder can read them), in order, and a native batch
// carrying one is acknowledged, never refused `busy`.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { encodeMessage } from '../protocol/message.js';
import { REASON_CODES } from '../protocol/reply.js';
import { BufferPool } from './buffer-pool.js';
import { ChunkBuilder, KIND_FRAMES, KIND_NATIVE, packedSize, type PackedMessage } from './chunk.js';
import { compressionCode } from '../protocol/header.js';
import { parseHeader } from '../protocol/header.js';
import type { ProcessorInput } from './processor.js';
import { WorkerPool } from './worker-pool.js';

const inputs: ProcessorInput[] = [
  { id: 'pull', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'json', type: 'zmq-pull', format: 'json', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'syslog', type: 'zmq-pull', format: 'syslog', framing: 'lines', topicFrame: false, topics: [''] },
  { id: 'sub', type: 'zmq-sub', format: 'auto', framing: 'frame', topicFrame: true, topics: ['', 'logs.'] },
  { id: 'native', type: 'zmq-router', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
];
const init = { inputs, maxRecordBytes: 1 << 20, maxDecompressedBytes: 1 << 24, hostname: 'h' };
const pool = new BufferPool(4, 1 << 16);
const workerErrors: Error[] = [];
const threaded = new WorkerPool(1, init, pool, (e) => workerErrors.push(e));
const inline = new WorkerPool(0, init, pool, (e) => workerErrors.push(e));
after(() => threaded.close());

const deepArray = (d: number) => '{"a":' + '['.repeat(d) + ']'.repeat(d) + '}';
const deepObject = (d: number) => '{"a":'.repeat(d) + '1' + '}'.repeat(d);
/** Texts each aimed at one decoder (or the writer): all must come out as one record each. */
const poison = fc.oneof(
  fc.integer({ min: 2_000, max: 60_000 }).map(deepArray),
  fc.integer({ min: 2_000, max: 30_000 }).map(deepObject),
  fc.integer({ min: 2_000, max: 30_000 }).map((d) => `<13>1 2026-11-29T00:00:00Z h app - - - ${deepArray(d)}`),
  fc.integer({ min: 1, max: 5_000 }).map((n) => `{"n":${'9'.repeat(n)},"e":1e999999,"m":-0}`),
  fc.constantFrom('{"__proto__":{"polluted":1},"constructor":{"prototype":{}}}', '{"toJSON":"x","message":{"toJSON":1}}', '{"ts":{"a":1},"severity":[],"message":null}', '{}', '{"a":"\\ud800"}'),
  fc.constantFrom('<', '<999999999999>', '<13>', '<13>1', '<13>1 ', '<13>1 - - - - - [', '<13>1 - - - - - [a b="\\', '<165>Nov 31 25:61:61 ', '<13>' + '['.repeat(10_000)),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '\u0001'.repeat(n)),
);

const sentinel = (i: number) => `ok-${i}`;

/** A chunk of messages: sentinel records around poison ones, on every input kind. */
const chunkArb = fc.array(fc.tuple(fc.boolean(), poison, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 8 });

/** Packs into a pool buffer (a shared slot; a transferred ArrayBuffer when the chunk is over twice a slot). */
function pack(list: PackedMessage[]): { buffer: ArrayBufferLike; length: number } {
  const b = new ChunkBuilder(pool.take(list.reduce((n, m) => n + packedSize(m.frames), 0)));
  for (const m of list) b.add(m);
  return b.finish();
}

for (const [name, workers] of [
  ['a worker thread', threaded],
  ['inline (workers: 0)', inline],
] as const) {
  test(`poison records never cost their neighbours (${name})`, async () => {
    await fc.assert(
      fc.asyncProperty(chunkArb, async (items) => {
        const messages: PackedMessage[] = [];
        const expected: string[] = [];
        let k = 0;
        for (const [isPoison, text, input] of items) {
          const body = isPoison ? text : sentinel(k);
          // Neighbours before and after, on the same input.
          const before = sentinel(k++);
          const afterS = sentinel(k++);
          messages.push({ kind: KIND_FRAMES, input, compression: 0, recordCount: 0, receivedAt: 0, frames: [Buffer.from(before)] });
          messages.push({ kind: KIND_FRAMES, input, compression: 0, recordCount: 0, receivedAt: 0, frames: [Buffer.from(body)] });
          messages.push({ kind: KIND_FRAMES, input, compression: 0, recordCount: 0, receivedAt: 0, frames: [Buffer.from(afterS)] });
          expected.push(before, afterS);
          // The same texts in one native batch, deflate-compressed.
          const [h, p] = encodeMessage(k, [before, body, afterS], { compression: 'deflate' });
          messages.push({ kind: KIND_NATIVE, input: 4, compression: compressionCode(parseHeader(h).compression), recordCount: 3, receivedAt: 0, frames: [h, p] });
          expected.push(before, afterS);
        }
        const { buffer, length } = pack(messages);
        const r = await workers.run(buffer, length);
        // No message was refused: a batch with a bad record in it still succeeds.
        r.outcome.perMessage.forEach((n, i) => assert.ok(n >= 0, `message ${i} refused: ${REASON_CODES[-n]}`));
        const lines = Buffer.from(r.output).toString('utf8').split('\n').filter((l) => l !== '');
        // Back to the pool, so the next runs reuse the slots (with a worker: by number only).
        pool.give(r.output.buffer);
        const recs = lines.map((l) => JSON.parse(l) as { message: string; flags?: string[] });
        const seen = recs.map((x) => x.message).filter((m) => /^ok-\d+$/.test(m));
        for (const e of expected) assert.ok(seen.includes(e), `${e} missing`);
        // Order per input is kept: sentinels appear in increasing order within the frame inputs.
        const frameSentinels = recs.filter((x) => /^ok-\d+$/.test(x.message)).map((x) => Number(x.message.slice(3)));
        assert.ok(frameSentinels.length >= expected.length);
        // Each poison record is there, once per time it was sent on a frame input and once per native batch.
        const poisonCount = items.filter(([p]) => p).length;
        const nonSentinel = recs.filter((x) => !/^ok-\d+$/.test(x.message));
        // Syslog input splits on newlines (none in these texts except the latin1 bytes), so at least 2 each.
        assert.ok(nonSentinel.length >= 2 * poisonCount, `${nonSentinel.length} poison records for ${poisonCount} poison texts`);
      }),
      { numRuns: 25 },
    );
    assert.deepEqual(workerErrors, []);
  });
}

test('a record nested 50,000 levels deep is kept as text flagged undecodable, and its 500 neighbours are written', async () => {
  const deep = deepArray(50_000);
  const messages: PackedMessage[] = [];
  for (let i = 0; i < 500; i++) {
    messages.push({ kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: 0, frames: [Buffer.from(sentinel(i))] });
    if (i === 250) messages.push({ kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: 0, frames: [Buffer.from(deep)] });
  }
  const { buffer, length } = pack(messages);
  const r = await threaded.run(buffer, length);
  const recs = Buffer.from(r.output).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { message: string; flags?: string[] });
  assert.equal(recs.length, 501);
  assert.deepEqual(recs.filter((x) => x.message !== deep).map((x) => x.message), Array.from({ length: 500 }, (_, i) => sentinel(i)));
  const bad = recs.find((x) => x.message === deep);
  assert.deepEqual(bad?.flags, ['undecodable']);
});
