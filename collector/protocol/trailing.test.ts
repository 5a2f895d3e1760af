// Issue 9: a compressed payload followed by trailing bytes is refused (zlib itself stops at the end of the
// stream and would ignore them), for every compression the protocol has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../errors.js';
import { compress, decompress } from './compression.js';

for (const kind of ['deflate', 'brotli', 'gzip'] as const) {
  test(`${kind}: trailing garbage after the stream is malformed; the stream alone decompresses`, () => {
    const body = compress(Buffer.from('hello '.repeat(100)), kind);
    assert.equal(decompress(body, kind, 1 << 20).toString(), 'hello '.repeat(100));
    // (A second gzip member is valid gzip, RFC 1952 section 2.2, and is not tested as garbage.)
    for (const tail of kind === 'gzip' ? [Buffer.from('GARBAGE')] : [Buffer.from('GARBAGE'), Buffer.from([0]), body]) {
      assert.throws(
        () => decompress(Buffer.concat([body, tail]), kind, 1 << 20),
        (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed',
      );
    }
  });
}
