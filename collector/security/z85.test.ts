import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { curveKeyPair } from 'zeromq';
import { isCurveKeyZ85, z85Decode, z85Encode } from './z85.js';

test('the RFC 32 test vector', () => {
  const bytes = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(bytes), 'HelloWorld');
  assert.deepEqual(z85Decode('HelloWorld'), bytes);
});

test('round trip of random data, and agreement with libzmq on real key pairs', () => {
  for (let i = 0; i < 200; i++) {
    const b = randomBytes(4 * (i % 12));
    assert.deepEqual(z85Decode(z85Encode(b)), b);
  }
  const pair = curveKeyPair();
  assert.equal(z85Encode(z85Decode(pair.publicKey)), pair.publicKey);
  assert.equal(z85Decode(pair.secretKey).length, 32);
  assert.ok(isCurveKeyZ85(pair.publicKey));
});

test('bad input is refused with the reason', () => {
  assert.throws(() => z85Encode(Buffer.alloc(3)), /multiples of 4 bytes, got 3/);
  assert.throws(() => z85Decode('Hell'), /multiple of 5 characters, got 4/);
  assert.throws(() => z85Decode('Hell~'), /invalid character "~" at offset 4/);
  assert.throws(() => z85Decode('#####'), /exceeds 32 bits/);
  assert.ok(!isCurveKeyZ85('x'.repeat(39)));
  assert.ok(!isCurveKeyZ85('~'.repeat(40)));
});
