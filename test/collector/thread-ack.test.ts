// ackMode received on the native ROUTER path: the receive thread acknowledges an uncompressed batch itself
// (native/src/receiver.cc AckAtReceipt) only when the input's own checks (checkMessage, checkRecordFraming)
// would accept it. Near-valid batches, each wrong in one way the thread must see, get exactly the reply the
// input's checks give, and the trace names the batches the thread acknowledged: exactly the good uncompressed ones.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, gzipSync } from 'node:zlib';
import * as zmq from 'zeromq';
import { ProtocolError } from '../../collector/errors.js';
import { encodeHeader } from '../../collector/protocol/header.js';
import { checkMessage } from '../../collector/protocol/message.js';
import { checkRecordFraming, packRecords } from '../../collector/protocol/payload.js';
import { decodeReply } from '../../collector/protocol/reply.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

const limits = { maxMessageBytes: 65536, maxDecompressedBytes: 262144, maxRecordBytes: 1024, maxBatchRecords: 4 };

/** The input's verdict on [header, payload] in received mode: 'ack' or the NACK reason. */
function inputVerdict(frames: Buffer[]): string {
  try {
    const { header, payload } = checkMessage(frames, limits);
    if (header.compression === 'none') checkRecordFraming(payload, header.recordCount);
    return 'ack';
  } catch (err) {
    if (err instanceof ProtocolError) return err.reason;
    throw err;
  }
}

function header(seq: bigint, records: number, body: Buffer, over: Partial<{ length: number; crc: number; compression: 'none' | 'gzip' }> = {}): Buffer {
  return encodeHeader({ seq, recordCount: records, crc: over.crc ?? crc32(body), uncompressedLength: over.length ?? body.length, compression: over.compression ?? 'none', noAck: false });
}

test('ackMode received: the receive thread acknowledges exactly the batches the input would accept; every other one gets the input\'s NACK', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-test-'));
  const traceFile = join(dir, 'latency-trace.json');
  const c = await startCollector({ pipeline: { workers: 1, ackMode: 'received' }, limits }, { dir, env: { ZLOG_LATENCY_TRACE: traceFile } });
  t.after(() => cleanup(c));
  const raw = packRecords(['ta-1', 'ta-22', 'ta-333']);
  const cases: [string, (seq: bigint) => Buffer[]][] = [
    ['good', (s) => [header(s, 3, raw), raw]],
    ['three declared, two framed', (s) => { const b = packRecords(['ta-x', 'ta-y']); return [header(s, 3, b), b]; }],
    ['bytes left after the declared records', (s) => [header(s, 2, raw), raw]],
    ['a record length past the end', (s) => { const b = Buffer.from(raw); b.writeUInt32BE(200, 0); return [header(s, 3, b), b]; }],
    ['CRC-32 of other bytes', (s) => [header(s, 3, raw, { crc: crc32(raw) ^ 1 }), raw]],
    ['reserved flag bit', (s) => { const h = header(s, 3, raw); h[3] = 2; return [h, raw]; }],
    ['version 2', (s) => { const h = header(s, 3, raw); h[2] = 2; return [h, raw]; }],
    ['reserved byte 5', (s) => { const h = header(s, 3, raw); h[5] = 1; return [h, raw]; }],
    ['declared length is not the payload\'s', (s) => [header(s, 3, raw, { length: raw.length + 1 }), raw]],
    ['more records than maxBatchRecords', (s) => { const b = packRecords(['1', '2', '3', '4', '5']); return [header(s, 5, b), b]; }],
    ['header frame one byte long', (s) => [Buffer.concat([header(s, 3, raw), Buffer.alloc(1)]), raw]],
    ['a third frame', (s) => [header(s, 3, raw), raw, Buffer.from('x')]],
    ['good, gzip (acknowledged by the input after a worker)', (s) => { const z = gzipSync(raw); return [header(s, 3, z, { length: raw.length, compression: 'gzip' }), z]; }],
    ['good again', (s) => { const b = packRecords(['ta-4444']); return [header(s, 1, b), b]; }],
  ];
  const d = new zmq.Dealer({ linger: 0, receiveTimeout: 10_000, sendTimeout: 2000 });
  d.connect(c.endpoints.native[0]);
  const byThread = new Set<number>();
  try {
    for (const [i, [name, make]] of cases.entries()) {
      const seq = BigInt(100 + i);
      const frames = make(seq);
      await d.send(frames);
      const [frame] = await d.receive();
      const reply = decodeReply(frame);
      assert.equal(reply.seq, seq, name);
      const expected = inputVerdict(frames);
      assert.equal(reply.type === 'ack' ? 'ack' : reply.reason, expected, `${name}: ${reply.type === 'nack' ? reply.detail : 'ack'}`);
      if (expected === 'ack' && frames.length === 2 && frames[0][4] === 0) byThread.add(100 + i);
    }
  } finally {
    d.close();
  }
  assert.deepEqual([...byThread], [100, 113], 'the test sends two good uncompressed batches');
  await waitFor('good records written', () => c.records().filter((x) => String(x.message).startsWith('ta-')).length === 7);
  // The Prometheus counter of the thread's own ACKs (synced at each delivery, so read once every batch is written):
  // exactly those two, among all of the input's ACKs.
  assert.equal(await c.metric('zlog_input_thread_acks_total', { component_id: 'native' }), byThread.size);
  assert.equal(await c.metric('zlog_acks_total', { component_id: 'native', result: 'ack' }), cases.filter(([, make]) => inputVerdict(make(1n)) === 'ack').length);
  assert.equal((await c.stop()).code, 0);
  assert.deepEqual(c.records().map((x) => String(x.message)).filter((m) => m.startsWith('ta-')).sort(), ['ta-1', 'ta-1', 'ta-22', 'ta-22', 'ta-333', 'ta-333', 'ta-4444']);
  const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as { threadAcks?: number[] };
  assert.deepEqual([...(trace.threadAcks ?? [])].sort((a, b) => a - b), [...byThread]);
});
