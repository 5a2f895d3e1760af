// Issue 9, the compressed-bomb memory peak by kind of input: each kind (brotli, deflate and gzip bombs that declare
// their size honestly; deflate and brotli bombs whose header declares less, or more, than the stream inflates to)
// is sent by many clients at once to a fresh collector, whose peak RSS (VmHWM) must stay within the budget
// docs/operations.md ("Sizing") states. zstd is not a payload compression of the protocol (Node 20's zlib has no
// zstd), so there is no zstd kind. The figures each case prints (peak, and peak over the collector's RSS when it
// was ready) are the ones docs/operations.md quotes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Compression } from '../../collector/protocol/header.js';
import { encodeMessage } from '../../collector/protocol/message.js';
import { cleanup, startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import { blast } from './blast.js';
import { MiB, documentedBudget, peakRssBytes } from './rss.js';

const limits = { maxDecompressedBytes: 16 * MiB, maxRecordBytes: MiB, maxMessageBytes: 8 * MiB };
const queue = { maxBytes: 16 * MiB, maxRecords: 200_000 };
const pool = { buffers: 8, bufferBytes: MiB };
const budget = documentedBudget({ queueMaxBytes: queue.maxBytes, maxDecompressedBytes: limits.maxDecompressedBytes, poolBytes: pool.buffers * pool.bufferBytes });
const CLIENTS = 6;
const PER_CLIENT = 2;

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

interface Kind {
  name: string;
  compression: Compression;
  /** The uncompressedLength the header declares, from the real one; undefined: honest. */
  declare?: (real: number) => number;
  /** The reply every bomb of this kind must get. */
  reply: string;
}

const KINDS: Kind[] = [
  { name: 'brotli, honest', compression: 'brotli', reply: 'ack' },
  { name: 'deflate, honest', compression: 'deflate', reply: 'ack' },
  { name: 'gzip, honest', compression: 'gzip', reply: 'ack' },
  // Declares a quarter of what it inflates to: refused once inflating passes the declaration.
  { name: 'deflate, declares less', compression: 'deflate', declare: (real) => Math.floor(real / 4), reply: 'nack:too_large' },
  { name: 'brotli, declares less', compression: 'brotli', declare: (real) => Math.floor(real / 4), reply: 'nack:too_large' },
  // Declares the limit while it inflates to less: admitted (and charged) at the limit, refused after inflating.
  { name: 'deflate, declares more', compression: 'deflate', declare: () => limits.maxDecompressedBytes, reply: 'nack:malformed' },
];

/** One bomb: 15 records of almost 1 MiB of one byte each (~15 MiB of text in a few KB on the wire). */
function bomb(seq: number, kind: Kind): [Buffer, Buffer] {
  const records = Array.from({ length: 15 }, () => String.fromCharCode(97 + (seq % 26)).repeat(MiB - 64));
  const [h, p] = encodeMessage(seq, records, { compression: kind.compression });
  if (kind.declare) h.writeUInt32BE(kind.declare(h.readUInt32BE(24)), 24); // uncompressedLength (header.ts); the CRC covers the payload only
  assert.ok(p.length < 64 * 1024, `a ${kind.name} bomb is ${p.length} bytes on the wire`);
  return [h, p];
}

for (const kind of KINDS) {
  test(`compressed bombs (${kind.name}) from ${CLIENTS} clients at once: peak RSS within the documented budget`, { timeout: 300_000 }, async () => {
    const c = await startCollector({
      inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'], rcvHwm: 4 }],
      limits,
      pipeline: { workers: 1, queue, bufferPool: pool, ackMode: 'persisted' },
    });
    procs.push(c);
    const atReady = peakRssBytes(c.pid);
    const clients = Array.from({ length: CLIENTS }, (_, i) => Array.from({ length: PER_CLIENT }, (_, j) => bomb(1 + i * PER_CLIENT + j, kind)));
    const replies = await Promise.all(clients.map((msgs) => blast(c.endpoints.native[0], msgs, 240_000)));
    const peak = peakRssBytes(c.pid);
    const counts: Record<string, number> = {};
    for (const r of replies) for (const [k, n] of Object.entries(r)) counts[k] = (counts[k] ?? 0) + n;
    console.log(`bomb kind "${kind.name}": peak RSS ${(peak / MiB).toFixed(0)} MiB, ${((peak - atReady) / MiB).toFixed(0)} MiB over the ${(atReady / MiB).toFixed(0)} MiB at ready (budget ${(budget / MiB).toFixed(0)} MiB); replies ${JSON.stringify(counts)}`);
    assert.deepEqual(counts, { [kind.reply]: CLIENTS * PER_CLIENT });
    assert.ok(peak < budget, `peak RSS ${(peak / MiB).toFixed(0)} MiB exceeds the budget ${(budget / MiB).toFixed(0)} MiB`);
    const stopped = await c.stop();
    assert.equal(stopped.code, 0);
  });
}
