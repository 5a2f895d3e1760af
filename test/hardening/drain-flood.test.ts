// Issue 9, SIGTERM with a deep PUSH backlog in ZeroMQ's queue (rcvHwm 10,000 messages of 10 KB) and a sink
// slower than the flood (a FIFO whose reader takes ~3 MB/s). The drain used to read until its deadline (native),
// or the whole backlog past the queue's limits (zeromq.js), so records already taken off the socket were still
// queued at the deadline and dropped (exit 1). Now reading keeps the queue's limits and stops at half the drain
// timeout, the queue (bounded) is written in the other half, the drain ends ok, and the log says the socket was
// not empty (what is left there is lost: PUSH has no acknowledgement).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as zmq from 'zeromq';
import { cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

const SLOW_READER = `
import sys, time
src, dst = open(sys.argv[1], 'rb'), open(sys.argv[2], 'wb')
while True:
    d = src.read(65536)
    if not d:
        break
    dst.write(d)
    dst.flush()
    time.sleep(0.02)
`;

for (const receiver of ['native', 'zeromq'] as const) {
  test(`SIGTERM under an endless PULL flood (${receiver}) with a slow sink: everything read is written, drain ok`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zlog-drainflood-'));
    mkdirSync(join(dir, 'out'));
    const fifo = join(dir, 'out', 'zlog.ndjson');
    execFileSync('mkfifo', [fifo]);
    const got = join(dir, 'got.ndjson');
    const reader = spawn('python3', ['-c', SLOW_READER, fifo, got], { stdio: 'ignore' });
    const readerDone = new Promise<void>((resolve) => reader.once('exit', () => resolve()));
    after(() => {
      if (reader.exitCode === null) reader.kill('SIGKILL');
    });
    const c = await startCollector(
      {
        inputs: [{ id: 'pull', type: 'zmq-pull', receiver, rcvHwm: 10_000, bind: ['tcp://127.0.0.1:*'] }],
        limits: { maxMessageBytes: 16_384 },
        sinks: [{ id: 'file', type: 'file', path: join(dir, 'out'), fsync: 'never' }],
        pipeline: { queue: { maxBytes: 1024 * 1024, maxRecords: 1000 }, batch: { maxRecords: 100, maxBytes: 256 * 1024 } },
        drain: { timeoutSeconds: 4 },
      },
      { dir },
    );
    procs.push(c);
    const push = new zmq.Push({ linger: 0, sendTimeout: 50 });
    push.connect(c.endpoints.pull[0]);
    let flooding = true;
    let sent = 0;
    const pad = 'x'.repeat(10_000);
    const flood = (async () => {
      for (let i = 0; flooding && i < 10_000_000; i++) {
        try {
          await push.send(`${sent} ${pad}`);
          sent++;
        } catch {
          // EAGAIN: the collector pushes back; try again
        }
      }
    })();
    await waitFor('a backlog of 6,000 messages and records at the reader', () => sent >= 6000 && existsSync(got) && readFileSync(got).length > 200_000, 60_000);
    const { code } = await c.stop();
    flooding = false;
    await flood;
    push.close();
    await readerDone;
    const logs = c.logs.join('\n');
    assert.equal(code, 0, logs.slice(-3000));
    assert.match(logs, /"ok":true,"unwritten":0/, 'the drain wrote everything it had read');
    assert.match(logs, /drain stopped reading before the socket was empty/, 'and says that the socket was not empty');
    const lines = readFileSync(got, 'utf8').split('\n').filter((l) => l !== '');
    for (const l of lines) JSON.parse(l);
    assert.ok(lines.length > 0 && lines.length <= sent, `${lines.length} records written of ${sent} sent`);
  });
}
