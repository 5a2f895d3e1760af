import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pushBody } from '../loki/push.js';
import { bulkBody } from '../elasticsearch/bulk.js';
import { EncodeRefused, EncodeThread } from './encode-thread.js';

const enc = (s: string) => new TextEncoder().encode(s);
const docs = Array.from({ length: 300 }, (_, i) => enc(JSON.stringify({ ts: `2026-11-29T10:00:00.${String(i).padStart(3, '0')}Z`, input: 'n', host: `h${i % 3}`, app: 'a', message: `m${i} "q" \\ é` })));

test('encoder thread: the loki and bulk bodies it builds (and gzips) are byte for byte those built here', async (t) => {
  const loki = new EncodeThread({ module: new URL('../loki/push.js', import.meta.url).href, factory: 'pushEncoder', params: { labels: ['host', 'app'], staticLabels: { job: 'zlog' } }, gzip: true });
  const bulk = new EncodeThread({ module: new URL('../elasticsearch/bulk.js', import.meta.url).href, factory: 'bulkEncoder', params: { action: 'create', index: 'logs-{{app}}' }, gzip: false });
  t.after(() => Promise.all([loki.close(), bulk.close()]));
  await Promise.all([loki.open(), bulk.open()]);
  const [a, b] = await Promise.all([loki.encode(docs), bulk.encode(docs.slice(0, 7))]);
  assert.deepEqual(gunzipSync(a), pushBody(docs, ['host', 'app'], { job: 'zlog' }));
  assert.deepEqual(Buffer.from(b), bulkBody(docs.slice(0, 7), 'create', 'logs-{{app}}'));
  // Many at once: each answer goes to its own request.
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => bulk.encode(docs.slice(i, i + 1))));
  many.forEach((m, i) => assert.deepEqual(Buffer.from(m), bulkBody(docs.slice(i, i + 1), 'create', 'logs-{{app}}')));
});

test('encoder thread: a record it cannot encode is refused (EncodeRefused); a dead thread fails its requests and a new one starts', async (t) => {
  const loki = new EncodeThread({ module: new URL('../loki/push.js', import.meta.url).href, factory: 'pushEncoder', params: { labels: ['host'], staticLabels: {} }, gzip: false });
  t.after(() => loki.close());
  await assert.rejects(loki.encode([enc('{"ts":"x"'), docs[0]]), (e: unknown) => e instanceof EncodeRefused);
  const pending = assert.rejects(loki.encode(docs), (e: unknown) => e instanceof Error && !(e instanceof EncodeRefused));
  await loki.close();
  await pending;
  // Usable again after close: a new thread.
  assert.deepEqual(Buffer.from(await loki.encode(docs.slice(0, 2))), pushBody(docs.slice(0, 2), ['host'], {}));
});

test('encoder thread: open() rejects when the encoder module cannot be loaded', async () => {
  const bad = new EncodeThread({ module: new URL('./no-such-encoder.js', import.meta.url).href, factory: 'x', params: {}, gzip: false });
  await assert.rejects(bad.open(), /encoder thread failed/);
  await bad.close();
});
