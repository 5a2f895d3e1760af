// Hostile and broken input against the running collector: it stays up, keeps serving a good client, NACKs
// what it can with the right reason, and counts every rejection in a metric by reason.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import * as zmq from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { encodeHeader } from '../../collector/protocol/header.js';
import { encodeMessage } from '../../collector/protocol/message.js';
import { decodeReply, type Reply } from '../../collector/protocol/reply.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

async function exchange(endpoint: string, frames: Buffer[]): Promise<Reply> {
  const d = new zmq.Dealer({ linger: 0, receiveTimeout: 5000, sendTimeout: 2000 });
  d.connect(endpoint);
  try {
    await d.send(frames);
    const [reply] = await d.receive();
    return decodeReply(reply);
  } finally {
    d.close();
  }
}

function nackReason(r: Reply): string {
  return r.type === 'nack' ? `${r.reason}: ${r.detail}` : 'ack';
}

test('malformed native messages get NACKs with the right reason and are counted; good clients keep working', { timeout: 90_000 }, async (t) => {
  const c = await startCollector({
    pipeline: { workers: 1, ackMode: 'persisted' },
    limits: { maxMessageBytes: 65536, maxDecompressedBytes: 262144, maxRecordBytes: 1024, maxBatchRecords: 1000 },
  });
  t.after(() => cleanup(c));
  const ep = c.endpoints.native[0];

  const [h, p] = encodeMessage(7n, ['hello']);
  // wrong version: byte 2
  const v9 = Buffer.from(h);
  v9[2] = 9;
  let r = await exchange(ep, [v9, p]);
  assert.equal(r.type, 'nack');
  assert.equal(r.type === 'nack' && r.reason, 'version');
  assert.equal(r.seq, 7n, 'the NACK names the sender sequence');
  assert.match(nackReason(r), /speaks 1/);

  // bad checksum
  const badCrc = Buffer.from(p);
  badCrc[badCrc.length - 1] ^= 0xff;
  r = await exchange(ep, [h, badCrc]);
  assert.equal(r.type === 'nack' && r.reason, 'checksum', nackReason(r));

  // truncated header
  r = await exchange(ep, [h.subarray(0, 10), p]);
  assert.equal(r.type === 'nack' && r.reason, 'malformed', nackReason(r));

  // one frame only, empty frames
  r = await exchange(ep, [Buffer.alloc(0)]);
  assert.equal(r.type === 'nack' && r.reason, 'malformed', nackReason(r));

  // oversize on the wire
  const big = encodeMessage(8n, [randomBytes(70_000)], { compression: 'none' });
  r = await exchange(ep, big);
  assert.equal(r.type === 'nack' && r.reason, 'too_large', nackReason(r));

  // a compression bomb: 8 MiB of zeros in a few KiB, declared honestly
  const zeros = Buffer.alloc(8 << 20);
  const bombBody = gzipSync(Buffer.concat([Buffer.from([0, 0x80, 0, 0]), zeros.subarray(0, (8 << 20) - 4)]));
  const bombHeader = encodeHeader({ seq: 9n, recordCount: 1, crc: (await import('node:zlib')).crc32(bombBody), uncompressedLength: 8 << 20, compression: 'gzip', noAck: false });
  r = await exchange(ep, [bombHeader, bombBody]);
  assert.equal(r.type === 'nack' && r.reason, 'too_large', nackReason(r));

  // a bomb that lies about its size: declares 1 KiB, inflates to 8 MiB (refused in the worker)
  const liarBody = deflateSync(zeros);
  const liarHeader = encodeHeader({ seq: 10n, recordCount: 1, crc: (await import('node:zlib')).crc32(liarBody), uncompressedLength: 1024, compression: 'deflate', noAck: false });
  r = await exchange(ep, [liarHeader, liarBody]);
  assert.equal(r.type, 'nack', nackReason(r));
  assert.ok(r.type === 'nack' && (r.reason === 'too_large' || r.reason === 'malformed'), nackReason(r));

  // invalid UTF-8 and NUL bytes are accepted, kept and flagged
  r = await exchange(ep, encodeMessage(11n, [Buffer.from([0x6f, 0x6b, 0x00, 0xc3, 0x28])]));
  assert.equal(r.type, 'ack', nackReason(r));

  // random garbage and mutations of a valid message, bounded: the collector answers every one
  const rnd = (n: number) => Math.floor(Math.random() * n);
  for (let i = 0; i < 300; i++) {
    const [mh, mp] = encodeMessage(BigInt(1000 + i), ['a', 'bb', 'ccc'], { compression: i % 2 ? 'gzip' : 'none' });
    const frames = i % 3 === 0 ? [randomBytes(rnd(40)), randomBytes(rnd(200))] : [Buffer.from(mh), Buffer.from(mp)];
    if (i % 3 !== 0) frames[rnd(2)][rnd(frames[0].length)] ^= 1 + rnd(255);
    const d = new zmq.Dealer({ linger: 0, sendTimeout: 1000 });
    d.connect(ep);
    await d.send(frames);
    d.close();
  }

  // A client that never reads its replies: thousands of messages, replies pile up on its side only.
  const deaf = new zmq.Dealer({ linger: 0, sendTimeout: 2000, receiveHighWaterMark: 10 });
  deaf.connect(ep);
  for (let i = 0; i < 3000; i++) await deaf.send(encodeMessage(BigInt(i + 1), [`deaf ${i}`]));

  // Meanwhile a well-behaved client is still served.
  const client = new ZlogClient({ ackTimeoutMs: 3000 });
  client.connect(ep);
  await Promise.all(Array.from({ length: 200 }, (_, i) => client.send(`good ${i}`)));
  await client.close();
  deaf.close();

  await waitFor('good records written', () => c.records().filter((x) => String(x.message).startsWith('good ')).length === 200);
  const recs = c.records();
  const nul = recs.find((x) => String(x.message).startsWith('ok\u0000'));
  assert.ok(nul, 'the NUL/invalid UTF-8 record is kept');
  assert.deepEqual(nul!.flags, ['invalid_utf8']);
  for (const reason of ['version', 'checksum', 'malformed', 'too_large']) {
    assert.ok((await c.metric('zlog_component_discarded_events_total', { component_id: 'native', reason })) >= 1, `discards counted for ${reason}`);
    assert.ok((await c.metric('zlog_acks_total', { result: 'nack', reason })) >= 1, `NACKs counted for ${reason}`);
  }
  assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
  assert.equal(c.proc.exitCode, null, 'still running');
});

test('frame inputs: oversize, empty and garbage frames are counted, never crash the collector', { timeout: 60_000 }, async (t) => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }],
    limits: { maxMessageBytes: 4096, maxRecordBytes: 256 },
  });
  t.after(() => cleanup(c));
  const push = new zmq.Push({ linger: 1000, sendTimeout: 2000 });
  push.connect(c.endpoints.pull[0]);
  await push.send(randomBytes(10_000)); // over maxMessageBytes
  await push.send(Buffer.alloc(0)); // empty
  for (let i = 0; i < 200; i++) await push.send(randomBytes(Math.floor(Math.random() * 300) + 1));
  await push.send('<999>not really syslog');
  await push.send('{"broken json');
  await push.send('last');
  push.close();
  await waitFor('the last record', () => c.records().some((r) => r.message === 'last'));
  assert.equal(await c.metric('zlog_component_discarded_events_total', { component_id: 'pull', reason: 'too_large' }), 1);
  assert.ok((await c.metric('zlog_component_discarded_events_total', { component_id: 'pull', reason: 'empty' })) >= 1);
  const recs = c.records();
  assert.ok(recs.some((r) => r.message === '{"broken json'), 'unparseable JSON is kept as text');
  assert.ok(recs.some((r) => String(r.message).includes('not really syslog')));
  for (const r of recs) assert.ok(Buffer.byteLength(String(r.message)) <= 256 * 3, 'records are bounded by maxRecordBytes (after escaping)');
  assert.equal(c.proc.exitCode, null);
});

test('ackMode received: an uncompressed batch is checked whole before its ACK at admission; bad record framing is NACKed malformed, compressed or not, and nothing of it is written', { timeout: 60_000 }, async (t) => {
  const c = await startCollector({ pipeline: { workers: 1, ackMode: 'received' } });
  t.after(() => cleanup(c));
  const ep = c.endpoints.native[0];
  const { crc32 } = await import('node:zlib');
  const { packRecords } = await import('../../collector/protocol/payload.js');
  // Two records framed, three declared: the header is consistent (size, CRC), the payload's framing is not.
  const raw = packRecords(['framing-a', 'framing-b']);
  const lying = (seq: bigint, body: Buffer, compression: 'none' | 'gzip') =>
    [encodeHeader({ seq, recordCount: 3, crc: crc32(body), uncompressedLength: raw.length, compression, noAck: false }), body];
  let r = await exchange(ep, lying(1n, raw, 'none'));
  assert.equal(r.type === 'nack' && r.reason, 'malformed', nackReason(r));
  assert.match(nackReason(r), /inside the length of record 2 of 3/);
  r = await exchange(ep, lying(2n, gzipSync(raw), 'gzip'));
  assert.equal(r.type === 'nack' && r.reason, 'malformed', nackReason(r));
  // A good batch either way is acknowledged and written.
  r = await exchange(ep, encodeMessage(3n, ['framing-ok-1'], { compression: 'none' }));
  assert.equal(r.type, 'ack', nackReason(r));
  r = await exchange(ep, encodeMessage(4n, ['framing-ok-2'], { compression: 'gzip' }));
  assert.equal(r.type, 'ack', nackReason(r));
  await waitFor('good records written', () => c.records().filter((x) => String(x.message).startsWith('framing-ok')).length === 2);
  assert.deepEqual(c.records().filter((x) => String(x.message).startsWith('framing-')).map((x) => x.message).sort(), ['framing-ok-1', 'framing-ok-2']);
  assert.ok((await c.metric('zlog_acks_total', { result: 'nack', reason: 'malformed' })) >= 2);
});
