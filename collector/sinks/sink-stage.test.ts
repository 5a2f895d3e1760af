import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SinkError } from '../errors.js';
import type { Sink } from './sink.js';
import { SinkStage } from './sink-stage.js';

const log = pino({ level: 'silent' });
const opts = { maxBatchRecords: 1000, maxBatchBytes: 1 << 20, maxDelayMs: 0, retryInitialMs: 1, retryMaxMs: 5 };

/** A real in-memory sink: records what it was given; can be told to fail or to be slow. */
class MemorySink implements Sink {
  readonly type = 'memory';
  writes: string[] = [];
  failNext = 0;
  delayMs = 0;
  constructor(readonly id: string) {}
  async open() {}
  async write(chunks: readonly Uint8Array[]) {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new SinkError(this.id, 'ENOSPC: no space left');
    }
    this.writes.push(chunks.map((c) => Buffer.from(c).toString()).join(''));
  }
  async flush() {}
  async close() {}
}

function item(text: string, done: () => void) {
  return { data: Buffer.from(text), records: 1, done };
}

test('group commit: items pushed while a write is in flight go out together in the next write', async () => {
  const sink = new MemorySink('m');
  sink.delayMs = 30;
  const stage = new SinkStage([sink], new Map(), opts, log);
  const done: string[] = [];
  for (let i = 0; i < 10; i++) stage.push(item(`r${i}\n`, () => done.push(`r${i}`)));
  await stage.idle();
  assert.equal(done.length, 10);
  assert.ok(sink.writes.length <= 2, `expected at most 2 writes, got ${sink.writes.length}`);
  assert.equal(sink.writes.join(''), Array.from({ length: 10 }, (_, i) => `r${i}\n`).join(''));
});

test('a failing sink is retried until it succeeds; items complete only after the write', async () => {
  const sink = new MemorySink('m');
  sink.failNext = 3;
  let retries = 0;
  const stage = new SinkStage([sink], new Map(), opts, log, () => retries++);
  let completed = false;
  stage.push(item('only\n', () => (completed = true)));
  await stage.idle();
  assert.equal(retries, 3);
  assert.equal(completed, true);
  assert.deepEqual(sink.writes, ['only\n']);
  assert.equal(stage.failing.size, 0, 'recovered sinks are no longer reported failing');
});

test('with two sinks an item completes only when both wrote it; the healthy one is not rewritten', async () => {
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  b.failNext = 2;
  const stage = new SinkStage([a, b], new Map(), opts, log);
  let completed = 0;
  stage.push(item('x\n', () => completed++));
  await stage.idle();
  assert.equal(completed, 1);
  assert.deepEqual(a.writes, ['x\n']);
  assert.deepEqual(b.writes, ['x\n']);
});

test('batches respect maxBatchRecords', async () => {
  const sink = new MemorySink('m');
  sink.delayMs = 10;
  const stage = new SinkStage([sink], new Map(), { ...opts, maxBatchRecords: 3 }, log);
  for (let i = 0; i < 10; i++) stage.push(item(`${i}\n`, () => {}));
  await stage.idle();
  assert.ok(sink.writes.every((w) => w.split('\n').filter(Boolean).length <= 3), JSON.stringify(sink.writes));
});

test('stop() abandons a sink that never recovers without completing its items', async () => {
  const sink = new MemorySink('m');
  sink.failNext = Number.MAX_SAFE_INTEGER;
  const stage = new SinkStage([sink], new Map(), opts, log);
  let completed = false;
  stage.push(item('lost\n', () => (completed = true)));
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(stage.failing.get('m')?.includes('ENOSPC'));
  stage.stop();
  await stage.idle().catch(() => {});
  assert.equal(completed, false);
});
