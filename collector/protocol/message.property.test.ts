// Property tests: whatever records and options, encode -> check -> open gives the records back; whatever single
// mutation is applied to a valid message, decoding either gives the same records or throws ProtocolError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProtocolError } from '../errors.js';
import { checkMessage, encodeMessage, openPayload } from './message.js';

const limits = { maxMessageBytes: 1 << 20, maxBatchRecords: 500, maxDecompressedBytes: 1 << 20, maxRecordBytes: 1 << 20 };

const recordArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 80 }).map((u) => Buffer.from(u)),
  fc.constantFrom(Buffer.from('{"level":"info","msg":"ok"}'), Buffer.from('a\0b\nc'), Buffer.alloc(0)),
);
const optsArb = fc.record({
  compression: fc.constantFrom('none' as const, 'gzip' as const, 'deflate' as const, 'brotli' as const, 'auto' as const),
  noAck: fc.boolean(),
});

function decode(frames: Buffer[]): Buffer[] {
  const { header, payload } = checkMessage(frames, limits);
  return openPayload(header, payload, limits).toArray();
}

test('encode -> decode round-trips', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.array(recordArb, { maxLength: 60 }), optsArb, (seq, recs, opts) => {
      const frames = encodeMessage(seq, recs, opts);
      const { header } = checkMessage(frames, limits);
      assert.equal(header.seq, seq);
      assert.equal(header.noAck, opts.noAck);
      assert.deepEqual(decode(frames), recs);
    }),
    { numRuns: 300 },
  );
});

type Mutation =
  | { kind: 'flip'; frame: 0 | 1; pos: number; bit: number }
  | { kind: 'set'; frame: 0 | 1; pos: number; value: number }
  | { kind: 'truncate'; frame: 0 | 1; keep: number }
  | { kind: 'extend'; frame: 0 | 1; extra: Uint8Array }
  | { kind: 'frames'; drop: boolean; extra: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), frame: fc.constantFrom(0 as const, 1 as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), frame: fc.constantFrom(0 as const, 1 as const), pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), frame: fc.constantFrom(0 as const, 1 as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), frame: fc.constantFrom(0 as const, 1 as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('frames' as const), drop: fc.boolean(), extra: fc.uint8Array({ maxLength: 8 }) }),
);

function mutate(frames: [Buffer, Buffer], m: Mutation): Buffer[] {
  const out = [Buffer.from(frames[0]), Buffer.from(frames[1])];
  switch (m.kind) {
    case 'flip':
    case 'set': {
      const f = out[m.frame];
      if (f.length === 0) return out;
      const pos = m.pos % f.length;
      f[pos] = m.kind === 'flip' ? f[pos] ^ (1 << m.bit) : m.value;
      return out;
    }
    case 'truncate':
      out[m.frame] = out[m.frame].subarray(0, m.keep % (out[m.frame].length + 1));
      return out;
    case 'extend':
      out[m.frame] = Buffer.concat([out[m.frame], m.extra]);
      return out;
    case 'frames':
      return m.drop ? out.slice(0, 1) : [...out, Buffer.from(m.extra)];
  }
}

test('any mutation decodes to the same records or throws ProtocolError', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 30 }), optsArb, mutationArb, (recs, opts, m) => {
      const frames = mutate(encodeMessage(77n, recs, opts), m);
      try {
        assert.deepEqual(decode(frames), recs);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
});
