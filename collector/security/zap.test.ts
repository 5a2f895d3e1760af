import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, reply, type RefusalReason, type ZapDomain } from './zap.js';
import { OncePerKey } from './curve.js';

const KEY = Buffer.alloc(32, 7);
const OTHER = Buffer.alloc(32, 9);
const domain: ZapDomain = { nameOf: (k) => (Buffer.compare(Buffer.from(k), KEY) === 0 ? 'web' : undefined), accepted: () => {}, refused: (_r: RefusalReason) => {} };
const domains = new Map([['zlog/pull', domain]]);
const req = (over: Partial<Record<number, string | Buffer>> = {}, n = 7) => {
  const f: (string | Buffer)[] = ['1.0', 'id-1', 'zlog/pull', '10.0.0.7', '', 'CURVE', KEY];
  for (const [i, v] of Object.entries(over)) f[Number(i)] = v!;
  return f.slice(0, n).map((x) => (typeof x === 'string' ? Buffer.from(x) : x));
};

test('an allowed key is accepted with its name as the ZAP user id', () => {
  const d = decide(req(), domains);
  assert.deepEqual(d.ok && d.userId, 'web');
  assert.deepEqual(reply(Buffer.from('id-1'), d).map(String), ['1.0', 'id-1', '200', 'OK', 'web', '']);
});

test('refusals by reason: unknown key, unknown domain, not CURVE, malformed; the reply is 400', () => {
  const cases: [Buffer[], RefusalReason][] = [
    [req({ 6: OTHER }), 'unknown_key'],
    [req({ 2: 'zlog/other' }), 'unknown_domain'],
    [req({ 5: 'PLAIN', 6: 'user' }), 'mechanism'],
    [req({ 6: Buffer.alloc(31) }), 'mechanism'],
    [req({ 0: '2.0' }), 'malformed_request'],
    [req({}, 4), 'malformed_request'],
  ];
  for (const [frames, reason] of cases) {
    const d = decide(frames, domains);
    assert.equal(d.ok, false);
    assert.equal(!d.ok && d.reason, reason);
    assert.equal(String(reply(Buffer.from('x'), d)[2]), '400');
  }
  const d = decide(req({ 6: OTHER }), domains);
  assert.deepEqual(!d.ok && [d.address, Buffer.from(d.publicKey!)], ['10.0.0.7', OTHER]);
});

test('refusal logging: once per key, memory bounded', () => {
  const once = new OncePerKey(3);
  assert.deepEqual(['a', 'a', 'b', 'a'].map((k) => once.first(k)), [true, false, true, false]);
  once.first('c');
  // Full: the next new key starts the memory over, so 'a' is logged again; the set never holds more than 3.
  assert.deepEqual(['d', 'a', 'd'].map((k) => once.first(k)), [true, true, false]);
});
