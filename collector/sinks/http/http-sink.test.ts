// HttpSink with body parts the workers built (worker-body.ts): the request carries the parts joined, and a bulk
// answer's per-item results reach the right records (dead-lettered, or resent alone). A loopback HTTP server
// answers as a bulk API does when some items fail, which VictoriaLogs does not do on demand; test/sinks/ runs
// the sinks against VictoriaLogs itself.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../config/load.js';
import { createLogger } from '../../observability/logger.js';
import { elasticsearchSinkKind } from '../elasticsearch/index.js';
import type { ElasticsearchSinkConfig } from '../elasticsearch/schema.js';
import { lokiSinkKind } from '../loki/index.js';
import type { LokiSinkConfig } from '../loki/schema.js';
import type { EncodeThread } from './encode-thread.js';
import { bodyPart } from './worker-body.js';

test('built body parts: one request of the joined parts; per-item failures dead-letter or resend exactly their records', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-httpsink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      bodies.push(text);
      const docs = text.split('\n').filter((_, i) => i % 2 === 1 && _ !== '');
      // The first request: the second record refused for good, the fourth to be retried; later ones all stored.
      const status = (i: number) => (bodies.length > 1 ? 201 : i === 1 ? 400 : i === 3 ? 429 : 201);
      const items = docs.map((_, i) => ({ create: { status: status(i), ...(status(i) >= 300 ? { error: { type: `e${status(i)}` } } : {}) } }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errors: items.some((x) => x.create.status >= 300), items }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const deadLetterPath = join(dir, 'dead.ndjson');
  const cfg = validateConfig({ sinks: [{ id: 'es', type: 'elasticsearch', endpoint: `http://127.0.0.1:${port}`, deadLetterPath }] }).sinks[0] as ElasticsearchSinkConfig;
  const sink = elasticsearchSinkKind.create(cfg, { log: createLogger('silent') });
  t.after(() => sink.close());
  await sink.open();
  assert.deepEqual(sink.workerBody, { kind: 'bulk', action: 'create', index: 'zlog' });

  // Two stage entries (chunks) with their parts, as the pipeline hands them over.
  const lines = ['{"message":"r0"}', '{"message":"r1"}', '{"message":"r2"}', '{"message":"r3"}', '{"message":"r4"}'];
  const chunks = [Buffer.from(lines.slice(0, 2).join('\n') + '\n'), Buffer.from(lines.slice(2).join('\n') + '\n')];
  const docsOf = (c: Buffer) => c.toString().split('\n').filter(Boolean).map((l) => Buffer.from(l));
  const built = chunks.map((c) => ({ body: bodyPart(sink.workerBody!, docsOf(c)), records: docsOf(c).length, chunks: 1 }));
  const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
  await assert.rejects(sink.write(chunks, bytes, built), /1 of 5 records not stored yet: item status 429/);
  assert.equal(bodies.length, 1, 'one request for both parts');
  assert.equal(bodies[0], lines.map((l) => `{"create":{"_index":"zlog"}}\n${l}\n`).join(''));
  const dead = readFileSync(deadLetterPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { record: unknown; reason: string });
  assert.deepEqual(dead.map((d) => d.record), [{ message: 'r1' }]);
  assert.match(dead[0].reason, /item status 400/);
  // The stage retries with the same chunks (and parts): only the record the store asked for goes again.
  await sink.write(chunks, bytes, built);
  assert.equal(bodies.length, 2);
  assert.equal(bodies[1], `{"create":{"_index":"zlog"}}\n${lines[3]}\n`);
});

test('loki sink: the encoder thread starts only for a write the workers built no parts for', { timeout: 60_000 }, async (t) => {
  const bodies: { streams: { stream: Record<string, string>; values: [string, string][] }[] }[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      bodies.push(JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString()) as (typeof bodies)[number]);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const cfg = validateConfig({ sinks: [{ id: 'lk', type: 'loki', endpoint: `http://127.0.0.1:${port}` }] }).sinks[0] as LokiSinkConfig;
  const sink = lokiSinkKind.create(cfg, { log: createLogger('silent') });
  t.after(() => sink.close());
  const encoder = (sink as unknown as { encoder: EncodeThread }).encoder;
  await sink.open();
  assert.equal(encoder.started, false, 'no thread at open()');

  const lines = ['{"ts":"2026-11-30T15:00:00.000Z","host":"h1","message":"r0"}', '{"ts":"2026-11-30T15:00:00.001Z","host":"h2","message":"r1"}'];
  const chunks = [Buffer.from(lines.join('\n') + '\n')];
  const docs = lines.map((l) => Buffer.from(l));
  await sink.write(chunks, chunks[0].byteLength, [{ body: bodyPart(sink.workerBody!, docs), records: 2, chunks: 1 }]);
  assert.equal(encoder.started, false, 'a write of built parts does not start it');
  // No parts (a disk buffer's replay, a retry): the thread builds the body.
  await sink.write(chunks, chunks[0].byteLength);
  assert.equal(encoder.started, true);
  assert.equal(bodies.length, 2);
  const entries = (b: (typeof bodies)[number]) => b.streams.flatMap((s) => s.values.map(([, line]) => `${s.stream.host}:${(JSON.parse(line) as { message: string }).message}`));
  assert.deepEqual(entries(bodies[0]), ['h1:r0', 'h2:r1']);
  assert.deepEqual(entries(bodies[1]), entries(bodies[0]));
});
