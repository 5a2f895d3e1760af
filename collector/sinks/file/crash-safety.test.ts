// Issue 9, files on disk: a crash during gzip never costs a rotated file, retention deletes whole files (never
// the only readable copy) and says so, a moved or deleted output file is noticed and reopened, and opening a
// file that never answers (a FIFO) fails with a clear error instead of hanging.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync, gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { SinkError } from '../../errors.js';
import type { RetentionDeletion } from '../sink.js';
import { countLines, FileSink, OPEN_TIMEOUT_MS } from './file-sink.js';
import { fileSinkConfig } from './fixtures.js';

const log = pino({ level: 'silent' });

const cfg = fileSinkConfig;

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ message: `record ${from + i}` }) + '\n').join('');

async function until<T>(what: string, f: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a crash during gzip is repaired at start: partial .gz and .gz.tmp go, the complete original is compressed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-crash-'));
  const x = 'zlog-20261129T100000.000Z-1.ndjson';
  const y = 'zlog-20261129T100001.000Z-2.ndjson';
  writeFileSync(join(dir, x), lines(0, 408));
  writeFileSync(join(dir, `${x}.gz`), gzipSync(Buffer.from(lines(0, 408))).subarray(0, 20)); // torn, as an older version left it
  writeFileSync(join(dir, y), lines(408, 10));
  writeFileSync(join(dir, `${y}.gz.tmp`), Buffer.alloc(7)); // partial gzip of this version
  const sink = new FileSink(cfg(dir), log);
  await sink.open();
  const names = await until('recovery', () => {
    const n = readdirSync(dir).sort();
    return n.length === 3 && n.every((f) => f === 'zlog.ndjson' || (f.endsWith('.gz') && !f.endsWith('.tmp'))) ? n : undefined;
  });
  await sink.close();
  assert.deepEqual(names, [`${x}.gz`, `${y}.gz`, 'zlog.ndjson']);
  assert.equal(gunzipSync(readFileSync(join(dir, `${x}.gz`))).toString(), lines(0, 408));
  assert.equal(gunzipSync(readFileSync(join(dir, `${y}.gz`))).toString(), lines(408, 10));
});

test('retention counts NAME and NAME.gz as one file, never keeps a torn copy in place of a complete one, and reports each deletion', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-ret-'));
  const x = 'zlog-20261129T100000.000Z-1.ndjson';
  const y = 'zlog-20261129T100001.000Z-2.ndjson';
  writeFileSync(join(dir, x), lines(0, 408));
  writeFileSync(join(dir, `${x}.gz`), Buffer.alloc(0));
  writeFileSync(join(dir, `${y}.gz`), gzipSync(Buffer.from(lines(408, 5))));
  const deleted: RetentionDeletion[] = [];
  const sink = new FileSink(cfg(dir, { rotation: { maxBytes: 4096, maxAgeSeconds: 0 }, retention: { maxFiles: 2, maxAgeSeconds: 0 } }), log, Date.now, (d) => deleted.push(d));
  await sink.open();
  await until('recovery', () => (readdirSync(dir).length === 3 && !readdirSync(dir).includes(x) ? true : undefined));
  // Two rotated files, two allowed: the 408 acknowledged records are all still readable.
  assert.equal(deleted.length, 0);
  assert.equal(gunzipSync(readFileSync(join(dir, `${x}.gz`))).toString(), lines(0, 408));
  // One more rotation: now the oldest whole file goes, counted with its records.
  const body = Buffer.from(lines(1000, 200));
  await sink.write([body], body.length);
  await sink.write([Buffer.from(lines(2000, 1))], Buffer.byteLength(lines(2000, 1)));
  await until('retention', () => (deleted.length === 1 ? true : undefined));
  await sink.close();
  assert.equal(deleted[0].records, 408);
  assert.ok(deleted[0].file.endsWith(`${x}.gz`));
  const left = readdirSync(dir).sort();
  assert.ok(!left.some((n) => n.startsWith(x)), left.join(' '));
  assert.equal(left.filter((n) => n.endsWith('.gz')).length, 2, left.join(' '));
});

test('a moved or deleted output file is noticed and a new one opened at the path; reopen() does it at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-moved-'));
  const sink = new FileSink(cfg(dir, { rotation: { maxBytes: 1 << 20, maxAgeSeconds: 0 } }), log);
  await sink.open();
  const w = async (s: string) => sink.write([Buffer.from(s)], Buffer.byteLength(s));
  await w(lines(0, 3));
  renameSync(join(dir, 'zlog.ndjson'), join(dir, 'zlog.ndjson.1'));
  // The watch notices within about a second, without a write.
  await until('reopen after move', () => (readdirSync(dir).includes('zlog.ndjson') ? true : undefined), 5000);
  await w(lines(3, 2));
  unlinkSync(join(dir, 'zlog.ndjson'));
  await until('reopen after delete', () => (readdirSync(dir).includes('zlog.ndjson') ? true : undefined), 5000);
  await w(lines(5, 1));
  renameSync(join(dir, 'zlog.ndjson'), join(dir, 'zlog.ndjson.2'));
  sink.reopen();
  await w(lines(6, 1));
  await sink.close();
  assert.equal(readFileSync(join(dir, 'zlog.ndjson.1'), 'utf8'), lines(0, 3));
  assert.equal(readFileSync(join(dir, 'zlog.ndjson.2'), 'utf8'), lines(5, 1));
  assert.equal(readFileSync(join(dir, 'zlog.ndjson'), 'utf8'), lines(6, 1));
});

test('a FIFO nobody reads fails the open at once with a clear error; a path that never answers fails after the open timeout', { timeout: OPEN_TIMEOUT_MS + 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-fifo-'));
  execFileSync('mkfifo', [join(dir, 'zlog.ndjson')]);
  const fifo = new FileSink(cfg(dir), log);
  const err = await fifo.open().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof SinkError, String(err));
  assert.match(err.message, /open .*zlog\.ndjson: ENXIO is a FIFO \(named pipe\) that no process reads/);
  await fifo.close();
  // mkdir under /proc never settles (FACTS.md).
  const stuck = new FileSink(cfg(`/proc/zlog-${process.pid}-${Date.now()}/out`), log);
  const t0 = Date.now();
  const err2 = await stuck.open().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err2 instanceof SinkError, String(err2));
  assert.match(err2.message, /ETIMEDOUT did not complete within \d+ ms/);
  assert.ok(Date.now() - t0 >= OPEN_TIMEOUT_MS - 100);
  await stuck.close();
});

test('counting the records of a rotated file that is already gone rejects (ENOENT) instead of crashing the process', async () => {
  // Two post-rotation jobs can both pick the oldest file; the one that loses the race reads a deleted file. Its
  // read stream's error must reach the caller (it was piped into gunzip, whose pipe drops source errors, and
  // an unhandled 'error' event ended the collector: attacker report, persisted SIGKILL run).
  const dir = mkdtempSync(join(tmpdir(), 'zlog-gone-'));
  await assert.rejects(countLines(join(dir, 'zlog-20261129T100000.000Z-1.ndjson.gz'), true), /ENOENT/);
  await assert.rejects(countLines(join(dir, 'zlog-20261129T100000.000Z-1.ndjson'), false), /ENOENT/);
  writeFileSync(join(dir, 'a.gz'), gzipSync(Buffer.from(lines(0, 7))));
  assert.deepEqual(await countLines(join(dir, 'a.gz'), true), { lines: 7, bytes: Buffer.byteLength(lines(0, 7)) });
});

test('rotations faster than their gzip and retention: every acknowledged write stays readable or is reported deleted, and nothing throws', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-rotstorm-'));
  const deleted: RetentionDeletion[] = [];
  const sink = new FileSink(cfg(dir, { rotation: { maxBytes: 4096, maxAgeSeconds: 0 }, retention: { maxFiles: 1, maxAgeSeconds: 0 } }), log, Date.now, (d) => deleted.push(d));
  await sink.open();
  const n = 60;
  for (let i = 0; i < n; i++) {
    const b = Buffer.from(lines(i * 100, 100));
    await sink.write([b], b.length);
  }
  await sink.close();
  let kept = 0;
  for (const f of readdirSync(dir)) {
    const raw = readFileSync(join(dir, f));
    kept += (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString().split('\n').filter(Boolean).length;
  }
  const gone = deleted.reduce((s, d) => s + d.records, 0);
  assert.equal(kept + gone, n * 100, `kept ${kept} + reported deleted ${gone}`);
});
