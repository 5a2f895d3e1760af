// Records from an authenticated sender (chunk flag bit 0, set by the native receive path on CURVE inputs) carry
// clientKey on every path a record can take: plain text (the byte-level fast path), syslog and JSON (decoded),
// truncated and undecodable records. A sender cannot forge it: a JSON record's own clientKey stays in fields,
// and without the flag no record has one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkBuilder, KIND_FRAMES, packedSize, readChunk } from './chunk.js';
import { processMessages } from './process-messages.js';

const enc = (s: string) => Buffer.from(s);

test('the sender name round-trips through a chunk without being a frame; messages without one have none', () => {
  const msgs = [
    { kind: KIND_FRAMES, input: 1, compression: 0, recordCount: 0, receivedAt: 5, frames: [enc('a'), enc('bc')], sender: 'alice' },
    { kind: KIND_FRAMES, input: 1, compression: 0, recordCount: 0, receivedAt: 6, frames: [enc('d')] },
    { kind: KIND_FRAMES, input: 1, compression: 0, recordCount: 0, receivedAt: 7, frames: [], sender: 'bøb "x"' },
  ];
  const b = new ChunkBuilder(new ArrayBuffer(msgs.reduce((n, m) => n + packedSize(m.frames, m.sender), 0)));
  for (const m of msgs) b.add(m);
  const { buffer, length } = b.finish();
  assert.equal(length, buffer.byteLength, 'packedSize counts the sender name');
  const back = [...readChunk(buffer, length)];
  assert.deepEqual(back.map((m) => [m.frames.map((f) => Buffer.from(f).toString()), m.sender]), [[['a', 'bc'], 'alice'], [['d'], undefined], [[], 'bøb "x"']]);
});

test('every record from an authenticated sender names its key, on the fast and the decoded paths', () => {
  const texts = [
    'plain text line',
    '<14>1 2026-11-29T12:00:00Z web-1 shop 42 - - syslog text',
    '{"msg":"json text","host":"forged","clientKey":"admin"}',
    'x'.repeat(200),
  ];
  const { records, lines } = processMessages(texts.map((t) => [enc(t)]), { id: 'pull' }, { sender: 'alice "the" client', maxRecordBytes: 100 });
  assert.equal(records.length, 4);
  for (const r of records) assert.equal(r.clientKey, 'alice "the" client');
  assert.equal(records[0].message, 'plain text line');
  assert.equal(records[1].host, 'web-1');
  // The sender's own clientKey is data, not the collector's statement.
  assert.equal(records[2].fields?.clientKey, 'admin');
  assert.equal(records[2].host, 'forged');
  assert.deepEqual(records[3].flags, ['truncated']);
  for (const l of lines) assert.doesNotThrow(() => JSON.parse(l));
});

test('without an authenticated sender no record has clientKey, and a JSON one cannot set it', () => {
  const { records } = processMessages([[enc('plain')], [enc('{"msg":"j","clientKey":"admin"}')]], { id: 'pull' });
  assert.deepEqual(records.map((r) => r.clientKey), [undefined, undefined]);
  assert.equal(records[1].fields?.clientKey, 'admin');
});
