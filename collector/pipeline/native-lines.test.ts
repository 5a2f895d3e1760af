import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkBuilder, FLAG_JSON_PLAIN, KIND_FRAMES, KIND_NATIVE, packedSize, type PackedMessage } from './chunk.js';
import { encodeMessage, openPayload } from '../protocol/message.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { createProcessor } from './processor-factory.js';
import { ChunkProcessor, type ProcessorInput } from './processor.js';
import { copyInto, copyOf, plainLineWriterClass, type PlainLineWriterClass } from './native-lines.js';
import { parseHeader } from '../protocol/header.js';
import { decodeRecord } from '../decode/record.js';

// Every input kind the fast path knows, and ones it must leave to JavaScript.
const inputs: ProcessorInput[] = [
  { id: 'pull', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'text "quoted"', type: 'zmq-pull', format: 'text', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'json', type: 'zmq-pull', format: 'json', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'lines', type: 'zmq-pull', format: 'auto', framing: 'lines', topicFrame: false, topics: [''] },
  { id: 'sub-any', type: 'zmq-sub', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'sub-topics', type: 'zmq-sub', format: 'text', framing: 'frame', topicFrame: false, topics: ['app'] },
  { id: 'sub-frame', type: 'zmq-sub', format: 'auto', framing: 'frame', topicFrame: true, topics: [''] },
  { id: 'message', type: 'zmq-pull', format: 'text', framing: 'message', topicFrame: false, topics: [''] },
];
const MAX_RECORD = 200;
const init = { inputs, maxRecordBytes: MAX_RECORD, maxDecompressedBytes: 1 << 20, hostname: 'host-ä' };
const js = createProcessor({ ...init, nativeLines: false });
const native = createProcessor(init);

/** A record as the native receive thread would flag it: FLAG_JSON_PLAIN exactly when it needs no escaping. */
function jsonPlain(b: Uint8Array): boolean {
  const s = Buffer.from(b).toString('utf8');
  return Buffer.from(s).equals(Buffer.from(b)) && !/[\u0000-\u001f"\\]/.test(s);
}

function pack(messages: PackedMessage[], shared: boolean): { buffer: ArrayBufferLike; length: number } {
  const size = Math.max(1, messages.reduce((n, m) => n + packedSize(m.frames, m.sender, m.routingId), 0));
  const b = new ChunkBuilder(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  for (const m of messages) b.add(m);
  return b.finish();
}

function runWith(processor: ChunkProcessor, chunk: { buffer: ArrayBufferLike; length: number }, outBytes: number, shared: boolean) {
  const out = new NdjsonWriter(shared ? new SharedArrayBuffer(outBytes) : new ArrayBuffer(outBytes));
  const outcome = processor.process(chunk.buffer, chunk.length, out);
  return { text: Buffer.from(out.take()).toString('utf8'), outcome };
}

const record = fc.oneof(
  // Plain ASCII, the common case, at the lengths around the fast path's limits.
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 0, maxLength: MAX_RECORD + 2 }),
  // Anything: escapes, control bytes, a trailing newline, '{' and '<' first, non-ASCII.
  fc.string({ unit: 'binary', minLength: 0, maxLength: 60 }),
  fc.constantFrom('{"msg":"json","level":"error"}', '<14>Nov 27 01:45:32 vm app: syslog', 'ends\n', 'ends\r\n', 'a"b', 'a\\b', 'ä'.repeat(101)),
).map((s) => new Uint8Array(Buffer.from(s)));
const bytes = fc.oneof(record, fc.uint8Array({ minLength: 1, maxLength: 40 }));

const message = fc.record({
  input: fc.integer({ min: 0, max: inputs.length - 1 }),
  frames: fc.array(bytes, { minLength: 0, maxLength: 3 }),
  // Any time Date can write with a four-digit year, and some beyond; fractions of a millisecond as NowMs() has.
  receivedAt: fc.oneof(fc.constant(Date.UTC(2026, 10, 30, 15, 0, 0, 0) + 0.75), fc.integer({ min: 0, max: 253402300799999 }), fc.double({ min: 0, max: 2.6e14, noNaN: true })),
  flag: fc.boolean(),
  sender: fc.option(fc.constantFrom('key-a', 'key "b"'), { nil: undefined, freq: 8 }),
  routingId: fc.option(fc.constantFrom('peer-1'), { nil: undefined, freq: 8 }),
  native: fc.boolean(),
  // More records for a native batch (up to 3 frames otherwise).
  more: fc.array(record, { minLength: 0, maxLength: 25 }),
  // A native batch as a ROUTER input submits it (router-input.ts): always a routing id (routingIdText: printable
  // ASCII, '"' and '\\' included, or 0x + hex), a sender now and then, and now and then something the writer
  // must leave to JavaScript: compression, a header openPayload refuses, a payload that does not split.
  batch: fc.record({
    routingId: fc.constantFrom('peer-1', 'say "hi" \\ there', '0x00ab12', ' ', '~{}'),
    sender: fc.option(fc.constantFrom('key-a', 'key "b"', 'clé'), { nil: undefined, freq: 3 }),
    compression: fc.constantFrom<('none' | 'gzip')[]>('none', 'none', 'none', 'none', 'gzip'),
    damage: fc.constantFrom<('none' | 'declared' | 'count' | 'version' | 'flags' | 'reserved' | 'tail' | 'extra-frame' | 'too-large')[]>(
      ...Array<'none'>(12).fill('none'),
      'declared',
      'count',
      'version',
      'flags',
      'reserved',
      'tail',
      'extra-frame',
      'too-large',
    ),
  }),
});

/** A native batch of `records` as the ROUTER input hands it to the pipeline, damaged as `b.damage` says. */
function nativeMessage(m: { input: number; receivedAt: number; flag: boolean; frames: Uint8Array[] }, b: { routingId: string; sender?: string; compression: 'none' | 'gzip'; damage: string }): PackedMessage {
  let [header, payload] = encodeMessage(7n, m.frames, { compression: b.compression });
  header = Buffer.from(header);
  if (b.damage === 'declared') header.writeUInt32BE(header.readUInt32BE(24) + 1, 24);
  if (b.damage === 'count') header.writeUInt32BE(header.readUInt32BE(16) + 1, 16);
  if (b.damage === 'version') header[2] = 9;
  if (b.damage === 'flags') header[3] = 4;
  if (b.damage === 'reserved') header[6] = 1;
  if (b.damage === 'too-large') header.writeUInt32BE(init.maxDecompressedBytes + 1, 24);
  if (b.damage === 'tail') payload = Buffer.concat([payload, Buffer.from([0, 0])]);
  const frames = b.damage === 'extra-frame' ? [header, payload, Buffer.from('x')] : [header, payload];
  // The receive thread's flag: set only when every record of an uncompressed payload is plain.
  const flags = m.flag && b.compression === 'none' && m.frames.every(jsonPlain) ? FLAG_JSON_PLAIN : 0;
  return { kind: KIND_NATIVE, input: m.input, compression: b.compression === 'gzip' ? 1 : 0, flags, recordCount: m.frames.length, receivedAt: m.receivedAt, frames, sender: b.sender, routingId: b.routingId };
}

test('the addon is built and has the line writer (make test builds it)', () => {
  assert.ok(plainLineWriterClass(), 'native/src/ndjson.cc PlainLines');
});

test('the native line writer writes byte for byte what JavaScript writes, whatever the chunk holds', () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 30 }), fc.constantFrom(16, 300, 1 << 16), fc.boolean(), (ms, outBytes, shared) => {
      const packed: PackedMessage[] = ms.map((m) => {
        if (m.native && m.frames.length + m.more.length > 0) return nativeMessage({ ...m, frames: [...m.frames, ...m.more] }, m.batch);
        // The thread's flag is only ever true of plain bytes; unflagged plain records are checked by the writer itself.
        const flags = m.flag && m.frames.every(jsonPlain) ? FLAG_JSON_PLAIN : 0;
        return { kind: KIND_FRAMES, input: m.input, compression: 0, flags, recordCount: 0, receivedAt: m.receivedAt, frames: m.frames, sender: m.sender, routingId: m.routingId };
      });
      const chunk = pack(packed, shared);
      const a = runWith(js, chunk, outBytes, shared);
      const b = runWith(native, chunk, outBytes, shared);
      assert.equal(b.text, a.text);
      assert.deepEqual(b.outcome, a.outcome);
    }),
    { numRuns: 400 },
  );
});

/** The native writer class, counting in `count.natively` the records it wrote itself (state[3] after each write). */
function countingWriter(): { Counting: PlainLineWriterClass; count: { natively: number } } {
  const Writer = plainLineWriterClass() as PlainLineWriterClass;
  const count = { natively: 0 };
  class Counting {
    private readonly w: InstanceType<PlainLineWriterClass>;
    constructor(...args: ConstructorParameters<PlainLineWriterClass>) {
      this.w = new Writer(...args);
    }
    write(chunk: Uint8Array, out: Uint8Array, per: Int32Array, state: Int32Array): void {
      this.w.write(chunk, out, per, state);
      count.natively += state[3];
    }
  }
  return { Counting, count };
}

test('a chunk of plain records is written by the native writer alone, JSON records by JavaScript', () => {
  const { Counting, count } = countingWriter();
  const processor = new ChunkProcessor({ inputs, limits: { maxRecordBytes: MAX_RECORD }, hostname: 'h', decode: decodeRecord, openNative: () => assert.fail('no native payloads here'), plainLines: Counting });
  const at = Date.UTC(2026, 10, 30, 15, 0, 0, 0);
  const plain = Array.from({ length: 1000 }, (_, i) => ({ kind: KIND_FRAMES, input: 0, compression: 0, flags: i % 2 ? FLAG_JSON_PLAIN : 0, recordCount: 0, receivedAt: at + i / 10, frames: [Buffer.from(`record ${i} ${'x'.repeat(i % 150)}`)] }));
  const a = runWith(processor, pack(plain, true), 1 << 20, true);
  assert.equal(count.natively, 1000);
  assert.equal(a.outcome.records, 1000);
  assert.equal(a.text.split('\n')[999], `{"ts":"${new Date(at + 99).toISOString()}","input":"pull","host":"h","message":"record 999 ${'x'.repeat(999 % 150)}"}`);
  count.natively = 0;
  const json = plain.map((m, i) => ({ ...m, flags: 0, frames: [Buffer.from(`{"n":${i}}`)] }));
  const b = runWith(processor, pack(json, true), 1 << 20, true);
  assert.equal(count.natively, 0);
  assert.equal(b.outcome.records, 1000);
});

test('ROUTER batches of plain records are written by the native writer alone, with their sender and routing id', () => {
  const { Counting, count } = countingWriter();
  const limits = { maxRecordBytes: MAX_RECORD, maxDecompressedBytes: 1 << 20 };
  const openNative = (h: Uint8Array, p: Uint8Array) => openPayload(parseHeader(h), Buffer.from(p.buffer, p.byteOffset, p.byteLength), limits);
  const router: ProcessorInput[] = [{ id: 'native', type: 'zmq-router', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] }];
  const processor = new ChunkProcessor({ inputs: router, limits, hostname: 'h', decode: decodeRecord, openNative, plainLines: Counting });
  const at = Date.UTC(2026, 10, 30, 18, 0, 0, 0);
  const batches = Array.from({ length: 20 }, (_, b) => {
    const [header, payload] = encodeMessage(b, Array.from({ length: 1000 }, (_, i) => `batch ${b} record ${i} ${'x'.repeat(i % 150)}`), { compression: 'none' });
    return { kind: KIND_NATIVE, input: 0, compression: 0, flags: b % 2 ? FLAG_JSON_PLAIN : 0, recordCount: 1000, receivedAt: at + b, frames: [header, payload], routingId: 'peer "7"', sender: b % 3 ? undefined : 'key-a' };
  });
  const a = runWith(processor, pack(batches, true), 8 << 20, true);
  assert.equal(count.natively, 20_000);
  assert.equal(a.outcome.records, 20_000);
  assert.deepEqual([...a.outcome.perMessage], Array<number>(20).fill(1000));
  const lines = a.text.split('\n');
  assert.equal(lines[999], `{"ts":"${new Date(at).toISOString()}","input":"native","host":"h","message":"batch 0 record 999 ${'x'.repeat(999 % 150)}","clientKey":"key-a","routingId":"peer \\"7\\""}`);
  assert.equal(lines[1000], `{"ts":"${new Date(at + 1).toISOString()}","input":"native","host":"h","message":"batch 1 record 0 ","routingId":"peer \\"7\\""}`);
  // One record JavaScript must write (JSON) sends its whole batch there; the others stay native.
  count.natively = 0;
  const [header, payload] = encodeMessage(99, ['plain', '{"json":true}'], { compression: 'none' });
  const mixed = [...batches.slice(0, 2), { kind: KIND_NATIVE, input: 0, compression: 0, flags: 0, recordCount: 2, receivedAt: at, frames: [header, payload], routingId: 'p' }, batches[2]];
  const b = runWith(processor, pack(mixed, true), 8 << 20, true);
  assert.equal(count.natively, 3000);
  assert.equal(b.outcome.records, 3002);
});

test('copyInto copies into a shared slot at an offset, and refuses what does not fit', () => {
  const slot = new Uint8Array(new SharedArrayBuffer(64 << 10));
  const src = Buffer.alloc(40_000, 0x5a);
  copyInto(slot, 1000, src);
  assert.equal(slot[999], 0);
  assert.equal(slot[1000], 0x5a);
  assert.equal(slot[40_999], 0x5a);
  assert.equal(slot[41_000], 0);
  assert.throws(() => copyInto(slot, slot.length - 10, src), RangeError);
  assert.throws(() => copyInto(slot, -1, src), RangeError);
});

test('copyOf copies a shared slot into plain memory', () => {
  const slot = new Uint8Array(new SharedArrayBuffer(4096));
  for (let i = 0; i < slot.length; i++) slot[i] = i * 7;
  const part = slot.subarray(100, 3000);
  const copy = copyOf(part);
  assert.ok(!(copy.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(Buffer.from(copy), Buffer.from(part.slice()));
  slot[100] = 1;
  assert.equal(copy[0], (100 * 7) & 255, 'a copy, not a view');
});
