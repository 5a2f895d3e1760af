import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NdjsonWriter } from './ndjson-writer.js';

// Escaped output between quotes must parse back to exactly the text, whatever mix of plain runs and escapes.
function escaped(bytes: Uint8Array, start = 0, end = bytes.length, initial = 64): { ok: boolean; body: string } {
  const w = new NdjsonWriter(new ArrayBuffer(initial));
  const ok = w.escapedBytes(bytes, start, end);
  return { ok, body: Buffer.from(w.take()).toString('utf8') };
}

test('escapedBytes round-trips any valid UTF-8 text through JSON.parse', () => {
  // Long plain runs, quotes, backslashes and control characters in between, multi-byte characters.
  const piece = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('"', '\\', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', 'ä', '€', '😀'), fc.string({ unit: 'grapheme', maxLength: 5 }));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
      const text = parts.join('');
      const { ok, body } = escaped(Buffer.from(text, 'utf8'));
      assert.equal(ok, true);
      assert.equal(JSON.parse(`"${body}"`), text);
    }),
  );
});

test('escapedBytes writes only the slice it is given, in a buffer it has to grow (short and long records)', () => {
  for (const n of [100, 1000]) {
    const src = Buffer.from('xx' + 'a'.repeat(n) + '"q"\n' + 'b'.repeat(n / 2) + '\u0001' + 'yy');
    const { ok, body } = escaped(src, 2, src.length - 2, 16);
    assert.equal(ok, true);
    assert.equal(body, 'a'.repeat(n) + '\\"q\\"\\n' + 'b'.repeat(n / 2) + '\\u0001');
  }
});

test('escapedBytes refuses invalid UTF-8 and leaves the writer where it was', () => {
  const w = new NdjsonWriter(new ArrayBuffer(64));
  w.raw(Buffer.from('{'));
  assert.equal(w.escapedBytes(Buffer.from([0x61, 0x62, 0xff, 0x63]), 0, 4), false);
  assert.equal(w.escapedBytes(Buffer.from([0x61, 0xc3]), 0, 2), false);
  assert.equal(Buffer.from(w.take()).toString(), '{');
});
