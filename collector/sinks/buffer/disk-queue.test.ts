import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DiskQueue } from './disk-queue.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function drain(q: DiskQueue, max: number): Promise<string> {
  let out = '';
  for (let r = await q.read(max); r; r = await q.read(max)) {
    out += dec(r.data);
    await q.commit(r.next, r.data.byteLength);
  }
  return out;
}

test('DiskQueue: FIFO of whole lines across segments; sent segments are deleted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const q = new DiskQueue(dir, 64 * 1024);
  await q.open();
  let want = '';
  for (let i = 0; i < 300; i++) {
    const line = `{"n":${i},"pad":"${'x'.repeat(500)}"}\n`;
    want += line;
    await q.append([enc(line)], line.length);
  }
  assert.equal(q.bytes, want.length);
  assert.ok(readdirSync(dir).filter((n) => n.endsWith('.seg')).length >= 3, 'several segments');
  // Reads cut at whole lines even when `max` falls mid-line.
  assert.equal(await drain(q, 1000), want);
  assert.equal(q.bytes, 0);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.seg')).length, 1, 'only the segment being written stays');
  await q.close();
});

test('DiskQueue: reopened, it resumes at the cursor, drops a torn last line, and reports the replay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const q = new DiskQueue(dir, 1 << 20);
  await q.open();
  for (let i = 0; i < 10; i++) await q.append([enc(`line-${i}\n`)], `line-${i}\n`.length);
  const r = await q.read(14); // "line-0\nline-1\n"
  assert.equal(dec(r!.data), 'line-0\nline-1\n');
  await q.commit(r!.next, r!.data.byteLength);
  await q.close();
  // What a SIGKILL in the middle of an append leaves: a partial line that was never acknowledged.
  const seg = readdirSync(dir).filter((n) => n.endsWith('.seg')).sort().at(-1)!;
  appendFileSync(join(dir, seg), 'torn-no-newl');

  const q2 = new DiskQueue(dir, 1 << 20);
  await q2.open();
  const rest = Array.from({ length: 8 }, (_, i) => `line-${i + 2}\n`).join('');
  assert.equal(q2.replayTotal, rest.length);
  await q2.append([enc('new\n')], 4);
  assert.equal(await drain(q2, 1 << 20), rest + 'new\n');
  assert.equal(q2.replaySent, q2.replayTotal);
  await q2.close();
});
