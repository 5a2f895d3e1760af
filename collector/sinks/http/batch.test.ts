import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyStatus, mayHaveBeenStored, planRequests, splitLines } from './batch.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

test('splitLines: records of whole-line chunks, without newlines, skipping empty lines', () => {
  const out = splitLines([enc('{"a":1}\n{"b":2}\n'), enc('\n{"c":3}'), enc('')]);
  assert.deepEqual(out.map(dec), ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('planRequests: bounded by count and bytes; an oversized record goes alone', () => {
  const docs = ['aaaa', 'bbbb', 'cccc', 'x'.repeat(50), 'dd'].map(enc);
  assert.deepEqual(planRequests(docs, 2, 1000).map((g) => g.length), [2, 2, 1]);
  // 10 bytes each with overhead 6: two fit in 20, the 56-byte one stands alone.
  assert.deepEqual(planRequests(docs, 100, 20, 6).map((g) => g.map(dec)), [['aaaa', 'bbbb'], ['cccc'], ['x'.repeat(50)], ['dd']]);
  assert.deepEqual(planRequests([], 10, 10), []);
});

test('classifyStatus: content refusals are split, everything else is kept and retried', () => {
  for (const s of [400, 413, 422]) assert.equal(classifyStatus(s, 'bad').kind, 'rejected', String(s));
  for (const s of [401, 403, 404, 408, 429, 500, 502, 503]) assert.equal(classifyStatus(s, '').kind, 'retry', String(s));
  const r = classifyStatus(503, 'x'.repeat(1000));
  assert.ok(r.kind === 'retry' && r.reason.length < 400 && r.reason.startsWith('HTTP 503'));
});

test('a retry may leave duplicates after a 5xx or a connection lost once the request went out, not otherwise', () => {
  const maybe = (s: number) => {
    const o = classifyStatus(s, '');
    return o.kind === 'retry' && o.maybeStored === true;
  };
  assert.deepEqual([401, 403, 404, 408, 429, 500, 502, 503, 504].map(maybe), [false, false, false, false, false, true, true, true, true]);
  const sys = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(mayHaveBeenStored(sys('ECONNREFUSED')), false, 'the connection never opened');
  assert.equal(mayHaveBeenStored(sys('UND_ERR_CONNECT_TIMEOUT')), false);
  assert.equal(mayHaveBeenStored(new Error('fetch failed', { cause: sys('ENOTFOUND') })), false, 'the code may sit in the cause');
  assert.equal(mayHaveBeenStored(sys('ECONNRESET')), true, 'cut after the request went out');
  assert.equal(mayHaveBeenStored(sys('UND_ERR_HEADERS_TIMEOUT')), true, 'no answer in time: the store may have applied it');
  assert.equal(mayHaveBeenStored(sys('UND_ERR_SOCKET')), true);
  assert.equal(mayHaveBeenStored('not an error'), true, 'unknown: assume it may have been stored');
});

test('planRequests with spread: a write is cut into up to `parallel` even requests, none below minBytes', () => {
  const docs = Array.from({ length: 100 }, (_, i) => enc(String(i).padStart(99, 'x')));
  // 100 records of 100 bytes (+1) = 10,100 bytes: four requests of 25.
  assert.deepEqual(planRequests(docs, 10_000, 1 << 20, 1, { parallel: 4, minBytes: 1000 }).map((g) => g.length), [25, 25, 25, 25]);
  // minBytes 4000: only two requests of at least 4000 bytes fit.
  assert.deepEqual(planRequests(docs, 10_000, 1 << 20, 1, { parallel: 4, minBytes: 4000 }).map((g) => g.length), [50, 50]);
  // A small write stays one request; the configured limits still apply.
  assert.deepEqual(planRequests(docs.slice(0, 5), 10_000, 1 << 20, 1, { parallel: 4, minBytes: 1000 }).map((g) => g.length), [5]);
  assert.deepEqual(planRequests(docs, 10, 1 << 20, 1, { parallel: 4, minBytes: 1000 }).map((g) => g.length), Array(10).fill(10));
  // Order and content kept.
  assert.deepEqual(planRequests(docs, 10_000, 1 << 20, 1, { parallel: 3, minBytes: 1000 }).flat(), docs);
});
