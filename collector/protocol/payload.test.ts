import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../errors.js';
import { checkRecordFraming, packRecords, packedSize, unpackRecords } from './payload.js';

const big = { maxRecordBytes: 1 << 20 };

function malformed(pattern: RegExp) {
  return (err: unknown) => err instanceof ProtocolError && err.reason === 'malformed' && pattern.test(err.message);
}

test('packRecords writes u32 length + bytes per record, strings as UTF-8', () => {
  const p = packRecords(['hé', new Uint8Array([0, 1]), '']);
  assert.equal(p.toString('hex'), '00000003' + '68c3a9' + '00000002' + '0001' + '00000000');
  assert.equal(packedSize(['hé', new Uint8Array([0, 1]), '']), p.length);
});

test('unpackRecords round-trips and gives subarrays of the payload', () => {
  const recs = ['{"a":1}', 'plain text\nwith newline', 'nul\0byte', '', 'ünïcödé ✓'];
  const p = packRecords(recs);
  const batch = unpackRecords(p, recs.length, big);
  assert.equal(batch.count, recs.length);
  assert.deepEqual(batch.toArray().map((b) => b.toString('utf8')), recs);
  assert.deepEqual([...batch].map((b) => b.toString()), recs);
  assert.equal(batch.record(0).buffer, p.buffer, 'no copy');
  assert.equal(batch.truncatedCount, 0);
  assert.throws(() => batch.record(5), RangeError);
  assert.equal(unpackRecords(Buffer.alloc(0), 0, big).count, 0);
});

test('unpackRecords rejects lengths that do not add up', () => {
  const p = packRecords(['abc', 'de']);
  assert.throws(() => unpackRecords(p, 3, big), malformed(/record 2|at least 4/));
  assert.throws(() => unpackRecords(p, 1, big), malformed(/6 bytes left over/));
  assert.throws(() => unpackRecords(p.subarray(0, p.length - 1), 2, big), malformed(/record 1 declares 2 bytes/));
  const lie = Buffer.from(p);
  lie.writeUInt32BE(0xffffffff, 0);
  assert.throws(() => unpackRecords(lie, 2, big), malformed(/record 0 declares 4294967295/));
  assert.throws(() => unpackRecords(Buffer.alloc(4), 2, big), malformed(/declares 2 records/));
  assert.throws(() => unpackRecords(Buffer.alloc(6), 1, big), malformed(/left over/));
});

test('checkRecordFraming accepts what unpackRecords accepts and refuses what it refuses, with the same reason', () => {
  const p = packRecords(['abc', 'de', '']);
  checkRecordFraming(p, 3);
  checkRecordFraming(Buffer.alloc(0), 0);
  const lie = Buffer.from(p);
  lie.writeUInt32BE(0xffffffff, 0);
  const cases: [Uint8Array, number][] = [[p, 4], [p, 2], [p.subarray(0, p.length - 1), 3], [lie, 3], [Buffer.alloc(4), 2], [Buffer.alloc(6), 1]];
  for (const [payload, count] of cases) {
    let expected: unknown;
    try {
      unpackRecords(Buffer.from(payload), count, big);
    } catch (err) {
      expected = err;
    }
    assert.ok(expected instanceof ProtocolError, `unpackRecords refuses ${count} records in ${payload.length} bytes`);
    assert.throws(() => checkRecordFraming(payload, count), (err: unknown) => err instanceof ProtocolError && err.reason === 'malformed' && err.message === (expected as Error).message);
  }
});

test('records over maxRecordBytes are cut at a UTF-8 boundary and flagged', () => {
  const long = 'ab✓✓✓'; // 2 + 3*3 bytes
  const batch = unpackRecords(packRecords([long, 'ok']), 2, { maxRecordBytes: 6 });
  assert.equal(batch.truncatedCount, 1);
  assert.equal(batch.isTruncated(0), true);
  assert.equal(batch.isTruncated(1), false);
  assert.equal(batch.record(0).toString(), 'ab✓'); // 5 bytes: the next ✓ would not fit whole
  assert.equal(batch.sentLength(0), 11);
  assert.equal(batch.record(1).toString(), 'ok');
  const exact = unpackRecords(packRecords(['ab✓✓']), 1, { maxRecordBytes: 8 });
  assert.equal(exact.record(0).toString(), 'ab✓✓');
  assert.equal(exact.isTruncated(0), false);
});
