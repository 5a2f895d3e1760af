import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import { AUTO_COMPRESS_THRESHOLD, compress, compressAuto, decompress } from './compression.js';
import type { Compression } from './header.js';

const kinds: Compression[] = ['none', 'gzip', 'deflate', 'brotli'];
const text = Buffer.from('2026-11-27T02:00:00Z info app[12]: request served in 3 ms\n'.repeat(200));

test('every compression round-trips', () => {
  for (const k of kinds) {
    const c = compress(text, k);
    if (k !== 'none') assert.ok(c.length < text.length / 5, `${k} compresses log text`);
    assert.deepEqual(decompress(c, k, text.length), text);
  }
  for (const k of kinds) assert.equal(decompress(compress(Buffer.alloc(0), k), k, 0).length, 0);
});

test('auto compresses only above the threshold and only when it helps', () => {
  assert.equal(compressAuto(text.subarray(0, AUTO_COMPRESS_THRESHOLD - 1), 'auto').compression, 'none');
  assert.notEqual(compressAuto(text, 'auto').compression, 'none');
  assert.equal(compressAuto(randomBytes(64 * 1024), 'auto').compression, 'none');
  assert.equal(compressAuto(text.subarray(0, 10), 'brotli').compression, 'brotli');
});

test('decompression stops at the limit: bombs are too_large', () => {
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  for (const k of ['gzip', 'deflate', 'brotli'] as const) {
    const bomb = compress(zeros, k);
    assert.ok(bomb.length < 200_000, `${k} bomb is small (${bomb.length})`);
    assert.throws(
      () => decompress(bomb, k, 1024 * 1024),
      (e: unknown) => e instanceof ProtocolError && e.reason === 'too_large' && /more than 1048576/.test(e.message),
    );
  }
  assert.throws(() => decompress(Buffer.alloc(10), 'none', 9), (e: unknown) => e instanceof ProtocolError && e.reason === 'too_large');
});

test('corrupt streams are malformed', () => {
  for (const k of ['gzip', 'deflate', 'brotli'] as const) {
    const c = compress(text, k);
    assert.throws(
      () => decompress(c.subarray(0, c.length >> 1), k, text.length),
      (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed' && e.message.startsWith(k),
    );
    assert.throws(() => decompress(Buffer.from('not compressed at all'), k, 1000), (e: unknown) => e instanceof ProtocolError);
  }
});
