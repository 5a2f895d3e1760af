// Bounded reads of configured files: a procfs file that reports size 0 and reads without end, a FIFO with no
// writer (open(2) would block), a directory and an oversized file are refused with the path named; a regular
// file up to the cap is read whole.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readFileBounded, readFileBoundedAsync } from './read-bounded.js';

const dir = mkdtempSync(join(tmpdir(), 'zlog-readcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const readers = [
  ['sync', async (p: string, n: number) => readFileBounded(p, n)],
  ['async', readFileBoundedAsync],
] as const;

for (const [name, read] of readers) {
  test(`${name}: a regular file up to the cap is read whole; one byte more is refused`, async () => {
    const f = join(dir, `${name}-exact`);
    writeFileSync(f, 'x'.repeat(1000));
    assert.equal(await read(f, 1000), 'x'.repeat(1000));
    await assert.rejects(read(f, 999), new RegExp(`${f} is larger than 999 bytes`));
  });

  test(`${name}: /proc/self/pagemap (size 0, reads without end) is refused after the cap`, async () => {
    await assert.rejects(read('/proc/self/pagemap', 65536), /\/proc\/self\/pagemap is larger than 65536 bytes/);
    // Through a symlink, as a key directory may hold one.
    const link = join(dir, `${name}-evil.key`);
    symlinkSync('/proc/self/pagemap', link);
    await assert.rejects(read(link, 65536), /evil\.key is larger than 65536 bytes/);
  });

  test(`${name}: a FIFO with no writer is refused at once instead of blocking`, async () => {
    const fifo = join(dir, `${name}-fifo`);
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(read(fifo, 65536), /-fifo is a FIFO; expected a regular file/);
  });

  test(`${name}: a directory and a device are refused`, async () => {
    await assert.rejects(read(dir, 65536), /is a directory; expected a regular file/);
    await assert.rejects(read('/dev/zero', 65536), /\/dev\/zero is a character device; expected a regular file/);
  });
}
