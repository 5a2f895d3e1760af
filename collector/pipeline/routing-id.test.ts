// Records from a ROUTER peer (chunk flag bit 2, set by the zmq-router input) carry routingId on every path a
// record can take, after clientKey when both are there; the chunk readers (readChunk, and the worker's in-place
// ChunkReader behind processMessages) step over it, so the next message is read right; a JSON record's own
// routingId stays in fields; routingIdText names each id once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkBuilder, KIND_FRAMES, packedSize, readChunk, routingIdText } from './chunk.js';
import { processMessages } from './process-messages.js';

const enc = (s: string) => Buffer.from(s);

test('routing id and sender round-trip through a chunk without being frames', () => {
  const msgs = [
    { kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: 5, frames: [enc('a')], sender: 'alice', routingId: 'web-1' },
    { kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: 6, frames: [enc('b')], routingId: '0x0012345678' },
    { kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: 7, frames: [enc('c')] },
  ];
  const b = new ChunkBuilder(new ArrayBuffer(msgs.reduce((n, m) => n + packedSize(m.frames, m.sender, m.routingId), 0)));
  for (const m of msgs) b.add(m);
  const { buffer, length } = b.finish();
  assert.equal(length, buffer.byteLength, 'packedSize counts the routing id');
  const back = [...readChunk(buffer, length)].map((m) => [Buffer.from(m.frames[0]).toString(), m.sender, m.routingId]);
  assert.deepEqual(back, [['a', 'alice', 'web-1'], ['b', undefined, '0x0012345678'], ['c', undefined, undefined]]);
});

test('every record of a ROUTER peer carries its routing id, on the fast and the decoded paths; the next message is intact', () => {
  const texts = ['plain text line', '<14>1 2026-11-29T12:00:00Z web-1 shop 42 - - syslog text', '{"msg":"json text","routingId":"forged"}', 'x'.repeat(200)];
  const { records, lines } = processMessages(texts.map((t) => [enc(t)]), { id: 'router' }, { routingId: 'zl-1', sender: 'alice', maxRecordBytes: 100 });
  assert.deepEqual(records.map((r) => [r.routingId, r.clientKey]), texts.map(() => ['zl-1', 'alice']));
  assert.deepEqual(records.map((r) => r.message.slice(0, 15)), ['plain text line', 'syslog text', 'json text', 'x'.repeat(15)]);
  assert.equal(records[2].fields?.routingId, 'forged');
  assert.match(lines[0], /"clientKey":"alice","routingId":"zl-1"\}$/);
  const plain = processMessages([[enc('no id')]], { id: 'pull' });
  assert.equal(plain.records[0].routingId, undefined);
});

test('routingIdText: printable ASCII as it is, anything else (and a printable id starting with 0x) as 0x + hex', () => {
  assert.equal(routingIdText(enc('zl-abc')), 'zl-abc');
  assert.equal(routingIdText(Uint8Array.from([0, 1, 2, 3, 0xff])), '0x00010203ff');
  assert.equal(routingIdText(enc('0x12')), '0x30783132');
  assert.equal(routingIdText(enc('a\nb')), '0x610a62');
  assert.equal(routingIdText(enc('é')), '0xc3a9');
});
