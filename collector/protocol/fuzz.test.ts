// Bounded fuzz run over the server-side decode path (checkMessage + openPayload): random frames, mutated valid
// messages and hand-made hostile ones. The only acceptable outcomes are records or a ProtocolError; bounded by
// an iteration count and a wall-clock budget so it never dominates the test run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ProtocolError } from '../errors.js';
import { compress } from './compression.js';
import { encodeHeader, type Compression } from './header.js';
import { checkMessage, encodeMessage, openPayload } from './message.js';
import { packRecords } from './payload.js';

const limits = { maxMessageBytes: 256 * 1024, maxBatchRecords: 10_000, maxDecompressedBytes: 1 << 20, maxRecordBytes: 4096 };
const ITERATIONS = 20_000;
const BUDGET_MS = 4_000;

/** Small deterministic PRNG (mulberry32) so a failure is reproducible from the printed seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = 'ok' | string;

function attempt(frames: Buffer[]): Outcome {
  try {
    const { header, payload } = checkMessage(frames, limits);
    const batch = openPayload(header, payload, limits);
    for (const r of batch) if (r.length > limits.maxRecordBytes) throw new Error('record over the limit escaped');
    return 'ok';
  } catch (err) {
    if (err instanceof ProtocolError) return err.reason;
    throw err;
  }
}

function hostile(): [string, Buffer[], string][] {
  const raw = packRecords(['a', 'b']);
  const h = (c: Compression, body: Buffer, count: number, len: number, version = 1) => {
    const b = encodeHeader({ seq: 1n, recordCount: count, crc: zlib.crc32(body), uncompressedLength: len, compression: c });
    b[2] = version;
    return b;
  };
  const gzBomb = compress(Buffer.alloc(64 << 20), 'gzip');
  const brBomb = compress(Buffer.alloc(64 << 20), 'brotli');
  const invalidUtf8 = packRecords([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from([0, 0, 0])]);
  return [
    ['no frames', [], 'malformed'],
    ['empty frames', [Buffer.alloc(0), Buffer.alloc(0)], 'malformed'],
    ['truncated header', [encodeMessage(1, ['x'])[0].subarray(0, 27), packRecords(['x'])], 'malformed'],
    ['wrong version', [h('none', raw, 2, raw.length, 200), raw], 'version'],
    ['bad crc', [encodeMessage(1, ['x'], { compression: 'none' })[0], packRecords(['y'])], 'checksum'],
    ['oversize', [h('none', raw, 2, raw.length), Buffer.alloc(limits.maxMessageBytes)], 'too_large'],
    ['gzip bomb, honest length', [h('gzip', gzBomb, 1, 64 << 20), gzBomb], 'too_large'],
    ['gzip bomb, lying length', [h('gzip', gzBomb, 1, 1000), gzBomb], 'too_large'],
    ['brotli bomb, lying length', [h('brotli', brBomb, 1, 1 << 20), brBomb], 'too_large'],
    ['invalid UTF-8 and NUL bytes are data, not errors', [h('none', invalidUtf8, 2, invalidUtf8.length), invalidUtf8], 'ok'],
    ['record count too high', [h('none', raw, 3, raw.length), raw], 'malformed'],
  ];
}

test('hostile messages get the expected outcome', { timeout: 30_000 }, () => {
  for (const [name, frames, expected] of hostile()) assert.equal(attempt(frames), expected, name);
});

test(`bounded fuzz: ${ITERATIONS} random and mutated messages, ${BUDGET_MS} ms at most`, { timeout: 60_000 }, () => {
  const seed = Date.now() >>> 0;
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const kinds = ['none', 'gzip', 'deflate', 'brotli'] as const;
  const seeds = kinds.map((c) => encodeMessage(3, ['{"msg":"hello"}', 'plain', '', 'x'.repeat(300)], { compression: c }));
  const start = Date.now();
  const counts = new Map<string, number>();
  let i = 0;
  for (; i < ITERATIONS && Date.now() - start < BUDGET_MS; i++) {
    let frames: Buffer[];
    const mode = int(4);
    if (mode === 0) {
      // Pure noise, sometimes behind a valid magic and version so it gets past the first checks.
      frames = Array.from({ length: int(4) }, () => bytes(int(40)));
      if (frames[0] && frames[0].length >= 3 && rand() < 0.7) frames[0].write('ZL\x01', 0, 'latin1');
    } else {
      const base = seeds[int(seeds.length)];
      frames = [Buffer.from(base[0]), Buffer.from(base[1])];
      const edits = 1 + int(4);
      for (let e = 0; e < edits; e++) {
        const f = int(2);
        const fr = frames[f];
        const op = int(4);
        if (op === 0 && fr.length > 0) fr[int(fr.length)] = int(256);
        else if (op === 1) frames[f] = fr.subarray(0, int(fr.length + 1));
        else if (op === 2) frames[f] = Buffer.concat([fr, bytes(1 + int(8))]);
        else if (fr.length > 0) fr[int(fr.length)] ^= 1 << int(8);
      }
      // Half the time fix up the CRC so corruption reaches the decompressor and the record splitter.
      if (mode === 3 && frames[0].length >= 24) frames[0].writeUInt32BE(zlib.crc32(frames[1]), 20);
    }
    let outcome: Outcome;
    try {
      outcome = attempt(frames);
    } catch (err) {
      assert.fail(`seed ${seed} iteration ${i}: non-protocol error ${String(err)} for ${frames.map((f) => f.toString('hex')).join(' | ')}`);
    }
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  }
  assert.ok(i > 100, 'ran a meaningful number of iterations');
  assert.ok((counts.get('malformed') ?? 0) > 0 && (counts.get('checksum') ?? 0) > 0, JSON.stringify([...counts]));
});
