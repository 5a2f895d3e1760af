import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ProtocolError, type RejectReason } from '../errors.js';
import { compress } from './compression.js';
import { encodeHeader } from './header.js';
import { checkMessage, encodeMessage, openPayload, sequenceOf } from './message.js';
import { packRecords } from './payload.js';

const limits = { maxMessageBytes: 1 << 20, maxBatchRecords: 1000, maxDecompressedBytes: 4 << 20, maxRecordBytes: 1 << 16 };

function decode(frames: Buffer[]): string[] {
  const { header, payload } = checkMessage(frames, limits);
  return openPayload(header, payload, limits).toArray().map((b) => b.toString());
}

function fails(reason: RejectReason, pattern: RegExp, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.reason === reason && pattern.test(e.message));
}

const records = Array.from({ length: 300 }, (_, i) => `{"i":${i},"msg":"hello world number ${i}"}`);

test('encodeMessage -> checkMessage -> openPayload round-trips for every compression', () => {
  for (const compression of ['none', 'gzip', 'deflate', 'brotli', 'auto'] as const) {
    const frames = encodeMessage(5n, records, { compression });
    assert.deepEqual(decode(frames), records, compression);
    assert.equal(checkMessage(frames, limits).header.seq, 5n);
  }
  const auto = encodeMessage(1, records);
  assert.equal(checkMessage(auto, limits).header.compression, 'deflate');
  const small = encodeMessage(1, ['x']);
  assert.equal(checkMessage(small, limits).header.compression, 'none');
  assert.equal(checkMessage(encodeMessage(1, ['x'], { noAck: true }), limits).header.noAck, true);
  assert.deepEqual(decode(encodeMessage(0, [])), []);
});

test('checkMessage refusals', () => {
  const [h, p] = encodeMessage(9n, records, { compression: 'none' });
  fails('malformed', /expected 2 frames.*got 1/, () => checkMessage([h], limits));
  fails('malformed', /got 3/, () => checkMessage([Buffer.alloc(0), h, p], limits));
  fails('too_large', /message is \d+ bytes; the limit is 100/, () => checkMessage([h, p], { ...limits, maxMessageBytes: 100 }));
  fails('too_large', /300 records; the limit is 10/, () => checkMessage([h, p], { ...limits, maxBatchRecords: 10 }));
  fails('too_large', /declares \d+ bytes uncompressed/, () => checkMessage([h, p], { ...limits, maxDecompressedBytes: 1024 }));
  const corrupt = Buffer.from(p);
  corrupt[100] ^= 0x20;
  fails('checksum', /CRC-32/, () => checkMessage([h, corrupt], limits));
  // crcChecked (the native receive thread compared the CRC already): not computed again; the other checks still run.
  assert.equal(checkMessage([h, corrupt], limits, true).header.seq, 9n);
  fails('too_large', /300 records; the limit is 10/, () => checkMessage([h, p], { ...limits, maxBatchRecords: 10 }, true));
  fails('malformed', /uncompressed payload frame is/, () => checkMessage([h, p.subarray(1)], limits, true));
  fails('malformed', /uncompressed payload frame is/, () => checkMessage([h, p.subarray(1)], limits));
  const v2 = Buffer.from(h);
  v2[2] = 2;
  fails('version', /unsupported version 2; this server speaks 1/, () => checkMessage([v2, p], limits));
  assert.equal(sequenceOf([v2, p]), 9n);
  assert.equal(sequenceOf([Buffer.alloc(3)]), 0n);
  assert.equal(sequenceOf([]), 0n);
  const manyRecords = encodeHeader({ seq: 1n, recordCount: 100, crc: zlib.crc32(Buffer.alloc(8)), uncompressedLength: 8, compression: 'none' });
  fails('malformed', /100 records in 8 bytes/, () => checkMessage([manyRecords, Buffer.alloc(8)], limits));
});

test('openPayload refusals: bombs, lies about the length, bad streams', () => {
  const raw = packRecords(records);
  const gz = compress(raw, 'gzip');
  const header = (uncompressedLength: number, body: Buffer, compression: 'gzip' | 'none' = 'gzip') => ({
    version: 1, flags: 0, noAck: false, compression, seq: 1n, recordCount: records.length, crc: zlib.crc32(body), uncompressedLength,
  });
  fails('too_large', /decompresses to more than 100 bytes \(the length the header declares\)/, () => openPayload(header(100, gz), gz, limits));
  fails('malformed', /decompresses to \d+ bytes but the header declares/, () => openPayload(header(raw.length + 10, gz), gz, limits));
  fails('too_large', /the limit is 1000/, () => openPayload(header(raw.length, gz), gz, { ...limits, maxDecompressedBytes: 1000 }));
  const bomb = compress(Buffer.alloc(256 << 20), 'gzip');
  fails('too_large', /more than/, () => openPayload(header(limits.maxDecompressedBytes, bomb), bomb, limits));
  fails('malformed', /gzip payload does not decompress/, () => openPayload(header(raw.length, raw), raw, limits));
  const batch = openPayload(header(raw.length, raw, 'none'), raw, { ...limits, maxRecordBytes: 10 });
  assert.equal(batch.truncatedCount, records.length);
});
