import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ProtocolError, REJECT_REASONS } from '../errors.js';
import { MAX_DETAIL_BYTES, REASON_CODES, decodeReply, encodeAck, encodeNack } from './reply.js';

test('docs/protocol.md lists the reject reasons with the wire codes the codec uses', () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Reason codes'));
  const rows = [...section.matchAll(/^\| (\d+) \| `([a-z_]+)` \|/gm)].map((m) => [Number(m[1]), m[2]] as const);
  assert.deepEqual(rows, REJECT_REASONS.map((r) => [REASON_CODES.indexOf(r), r] as const));
  assert.deepEqual(rows.map(([code]) => code), REJECT_REASONS.map((_, i) => i + 1));
});

test('ACK layout and round trip', () => {
  const b = encodeAck(258n);
  assert.equal(b.toString('hex'), '5a4c0101' + '0000000000000102' + '00');
  assert.deepEqual(decodeReply(b), { type: 'ack', seq: 258n });
});

test('NACK layout and round trip for every reason', () => {
  const b = encodeNack(7n, 'version', 'unsupported version 7; this server speaks 1');
  assert.equal(b.subarray(0, 13).toString('hex'), '5a4c0102' + '0000000000000007' + '02');
  assert.equal(b.subarray(13).toString(), 'unsupported version 7; this server speaks 1');
  const reasons = ['checksum', 'version', 'too_large', 'malformed', 'busy', 'draining'] as const;
  reasons.forEach((r, i) => {
    const d = decodeReply(encodeNack(BigInt(i), r, `why ${r}`));
    assert.deepEqual(d, { type: 'nack', seq: BigInt(i), code: i + 1, reason: r, detail: `why ${r}` });
  });
});

test('NACK detail is capped at a character boundary', () => {
  const d = decodeReply(encodeNack(1n, 'malformed', '✓'.repeat(1000)));
  assert.ok(d.type === 'nack');
  assert.ok(Buffer.byteLength(d.detail) <= MAX_DETAIL_BYTES);
  assert.match(d.detail, /^✓+$/);
});

test('unknown NACK codes decode with reason undefined; garbage replies are malformed', () => {
  const b = encodeNack(1n, 'busy');
  b[12] = 77;
  const d = decodeReply(b);
  assert.ok(d.type === 'nack' && d.reason === undefined && d.code === 77);
  const bad = (f: Buffer) => assert.throws(() => decodeReply(f), (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed');
  bad(Buffer.alloc(5));
  bad(Buffer.alloc(13));
  const t = encodeAck(1n);
  t[3] = 3;
  bad(t);
  const a = encodeAck(1n);
  a[12] = 1;
  bad(a);
  const n0 = encodeNack(1n, 'busy');
  n0[12] = 0;
  bad(n0);
});
