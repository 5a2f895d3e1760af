// Issue 9, memory bounds a peer cannot get around: compressed payloads that declare a large decompressed size
// ("bombs", honest or lying about their size) and escape-heavy text that grows ~6x as NDJSON. The collector's
// peak RSS (VmHWM) stays within the budget docs/operations.md states, and ordinary clients keep being served.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as zmq from 'zeromq';
import { encodeMessage } from '../../collector/protocol/message.js';
import { cleanup, startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import { blast } from './blast.js';
import { MiB, documentedBudget, peakRssBytes } from './rss.js';

const limits = { maxDecompressedBytes: 16 * MiB, maxRecordBytes: MiB, maxMessageBytes: 8 * MiB };
const queue = { maxBytes: 16 * MiB, maxRecords: 200_000 };
const pool = { buffers: 8, bufferBytes: MiB };
const RCV_HWM = 4;
const budget = documentedBudget({ queueMaxBytes: queue.maxBytes, maxDecompressedBytes: limits.maxDecompressedBytes, poolBytes: pool.buffers * pool.bufferBytes });

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

async function collector(): Promise<CollectorProcess> {
  // ZeroMQ queues up to rcvHwm messages per connection before zlog reads them, whatever their size: a small
  // rcvHwm keeps that term (rcvHwm x message size, docs/operations.md) inside the budget's base.
  const inputs = [
    { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], rcvHwm: RCV_HWM },
    { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'], rcvHwm: RCV_HWM },
  ];
  const c = await startCollector({ inputs, limits, pipeline: { workers: 1, queue, bufferPool: pool, ackMode: 'persisted' } });
  procs.push(c);
  return c;
}

/** `n` records of `size` bytes each, all one byte: compresses to almost nothing. */
const filler = (n: number, size: number, byte: string) => Array.from({ length: n }, () => byte.repeat(size));

test('compressed bombs: admission charges the declared size, RSS stays within the documented budget, other clients are served', { timeout: 300_000 }, async () => {
  const c = await collector();
  const ep = c.endpoints.native[0];
  // Honest bombs: 15 MiB of text in ~1.5 KB of brotli each; 24 of them declare 360 MiB.
  const honest = Array.from({ length: 24 }, (_, i) => encodeMessage(i + 1, filler(15, MiB - 64, 'a'), { compression: 'brotli' }));
  assert.ok(honest[0][1].length < 64 * 1024, `bomb is ${honest[0][1].length} bytes on the wire`);
  // Lying bombs: the header declares less than the stream inflates to (refused), or more (refused).
  const lying = Array.from({ length: 24 }, (_, i) => {
    const [h, p] = encodeMessage(1000 + i, filler(16, MiB - 64, 'b'), { compression: 'deflate' });
    const declared = i % 2 === 0 ? 4 * MiB : limits.maxDecompressedBytes;
    h.writeUInt32BE(declared, 24); // uncompressedLength (header.ts layout); the CRC covers the payload only
    return [h, p] as [Buffer, Buffer];
  });
  const bombs = [...honest, ...lying].sort(() => Math.random() - 0.5);
  const normal = Array.from({ length: 50 }, (_, i) => encodeMessage(5000 + i, [`normal ${i}`]));
  const [bombReplies, normalReplies] = await Promise.all([blast(ep, bombs, 240_000), blast(ep, normal, 240_000)]);
  const peak = peakRssBytes(c.pid);
  console.log(`compressed bombs: peak RSS ${(peak / MiB).toFixed(0)} MiB (budget ${(budget / MiB).toFixed(0)} MiB); bomb replies ${JSON.stringify(bombReplies)}; normal ${JSON.stringify(normalReplies)}`);
  // Every lying bomb is refused for good, every honest one and every ordinary record is acknowledged.
  assert.equal((bombReplies['nack:malformed'] ?? 0) + (bombReplies['nack:too_large'] ?? 0), 24, JSON.stringify(bombReplies));
  assert.equal(bombReplies.ack, 24, JSON.stringify(bombReplies));
  assert.equal(normalReplies.ack, 50, JSON.stringify(normalReplies));
  assert.ok(peak < budget, `peak RSS ${(peak / MiB).toFixed(0)} MiB exceeds the budget ${(budget / MiB).toFixed(0)} MiB`);
  const stopped = await c.stop();
  assert.equal(stopped.code, 0);
});

test('escape-heavy text: records of control bytes (~6x as NDJSON) keep RSS within the documented budget', { timeout: 300_000 }, async () => {
  const c = await collector();
  const push = new zmq.Push({ sendTimeout: 60_000, linger: 0 });
  push.connect(c.endpoints.pull[0]);
  // 48 MiB of records whose every byte becomes `\u0001` (6 bytes) in the file: 288 MiB of NDJSON, 18 times
  // the queue. (A fresh buffer per send: zeromq.js may hand a buffer's memory to libzmq without copying it.)
  for (let i = 0; i < 48; i++) await push.send(Buffer.alloc(MiB - 64, 1));
  const marker = Buffer.from('last record');
  await push.send(marker);
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline && (await c.metric('zlog_component_sent_events_total', { component_id: 'file' })) < 49) await new Promise((r) => setTimeout(r, 500));
  // Closed only now: with linger 0 a close discards what the PUSH socket still holds.
  push.close();
  const peak = peakRssBytes(c.pid);
  console.log(`escape-heavy: peak RSS ${(peak / MiB).toFixed(0)} MiB (budget ${(budget / MiB).toFixed(0)} MiB)`);
  assert.equal(await c.metric('zlog_component_sent_events_total', { component_id: 'file' }), 49);
  assert.ok(peak < budget, `peak RSS ${(peak / MiB).toFixed(0)} MiB exceeds the budget ${(budget / MiB).toFixed(0)} MiB`);
  const stopped = await c.stop();
  assert.equal(stopped.code, 0);
});
