import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../errors.js';
import { HEADER_BYTES, encodeHeader, parseHeader, peekSequence } from './header.js';

const fields = { seq: 0x0102030405060708n, recordCount: 3, crc: 0xdeadbeef, uncompressedLength: 99, compression: 'gzip' as const };

function rejects(frame: Uint8Array, reason: string, pattern: RegExp): void {
  assert.throws(
    () => parseHeader(frame),
    (err: unknown) => err instanceof ProtocolError && err.reason === reason && pattern.test(err.message),
  );
}

test('header encodes the documented byte layout', () => {
  const b = encodeHeader({ ...fields, noAck: true });
  assert.equal(b.length, HEADER_BYTES);
  assert.equal(b.toString('hex'), '5a4c0101' + '01000000' + '0102030405060708' + '00000003' + 'deadbeef' + '00000063');
});

test('header round-trips', () => {
  const h = parseHeader(encodeHeader(fields));
  assert.deepEqual(h, { version: 1, flags: 0, noAck: false, compression: 'gzip', seq: fields.seq, recordCount: 3, crc: 0xdeadbeef, uncompressedLength: 99 });
  assert.equal(parseHeader(encodeHeader({ ...fields, seq: 0xffffffffffffffffn })).seq, 0xffffffffffffffffn);
});

test('header parses from a subarray of a larger buffer', () => {
  const big = Buffer.concat([Buffer.from('xxxxx'), encodeHeader(fields)]);
  assert.equal(parseHeader(big.subarray(5)).seq, fields.seq);
});

test('header rejects bad input with a reason and a message naming the problem', () => {
  const good = encodeHeader(fields);
  rejects(Buffer.alloc(0), 'malformed', /0 bytes/);
  rejects(Buffer.from('ZLX'.slice(0, 2)), 'malformed', /2 bytes/);
  rejects(Buffer.from('XL\x01'), 'malformed', /magic/);
  const v7 = Buffer.from(good);
  v7[2] = 7;
  rejects(v7, 'version', /unsupported version 7; this server speaks 1/);
  rejects(good.subarray(0, 20), 'malformed', /20 bytes/);
  rejects(Buffer.concat([good, Buffer.alloc(1)]), 'malformed', /29 bytes/);
  const flags = Buffer.from(good);
  flags[3] = 0x82;
  rejects(flags, 'malformed', /flags 0x82/);
  const comp = Buffer.from(good);
  comp[4] = 9;
  rejects(comp, 'malformed', /compression code 9/);
  const res = Buffer.from(good);
  res[6] = 1;
  rejects(res, 'malformed', /reserved/);
});

test('encodeHeader refuses out-of-range fields', () => {
  assert.throws(() => encodeHeader({ ...fields, seq: -1n }), RangeError);
  assert.throws(() => encodeHeader({ ...fields, seq: 1n << 64n }), RangeError);
  assert.throws(() => encodeHeader({ ...fields, recordCount: 2 ** 32 }), RangeError);
  assert.throws(() => encodeHeader({ ...fields, recordCount: 1.5 }), RangeError);
});

test('peekSequence reads the seq of any version and 0 when there is none', () => {
  const v9 = encodeHeader({ ...fields, seq: 42n });
  v9[2] = 9;
  assert.equal(peekSequence(v9.subarray(0, 16)), 42n);
  assert.equal(peekSequence(v9.subarray(0, 15)), 0n);
  assert.equal(peekSequence(Buffer.from('nonsense-nonsense')), 0n);
  assert.equal(peekSequence(undefined), 0n);
});
