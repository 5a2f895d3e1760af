import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkBuilder, KIND_FRAMES, packedSize } from '../../pipeline/chunk.js';
import { createProcessor, runChunk } from '../../pipeline/processor-factory.js';
import type { ProcessorInput } from '../../pipeline/processor.js';
import type { RouteTable } from '../../routing/match.js';
import { bulkBody } from '../elasticsearch/bulk.js';
import { pushBody } from '../loki/push.js';
import { splitLines } from './batch.js';
import { appendBodyPart, bodyPart, joinBodyParts, type WorkerBodySpec } from './worker-body.js';
import { NdjsonWriter } from '../../pipeline/ndjson-writer.js';
import { loadNativeReceive } from '../../inputs/zmq/native-receive.js';

const enc = (s: string) => new TextEncoder().encode(s);
const bulk: WorkerBodySpec = { kind: 'bulk', action: 'create', index: 'zlog' };
const loki: WorkerBodySpec = { kind: 'loki', labels: ['input', 'host', 'app'], staticLabels: { job: 'zlog' } };
type Push = { streams: { stream: Record<string, string>; values: [string, string][] }[] };

/** Per stream (its labels as JSON), its entries in order: what a store takes from a push body. */
function entriesByStream(body: Uint8Array): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  for (const s of (JSON.parse(Buffer.from(body).toString('utf8')) as Push).streams) {
    const key = JSON.stringify(s.stream);
    out.set(key, [...(out.get(key) ?? []), ...s.values]);
  }
  return out;
}

test('property: body parts joined are the body of all their records (bulk: the same bytes; loki: the same entries per stream, in order)', () => {
  const rec = fc.record({
    message: fc.string({ maxLength: 20 }),
    host: fc.constantFrom('h1', 'h2', ''),
    app: fc.option(fc.constantFrom('web', 'db'), { nil: undefined }),
    // Valid times only: an unparseable one is "now", which differs between two builds of the body.
    ts: fc.constantFrom('2026-11-30T10:00:00.000Z', '2026-11-30T10:00:00.001Z', '2026-11-30T10:00:00.001500Z'),
  });
  fc.assert(
    fc.property(fc.array(fc.array(rec, { maxLength: 6 }), { maxLength: 5 }), (groups) => {
      const parts = groups.map((g) => g.map((r) => enc(JSON.stringify({ ...r, input: 'native' }))));
      const all = parts.flat();
      assert.deepEqual(Buffer.from(joinBodyParts(bulk, parts.map((p) => bodyPart(bulk, p)))), bulkBody(all, 'create', 'zlog'));
      const joined = joinBodyParts(loki, parts.map((p) => bodyPart(loki, p)));
      assert.deepEqual(entriesByStream(joined), entriesByStream(pushBody(all, ['input', 'host', 'app'], { job: 'zlog' })));
    }),
    { numRuns: 300 },
  );
});

test('runChunk: each sink with a body spec gets the part of exactly the lines routing gave it, after the untouched NDJSON', () => {
  const inputs: ProcessorInput[] = [
    { id: 'apps', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
    { id: 'audit', type: 'zmq-pull', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] },
  ];
  const routes: RouteTable = { sinks: [{ inputs: ['apps'] }, { inputs: ['audit'] }, undefined], drop: [], unmatched: 'first' };
  const messages = [
    { input: 0, records: ['plain one', '{"message":"j1","app":"web"}'] },
    { input: 1, records: ['audit "quoted"', '{"message":"a2","app":"db","host":"h9"}'] },
    { input: 0, records: ['plain three'] },
  ];
  const run = (bodies?: (WorkerBodySpec | null)[]) => {
    const processor = createProcessor({ inputs, maxRecordBytes: 4096, maxDecompressedBytes: 1 << 20, hostname: 'node-a', routes, bodies });
    const packed = messages.map((m) => ({ kind: KIND_FRAMES, input: m.input, compression: 0, recordCount: 0, receivedAt: Date.UTC(2026, 10, 30), frames: m.records.map((r) => Buffer.from(r)) }));
    const b = new ChunkBuilder(new ArrayBuffer(packed.reduce((n, m) => n + packedSize(m.frames), 0)));
    for (const m of packed) b.add(m);
    const { buffer, length } = b.finish();
    // A small output buffer: the parts make it grow, which must not move what the offsets point at.
    const r = runChunk(processor, buffer, length, new ArrayBuffer(64), bodies);
    return { ...r, bytes: new Uint8Array(r.output, 0, r.outputLength) };
  };
  const plain = run();
  assert.equal(plain.outcome.bodies, undefined, 'no spec, no parts');
  const specs = [bulk, loki, null];
  const withParts = run(specs);
  const built = withParts.outcome.bodies;
  assert.ok(built);
  assert.deepEqual(Buffer.from(withParts.bytes.subarray(0, built.ndjsonBytes)), Buffer.from(plain.bytes), 'the NDJSON is the same');
  const ranges = withParts.outcome.routes!.ranges;
  for (let s = 0; s < specs.length; s++) {
    const [start, end, records] = built.parts.subarray(s * 3, s * 3 + 3);
    const spec = specs[s];
    if (!spec) {
      assert.equal(start, -1, `sink ${s} has no spec: no part`);
      continue;
    }
    const lines = splitLines(Array.from({ length: ranges[s].length / 2 }, (_, i) => withParts.bytes.subarray(ranges[s][2 * i], ranges[s][2 * i + 1])));
    assert.equal(records, lines.length);
    assert.deepEqual(Buffer.from(withParts.bytes.subarray(start, end)), Buffer.from(bodyPart(spec, lines)), `sink ${s}: the part of its own lines`);
  }
  // Sink 0 (bulk) took the apps records, sink 1 (loki) the audit ones.
  const bulkText = Buffer.from(withParts.bytes.subarray(built.parts[0], built.parts[1])).toString();
  assert.deepEqual(bulkText.split('\n').filter((_, i) => i % 2 === 1 && _ !== '').map((l) => (JSON.parse(l) as { message: string }).message), ['plain one', 'j1', 'plain three']);
  const lokiBody = joinBodyParts(loki, [withParts.bytes.subarray(built.parts[3], built.parts[4])]);
  const streams = entriesByStream(lokiBody);
  assert.deepEqual([...streams.keys()], ['{"job":"zlog","input":"audit","host":"node-a"}', '{"job":"zlog","input":"audit","host":"h9","app":"db"}']);
  assert.deepEqual([...streams.values()].flat().map(([, line]) => (JSON.parse(line) as { message: string }).message), ['audit "quoted"', 'a2']);
});

test('property: a bulk part written by the addon is byte for byte the JavaScript one (lines at any offset, empty lines, no last newline, several ranges, shared or plain memory, a buffer that must grow)', () => {
  const addon = loadNativeReceive();
  assert.ok(!(addon instanceof Error) && typeof (addon as unknown as { bulkLines?: unknown }).bulkLines === 'function', 'the addon has bulkLines (bash scripts/build-native.sh)');
  const line = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant('')).map((l) => l.replaceAll('\n', ' '));
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 30 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.nat({ max: 400 }),
      fc.boolean(),
      fc.constantFrom('create', 'index') as fc.Arbitrary<'create' | 'index'>,
      (lines, lastNewline, cuts, room, shared, action) => {
        const text = Buffer.from(lines.join('\n') + (lastNewline && lines.length ? '\n' : ''));
        // Ranges: consecutive pieces of the text cut anywhere (inside a line too, as routing's ranges never are,
        // but the writer must not care), each kept or left out.
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...at, text.length];
        const ranges: number[] = [];
        for (let i = 0; i + 1 < bounds.length; i++) if (i % 3 !== 1) ranges.push(bounds[i], bounds[i + 1]);
        const write = (native: boolean) => {
          const w = new NdjsonWriter(shared ? new SharedArrayBuffer(text.length + room) : new ArrayBuffer(text.length + room));
          w.raw(text);
          const records = appendBodyPart({ kind: 'bulk', action, index: 'zlog' }, w, ranges, native);
          return { records, bytes: Buffer.from(w.buf.subarray(0, w.pos)), grew: w.grew };
        };
        const js = write(false);
        const native = write(true);
        assert.equal(native.records, js.records);
        assert.deepEqual(native.bytes, js.bytes);
        assert.equal(native.grew, js.grew);
      },
    ),
    { numRuns: 500 },
  );
});

test('property: Loki and templated-index bulk parts built from plain copies of the lines (with the addon) are the JavaScript ones, also in a buffer that must grow', () => {
  const rec = fc.record({
    message: fc.string({ unit: fc.constantFrom('x', '"', '\\', '\u0001', 'é', '😀', ' '), maxLength: 40 }),
    host: fc.constantFrom('h1', 'h2'),
    app: fc.constantFrom('web', 'db'),
    ts: fc.constantFrom('2026-11-30T10:00:00.000Z', '2026-11-30T10:00:00.001Z'),
  });
  const specs: WorkerBodySpec[] = [loki, { kind: 'bulk', action: 'index', index: 'logs-{{app}}' }];
  fc.assert(
    fc.property(fc.array(rec, { minLength: 1, maxLength: 12 }), fc.nat({ max: 300 }), fc.boolean(), fc.nat(), (recs, room, shared, cut) => {
      const text = Buffer.from(recs.map((r) => JSON.stringify({ ...r, input: 'native' }) + '\n').join(''));
      // Two ranges split at a line boundary, as routing gives them.
      const nl = text.indexOf(0x0a, cut % text.length);
      const ranges = [0, nl + 1, nl + 1, text.length];
      for (const spec of specs) {
        const write = (native: boolean) => {
          const w = new NdjsonWriter(shared ? new SharedArrayBuffer(text.length + room) : new ArrayBuffer(text.length + room));
          w.raw(text);
          const records = appendBodyPart(spec, w, ranges, native);
          return { records, bytes: Buffer.from(w.buf.subarray(0, w.pos)) };
        };
        const js = write(false);
        assert.equal(js.records, recs.length);
        assert.deepEqual(write(true), js);
      }
    }),
    { numRuns: 200 },
  );
});
