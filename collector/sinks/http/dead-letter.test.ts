// The dead-letter file is bounded by deadLetterMaxBytes, counting what is already there at start. The records
// are refused before any request (a loki line that is not JSON cannot be encoded, so it is dead-lettered where
// it stands), which is why no store runs here; test/sinks/ covers the store itself.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../config/load.js';
import { pino } from 'pino';
import { createLogger } from '../../observability/logger.js';
import { Metrics } from '../../observability/metrics.js';
import { lokiSinkKind } from '../loki/index.js';
import { deadLetterLine } from './http-sink.js';
import type { LokiSinkConfig } from '../loki/schema.js';

const enc = (s: string) => new TextEncoder().encode(s);

function lokiConfig(deadLetterPath: string, deadLetterMaxBytes: number): LokiSinkConfig {
  const cfg = validateConfig({ sinks: [{ id: 'vl', type: 'loki', endpoint: 'http://127.0.0.1:9/insert', deadLetterPath, deadLetterMaxBytes }] });
  return cfg.sinks[0] as LokiSinkConfig;
}

test('dead-letter file: rejected records are appended up to deadLetterMaxBytes, the rest counted; the size at start counts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vl', 'rejected.ndjson');
  const max = 4096;
  // 20 lines of about 500 bytes: not JSON, so the loki encoder refuses each one.
  const bad = Array.from({ length: 20 }, (_, i) => enc(`not json ${String(i).padStart(2, '0')} ${'x'.repeat(480)}\n`));
  const log = createLogger('silent');
  // The first run's own log lines and discard counters, to check what it says of the records it could not keep.
  const logged: { msg: string }[] = [];
  const firstLog = pino({ level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s) as { msg: string }) });
  const metrics = new Metrics();
  const discarded = async (reason: string) => {
    const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'zlog_component_discarded_events_total');
    return m?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };

  const first = lokiSinkKind.create(lokiConfig(file, max), { log: firstLog, component: metrics.component('vl', 'sink', 'loki') });
  await first.open();
  await first.write(bad, bad.reduce((n, b) => n + b.byteLength, 0));
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length > 0 && lines.length < 20, `some but not all of the 20 records fit in ${max} bytes (got ${lines.length})`);
  assert.ok(statSync(file).size <= max, `the file stays within ${max} bytes (is ${statSync(file).size})`);
  // Its fill and what did not fit are reported (GET /status, /sinks, zlog status: docs/sinks.md "Sink health").
  assert.deepEqual(first.health?.().deadLetter, { path: file, bytes: statSync(file).size, maxBytes: max, skipped: 20 - lines.length });
  // Each line is one JSON object carrying the record whole, in order: here not JSON (which is why it was
  // refused), so as a string (recordText).
  for (const [i, l] of lines.entries()) {
    const o = JSON.parse(l) as Record<string, string>;
    assert.deepEqual(Object.keys(o), ['sink', 'reason', 'recordText']);
    assert.equal(o.sink, 'vl');
    assert.match(o.reason, /^cannot encode: /);
    assert.equal(o.recordText, `not json ${String(i).padStart(2, '0')} ${'x'.repeat(480)}`);
  }
  // Appended ones count as rejected, the rest as dropped (dead_letter_full), and the log says which happened.
  assert.equal(await discarded('rejected'), lines.length);
  assert.equal(await discarded('dead_letter_full'), 20 - lines.length);
  assert.ok(logged.some((l) => /dead-lettered/.test(l.msg)), 'a line says records were dead-lettered');
  const full = logged.filter((l) => /dropped: the dead-letter file is full/.test(l.msg));
  assert.equal(full.length, 1, 'one line (rate-limited) says records were dropped because the file is full');
  assert.ok(logged.indexOf(full[0]) > logged.findIndex((l) => /dead-lettered/.test(l.msg)));
  await first.close();

  // A restart counts the file as it is: nothing more fits.
  const second = lokiSinkKind.create(lokiConfig(file, max), { log });
  await second.open();
  const before = statSync(file).size;
  await second.write(bad.slice(0, 3), 0);
  assert.equal(statSync(file).size, before, 'a full file is not appended to after a restart');
  assert.deepEqual(second.health?.().deadLetter, { path: file, bytes: before, maxBytes: max, skipped: 3 }, 'the size at start counts; the skipped count is this run\'s');
  await second.close();
});

test('dead-letter line: one JSON object whatever the record holds (JSON kept as it is, other text as a string, other bytes as base64)', () => {
  const line = (doc: Uint8Array) => {
    const b = deadLetterLine('s', 'HTTP 400: "bad"', doc);
    assert.equal(b[b.length - 1], 0x0a);
    assert.equal(b.indexOf(0x0a), b.length - 1, 'one line');
    return JSON.parse(b.toString('utf8')) as Record<string, unknown>;
  };
  assert.deepEqual(line(enc('{"msg":"a","n":1}')), { sink: 's', reason: 'HTTP 400: "bad"', record: { msg: 'a', n: 1 } });
  assert.deepEqual(line(enc('{"msg":"a"')), { sink: 's', reason: 'HTTP 400: "bad"', recordText: '{"msg":"a"' });
  assert.deepEqual(line(enc('a "quoted"\\ \u2028 text')), { sink: 's', reason: 'HTTP 400: "bad"', recordText: 'a "quoted"\\ \u2028 text' });
  const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x41]);
  const o = line(bytes);
  assert.deepEqual(Object.keys(o), ['sink', 'reason', 'recordBase64']);
  assert.deepEqual(Buffer.from(o.recordBase64 as string, 'base64'), Buffer.from(bytes), 'the bytes come back exactly');
});

test('dead-letter file: writes in flight at once (the stage gives an HTTP sink `concurrency` of them) stay within deadLetterMaxBytes together', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rejected.ndjson');
  const max = 4096;
  const sink = lokiSinkKind.create(lokiConfig(file, max), { log: createLogger('silent') });
  await sink.open();
  // Four writes of 8 refused records (about 540 bytes per line) at once: each one's first line was checked against
  // the size before any of them was appended, so together they went past the bound (4,864 of 4,096 bytes).
  const writes = Array.from({ length: 4 }, (_, w) => Array.from({ length: 8 }, (_, i) => enc(`not json ${w}-${i} ${'x'.repeat(480)}\n`)));
  await Promise.all(writes.map((docs) => sink.write(docs, 0)));
  const size = statSync(file).size;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  assert.ok(size <= max, `the file stays within ${max} bytes (is ${size})`);
  assert.deepEqual(sink.health?.().deadLetter, { path: file, bytes: size, maxBytes: max, skipped: 32 - lines });
  await sink.close();
});
