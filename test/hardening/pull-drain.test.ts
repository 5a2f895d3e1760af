// Issue 9, "PULL inputs lose records on drain": a SIGTERM used to unbind the PULL socket at once, which ended every
// connection, and whatever its peer had already handed to the kernel (the collector's receive buffer, the peer's
// send buffer) was lost with it, while the drain reported `ok: true, unwritten: 0` (rsyslog omczmq at 25,000
// lines/s: ~4,500 lines per SIGTERM; bench/restarts.ts). Now the drain shuts the write side of each accepted
// connection, the peer closes, and the collector reads to its end of stream before it closes the socket.
//
// The peer here is a ZMTP 3.0 PUSH written on a plain TCP socket (test/helpers/zmtp.ts): it hands every frame to
// its kernel, then the collector gets SIGTERM while most of them are still in the kernel's buffers. It sees the
// collector end its stream and keeps its own side open (a libzmq peer closes instead; when that close meets a
// connection libzmq had stopped reading, what was left in the kernel is still lost: docs/operations.md). Every
// frame must be written, and the drain reports the peer it could not read to its end, with nothing left unread.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cleanup, startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import { openPush, zmtpFrame } from '../helpers/zmtp.js';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

const FRAMES = 60_000;

test('SIGTERM of a native PULL input: every frame its peer handed to the kernel before the drain is written; the peer is asked to stop', { timeout: 120_000 }, async () => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }],
    drain: { timeoutSeconds: 10 },
  });
  procs.push(c);
  const port = Number(c.endpoints.pull[0].split(':').pop());
  const peer = await openPush('127.0.0.1', port);
  let ended = false;
  peer.on('end', () => {
    ended = true;
  });
  peer.on('error', () => {});
  // ~6 MB in 60 writes, handed to the kernel as fast as it takes them: far more than the collector reads before
  // the SIGTERM below, so most of it is still in the two kernels' buffers when the drain starts.
  const pad = 'x'.repeat(80);
  for (let w = 0; w < 60; w++) {
    const parts: Buffer[] = [];
    for (let i = 0; i < FRAMES / 60; i++) parts.push(zmtpFrame(Buffer.from(`drain ${w * (FRAMES / 60) + i} ${pad}`)));
    await new Promise<void>((resolve) => peer.write(Buffer.concat(parts), () => resolve()));
  }
  const { code } = await c.stop();
  const logs = c.logs.join('\n');
  assert.equal(code, 0, logs.slice(-3000));
  assert.ok(ended, 'the collector ended its stream (asked the peer to stop) during the drain');
  const seen = new Set<number>();
  for (const r of c.records()) {
    const m = /^drain (\d+) /.exec(String(r.message));
    if (m) seen.add(Number(m[1]));
  }
  assert.equal(seen.size, FRAMES, `frames written: ${seen.size} of ${FRAMES} handed to the kernel before the SIGTERM; ${c.logs.filter((l) => /drain/.test(l)).join(" ")}`);
  // The peer never closed, so the drain read until its read deadline and says so, with nothing left behind.
  assert.match(logs, /"unread":\[\{"input":"pull","messages":0,"bytes":0\}\]/, 'the drain reports the open peer and nothing unread');
  peer.destroy();
});
