import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progress } from './progress.js';

/** A stand-in for process.stderr: only what progress() uses (isTTY, write). */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream, written };
}

test('progress: on a terminal one line (records, rate) redrawn at most once a second and cleared at the end; nothing otherwise', async () => {
  const tty = fakeStream(true);
  const p = progress('zlog send', tty.stream);
  p.update(10); // less than a second after the start: not drawn
  assert.deepEqual(tty.written, []);
  await new Promise((r) => setTimeout(r, 1100));
  p.update(12_345);
  p.update(12_346); // within the same second: not redrawn
  assert.equal(tty.written.length, 1);
  assert.match(tty.written[0], /^\r\x1b\[2Kzlog send: 12,345 records, [0-9,]+ records\/s$/);
  p.done();
  assert.equal(tty.written.at(-1), '\r\x1b[2K');

  const pipe = fakeStream(false);
  const q = progress('zlog send', pipe.stream);
  await new Promise((r) => setTimeout(r, 1100));
  q.update(5);
  q.done();
  assert.deepEqual(pipe.written, []);
});
