import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { fileSinkConfig } from './fixtures.js';
import { SinkError } from '../../errors.js';
import { FileSink } from './file-sink.js';

const log = pino({ level: 'silent' });

const cfg = fileSinkConfig;

const line = (i: number) => Buffer.from(JSON.stringify({ message: `record ${i}`, pad: 'x'.repeat(40) }) + '\n');

async function waitForFiles(dir: string, pred: (names: string[]) => boolean): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const names = readdirSync(dir);
    if (pred(names)) return names;
    await new Promise((r) => setTimeout(r, 20));
  }
  return readdirSync(dir);
}

test('rotates by size, gzips rotated files, and loses or duplicates nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-file-'));
  const sink = new FileSink(cfg(dir, { rotation: { maxBytes: 4096, maxAgeSeconds: 0 } }), log);
  await sink.open();
  for (let i = 0; i < 300; i++) {
    const b = line(i);
    await sink.write([b], b.length);
  }
  await sink.close();
  const names = readdirSync(dir);
  const gz = names.filter((n) => n.endsWith('.ndjson.gz'));
  assert.ok(gz.length >= 3, `expected several rotated files, got ${names.join(', ')}`);
  assert.ok(!names.some((n) => n !== 'zlog.ndjson' && n.endsWith('.ndjson')), 'rotated files are compressed, not left plain');
  const all = [...gz.sort().map((n) => gunzipSync(readFileSync(join(dir, n))).toString()), readFileSync(join(dir, 'zlog.ndjson'), 'utf8')].join('');
  const msgs = all.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
  assert.deepEqual(msgs, Array.from({ length: 300 }, (_, i) => `record ${i}`));
  rmSync(dir, { recursive: true });
});

test('retention keeps at most maxFiles rotated files, deleting the oldest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-file-'));
  const sink = new FileSink(cfg(dir, { rotation: { maxBytes: 4096, maxAgeSeconds: 0 }, retention: { maxFiles: 2, maxAgeSeconds: 0 }, compress: false }), log);
  await sink.open();
  for (let i = 0; i < 400; i++) {
    const b = line(i);
    await sink.write([b], b.length);
  }
  await sink.close();
  const rotated = (await waitForFiles(dir, (n) => n.length <= 3)).filter((n) => n !== 'zlog.ndjson');
  assert.equal(rotated.length, 2, rotated.join(', '));
  // The newest survive: the last rotated file ends right before the current file starts.
  const newest = readFileSync(join(dir, rotated.sort()[1]), 'utf8').trim().split('\n').pop()!;
  const current = readFileSync(join(dir, 'zlog.ndjson'), 'utf8').split('\n')[0];
  const n = (s: string) => Number((JSON.parse(s) as { message: string }).message.split(' ')[1]);
  assert.equal(n(current), n(newest) + 1);
  rmSync(dir, { recursive: true });
});

test('rotates by age using the clock it is given', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-file-'));
  let now = Date.UTC(2026, 0, 1);
  const sink = new FileSink(cfg(dir, { rotation: { maxBytes: 1 << 20, maxAgeSeconds: 60 }, compress: false }), log, () => now);
  await sink.open();
  await sink.write([line(1)], line(1).length);
  now += 59_000;
  await sink.write([line(2)], line(2).length);
  assert.equal(readdirSync(dir).length, 1, 'not yet');
  now += 2_000;
  await sink.write([line(3)], line(3).length);
  await sink.close();
  const names = readdirSync(dir).sort();
  assert.equal(names.length, 2, names.join(', '));
  assert.match(names[0], /^zlog-20260101T000101\.000Z-1\.ndjson$/);
  assert.equal(readFileSync(join(dir, 'zlog.ndjson'), 'utf8'), line(3).toString());
  rmSync(dir, { recursive: true });
});

test('a full device fails the write with a retryable SinkError and leaves no partial line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-file-'));
  // /dev/full answers every write with ENOSPC, like a disk that filled up.
  symlinkSync('/dev/full', join(dir, 'zlog.ndjson'));
  const sink = new FileSink(cfg(dir), log);
  await sink.open();
  await assert.rejects(
    () => sink.write([line(1)], line(1).length),
    (err: unknown) => err instanceof SinkError && err.retryable && /ENOSPC/.test(err.message) && err.sinkId === 'file',
  );
  // Space comes back (the link is replaced by a real file): the retry writes the record once.
  rmSync(join(dir, 'zlog.ndjson'));
  await sink.write([line(1)], line(1).length);
  await sink.close();
  assert.equal(readFileSync(join(dir, 'zlog.ndjson'), 'utf8'), line(1).toString());
  assert.ok(existsSync(join(dir, 'zlog.ndjson')));
  rmSync(dir, { recursive: true });
});
