import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeMessage } from '../protocol/message.js';
import { ChunkBuilder, FLAG_JSON_PLAIN, KIND_FRAMES, KIND_NATIVE, packedSize } from './chunk.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { createProcessor } from './processor-factory.js';
import type { ProcessorInput } from './processor.js';

const inputs: ProcessorInput[] = [
  { id: 'pull', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'lines', type: 'zmq-pull', format: 'auto', framing: 'lines', topicFrame: false, topics: [''] },
  { id: 'text', type: 'zmq-pull', format: 'text', framing: 'message', topicFrame: false, topics: [''] },
  { id: 'native', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  { id: 'sub', type: 'zmq-sub', format: 'auto', framing: 'frame', topicFrame: true, topics: [''] },
];
const processor = createProcessor({ inputs, maxRecordBytes: 64, maxDecompressedBytes: 1 << 20, hostname: 'test-host' });
const T = Date.UTC(2026, 10, 27, 1, 2, 3, 456);

function run(messages: { input: number; frames: Uint8Array[]; kind?: number; recordCount?: number; flags?: number; sender?: string; routingId?: string }[]) {
  const packed = messages.map((m) => ({ kind: m.kind ?? KIND_FRAMES, input: m.input, compression: 0, flags: m.flags, sender: m.sender, routingId: m.routingId, recordCount: m.recordCount ?? 0, receivedAt: T, frames: m.frames }));
  const size = packed.reduce((n, m) => n + packedSize(m.frames, m.sender, m.routingId), 0);
  const b = new ChunkBuilder(new ArrayBuffer(size));
  for (const m of packed) b.add(m);
  const { buffer, length } = b.finish();
  const out = new NdjsonWriter(new ArrayBuffer(16)); // tiny on purpose: growth must work
  const outcome = processor.process(buffer, length, out);
  const text = Buffer.from(out.take()).toString('utf8');
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { outcome, lines, text };
}

test('plain text takes the byte-level path and round-trips any Unicode, control characters and quotes', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), (s) => {
      fc.pre(!s.startsWith('{') && !s.startsWith('<') && !/[\ud800-\udfff]/.test(s));
      const expected = s.replace(/\r?\n$/, '');
      fc.pre(expected.length > 0);
      const { lines, outcome } = run([{ input: 0, frames: [Buffer.from(s)] }]);
      assert.equal(outcome.records, 1);
      assert.deepEqual(lines[0], { ts: '2026-11-27T01:02:03.456Z', input: 'pull', host: 'test-host', message: expected });
    }),
    { numRuns: 500 },
  );
});

test('frames flagged JSON-plain (by the native receive thread) are written exactly as the unflagged scan writes them', () => {
  const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7f }).filter((c) => c !== 0x22 && c !== 0x5c).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 80 });
  // The thread also flags valid UTF-8 beyond ASCII (any code point, encoded by Buffer.from) without escapes.
  const unicode = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((t) => !/[\u0000-\u001f"\\]/.test(t));
  const printable = fc.oneof(ascii, unicode);
  fc.assert(
    fc.property(fc.array(printable, { minLength: 1, maxLength: 4 }), fc.constantFrom(0, 1, 2, 4), fc.option(fc.string(), { nil: undefined }), (texts, input, sender) => {
      const frames = texts.map((t) => Buffer.from(t));
      const scanned = run([{ input, frames, sender }]);
      const flagged = run([{ input, frames, sender, flags: FLAG_JSON_PLAIN }]);
      assert.equal(flagged.text, scanned.text);
      assert.deepEqual(flagged.outcome, scanned.outcome);
    }),
  );
});

test('sender and routing id travel with their message and do not shift the next one in the chunk', () => {
  const { lines } = run([
    { input: 0, frames: [Buffer.from('one')], sender: 'k1', routingId: 'r1' },
    { input: 0, frames: [Buffer.from('two')], routingId: 'r2', flags: FLAG_JSON_PLAIN },
    { input: 0, frames: [Buffer.from('three')] },
  ]);
  assert.deepEqual(
    lines.map((l) => [l.message, l.clientKey, l.routingId]),
    [
      ['one', 'k1', 'r1'],
      ['two', undefined, 'r2'],
      ['three', undefined, undefined],
    ],
  );
});

test('NUL bytes and embedded newlines stay in the message', () => {
  const { lines } = run([{ input: 0, frames: [Buffer.from('a\u0000b\nc')] }]);
  assert.equal(lines[0].message, 'a\u0000b\nc');
});

test('a short first frame is a topic; syslog text is parsed', () => {
  const { lines } = run([{ input: 4, frames: [Buffer.from('audit'), Buffer.from('<131>Nov 27 01:45:32 vm kit-uxsock: error line')] }]);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].topic, 'audit');
  assert.equal(lines[0].severity, 'err');
  assert.equal(lines[0].facility, 'local0');
  assert.equal(lines[0].app, 'kit-uxsock');
  assert.equal(lines[0].message, 'error line');
});

test('a PUBHandler topic frame gives the level; on a SUB input a first frame with a space is still the topic', () => {
  const { lines } = run([
    { input: 4, frames: [Buffer.from('ERROR.db'), Buffer.from('ERROR app.py:2 - query "x" failed - None\n')] },
    { input: 4, frames: [Buffer.from('INFO.a b'), Buffer.from('text\n')] },
    { input: 0, frames: [Buffer.from('first record'), Buffer.from('second')] },
  ]);
  assert.equal(lines[0].topic, 'ERROR.db');
  assert.equal(lines[0].severity, 'err');
  assert.match(String(lines[0].message), /query "x" failed/);
  assert.deepEqual([lines[1].topic, lines[1].severity, lines[1].message], ['INFO.a b', 'info', 'text']);
  assert.deepEqual(lines.slice(2).map((l) => [l.topic, l.message]), [[undefined, 'first record'], [undefined, 'second']]);
});

test('every frame of a multipart message is a record; empty frames are discarded and counted', () => {
  const { lines, outcome } = run([{ input: 0, frames: [Buffer.from('one'), Buffer.alloc(0), Buffer.from('two'), Buffer.from('three')] }]);
  assert.deepEqual(lines.map((l) => l.message), ['one', 'two', 'three']);
  assert.equal(outcome.discards['0:empty'], 1);
});

test('lines framing splits a frame on newlines, drops CR before LF, counts empty lines', () => {
  const { lines, outcome } = run([{ input: 1, frames: [Buffer.from('{"msg":"a","level":"error"}\r\n\n{"msg":"b"}\nplain\r\n')] }]);
  assert.deepEqual(lines.map((l) => [l.message, l.severity]), [['a', 'err'], ['b', undefined], ['plain', undefined]]);
  assert.equal(outcome.discards['1:empty'], 1);
});

test('message framing joins frames into one record', () => {
  const { lines } = run([{ input: 2, frames: [Buffer.from('part1 '), Buffer.from('part2')] }]);
  assert.deepEqual(lines.map((l) => l.message), ['part1 part2']);
});

test('invalid UTF-8 is replaced and flagged, never dropped', () => {
  const { lines } = run([{ input: 0, frames: [Buffer.from([0x61, 0xff, 0x62])] }]);
  assert.equal(lines[0].message, 'a\uFFFDb');
  assert.deepEqual(lines[0].flags, ['invalid_utf8']);
});

test('records longer than maxRecordBytes are cut at a character boundary and flagged', () => {
  const long = 'ä'.repeat(100); // 200 bytes
  const { lines } = run([{ input: 0, frames: [Buffer.from(long)] }]);
  const msg = lines[0].message as string;
  assert.ok(Buffer.byteLength(msg) <= 64);
  assert.equal(msg, 'ä'.repeat(32));
  assert.ok((lines[0].flags as string[]).includes('truncated'));
});

test('native payloads are opened and each record written; a bad one is rejected whole with its reason', () => {
  const good = encodeMessage(1n, ['r1', 'r2', '<14>Nov 27 01:45:32 vm app: r3'], { compression: 'gzip' });
  const bad = encodeMessage(2n, ['x', 'y'], { compression: 'none' });
  // Corrupt the record framing after the CRC check (as a worker would see a lying-but-consistent sender).
  bad[1].writeUInt32BE(1000, 0);
  const { lines, outcome } = run([
    { input: 3, kind: KIND_NATIVE, recordCount: 3, frames: good },
    { input: 3, kind: KIND_NATIVE, recordCount: 2, frames: bad },
    { input: 3, kind: KIND_NATIVE, recordCount: 3, frames: good },
  ]);
  assert.deepEqual([...outcome.perMessage.slice(0, 1)], [3]);
  assert.equal(outcome.accepted, 6, 'accepted sums the positive entries');
  assert.ok(outcome.perMessage[1] < 0, 'the malformed message is rejected');
  assert.equal(outcome.perMessage[2], 3);
  assert.deepEqual(lines.map((l) => l.message), ['r1', 'r2', 'r3', 'r1', 'r2', 'r3']);
  // One message was rejected; the 2 its header claims is the sender's word, which could be any number.
  assert.equal(outcome.discards['3:malformed'], 1);
});

test('native payloads flagged JSON-plain (by the ROUTER receive thread) are written exactly as the unflagged scan writes them', () => {
  const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7f }).filter((c) => c !== 0x22 && c !== 0x5c).map((c) => String.fromCharCode(c)), minLength: 0, maxLength: 80 });
  const unicode = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((t) => !/[\u0000-\u001f"\\]/.test(t));
  fc.assert(
    fc.property(fc.array(fc.oneof(ascii, unicode), { minLength: 1, maxLength: 5 }), (texts) => {
      const frames = encodeMessage(1n, texts, { compression: 'none' });
      const scanned = run([{ input: 3, kind: KIND_NATIVE, recordCount: texts.length, frames }]);
      const flagged = run([{ input: 3, kind: KIND_NATIVE, recordCount: texts.length, frames, flags: FLAG_JSON_PLAIN }]);
      assert.equal(flagged.text, scanned.text);
      assert.deepEqual(flagged.outcome, scanned.outcome);
    }),
  );
});
