// Issue 9, "PULL inputs lose records on drain": a SIGTERM used to unbind the PULL socket at once, which ended every
// connection, and whatever its peer had already handed to the kernel (the collector's receive buffer, the peer's
// send buffer) was lost with it, while the drain reported `ok: true, unwritten: 0` (rsyslog omczmq at 25,000
// lines/s: ~4,500 lines per SIGTERM; bench/restarts.ts). Now the drain shuts the write side of each accepted
// connection, the peer closes, and the collector reads to its end of stream before it closes the socket.
//
// The peer here is a ZMTP 3.0 PUSH written on a plain TCP socket (test/helpers/zmtp.ts): it hands every frame to
// its kernel, then the collector gets SIGTERM while most of them are still in the kernel's buffers. In the first
// test it sees the collector end its stream and keeps its own side open: every frame must be written, and the drain
// reports the peer it could not read to its end, with nothing left unread. In the second it closes at once, as a
// libzmq peer does: its FIN then reaches a connection that libzmq had stopped reading (the receive HWM was full),
// and libzmq 4.3.4 dropped what was still in the kernel (5,441 of 60,000 frames) until zlog's
// native/libzmq/zlog-stream-read-to-eof.patch made the engine read on to end-of-stream.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cleanup, startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import type { Socket } from 'node:net';
import * as zmq from 'zeromq';
import { openPush, zmtpFrame } from '../helpers/zmtp.js';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

const FRAMES = 60_000;

async function sendFrames(peer: Socket, tag: string): Promise<void> {
  // ~6 MB in 60 writes, handed to the kernel as fast as it takes them: far more than the collector reads before
  // the SIGTERM, so most of it is still in the two kernels' buffers when the drain starts.
  const pad = 'x'.repeat(80);
  for (let w = 0; w < 60; w++) {
    const parts: Buffer[] = [];
    for (let i = 0; i < FRAMES / 60; i++) parts.push(zmtpFrame(Buffer.from(`${tag} ${w * (FRAMES / 60) + i} ${pad}`)));
    await new Promise<void>((resolve) => peer.write(Buffer.concat(parts), () => resolve()));
  }
}

/** Waits (at most `ms`) for `cond`: the peer's socket events may come after the collector's exit. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

function framesWritten(c: CollectorProcess, tag: string): number {
  const seen = new Set<number>();
  const re = new RegExp(`^${tag} (\\d+) `);
  for (const r of c.records()) {
    const m = re.exec(String(r.message));
    if (m) seen.add(Number(m[1]));
  }
  return seen.size;
}

test('SIGTERM of a native PULL input: every frame its peer handed to the kernel before the drain is written; the peer is asked to stop', { timeout: 120_000 }, async () => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }],
    drain: { timeoutSeconds: 10 },
  });
  procs.push(c);
  const port = Number(c.endpoints.pull[0].split(':').pop());
  const peer = await openPush('127.0.0.1', port);
  let ended = false;
  const seen: string[] = [];
  peer.on('end', () => {
    ended = true;
  });
  peer.on('error', (err) => seen.push(`error ${(err as NodeJS.ErrnoException).code}`));
  peer.on('close', () => seen.push('close'));
  await sendFrames(peer, 'drain');
  const { code } = await c.stop();
  const logs = c.logs.join('\n');
  assert.equal(code, 0, logs.slice(-3000));
  assert.ok(await until(() => ended, 5000), `the collector ended its stream (asked the peer to stop) during the drain; peer saw ${seen.join(', ') || 'nothing'}; ${c.logs.filter((l) => /drain/.test(l)).join(' ')}`);
  const written = framesWritten(c, 'drain');
  assert.equal(written, FRAMES, `frames written: ${written} of ${FRAMES} handed to the kernel before the SIGTERM; ${c.logs.filter((l) => /drain/.test(l)).join(" ")}`);
  // The peer never closed, so the drain read until its read deadline and says so, with nothing left behind.
  assert.match(logs, /"unread":\[\{"input":"pull","messages":0,"bytes":0\}\]/, 'the drain reports the open peer and nothing unread');
  peer.destroy();
});

test('SIGTERM of a native PULL input whose peer closes as soon as its stream is ended: the frames libzmq had not yet read from the kernel are still written', { timeout: 120_000 }, async () => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }],
    drain: { timeoutSeconds: 10 },
  });
  procs.push(c);
  const port = Number(c.endpoints.pull[0].split(':').pop());
  const peer = await openPush('127.0.0.1', port);
  let ended = false;
  // What a libzmq PUSH does when its peer ends the stream: it closes too. Its FIN follows every byte it had
  // handed to its kernel, so each of those frames is still deliverable.
  const seen: string[] = [];
  peer.on('end', () => {
    ended = true;
    peer.end();
  });
  peer.on('error', (err) => seen.push(`error ${(err as NodeJS.ErrnoException).code}`));
  peer.on('close', () => seen.push('close'));
  await sendFrames(peer, 'closing');
  const events = (await (await fetch(`${c.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('zlog_input_socket_events_total')).join(' ');
  const { code } = await c.stop();
  const logs = c.logs.join('\n');
  assert.equal(code, 0, logs.slice(-3000));
  const written = framesWritten(c, 'closing');
  assert.equal(written, FRAMES, `frames written: ${written} of ${FRAMES} handed to the kernel before the SIGTERM; peer saw ${seen.join(', ') || 'nothing'}; ${events}; ${c.logs.join(' ').slice(-4000)}`);
  assert.ok(await until(() => ended, 5000), `the collector ended its stream during the drain; peer saw ${seen.join(', ') || 'nothing'}; ${c.logs.filter((l) => /drain/.test(l)).join(' ')}`);
  // The peer closed and was read to its end, so the drain was not cut short: nothing is reported unread.
  assert.match(logs, /"unread":\[\]/, 'the drain read the closed peer to its end');
  peer.destroy();
});

test('SIGTERM of a zeromq.js PULL input (receiver: zeromq): it cannot ask its peer to stop, so it ends the connection and reports what it cut as uncountable', { timeout: 120_000 }, async () => {
  const c = await startCollector({
    inputs: [{ id: 'pull', type: 'zmq-pull', receiver: 'zeromq', bind: ['tcp://127.0.0.1:*'] }],
    drain: { timeoutSeconds: 10 },
  });
  procs.push(c);
  // A libzmq PUSH (zeromq.js): its queue holds every frame, so it still has frames in flight at the SIGTERM.
  const push = new zmq.Push({ sendHighWaterMark: FRAMES, linger: 0 });
  let cut = false;
  push.events.on('disconnect', () => (cut = true));
  push.connect(c.endpoints.pull[0]);
  const pad = 'x'.repeat(80);
  for (let i = 0; i < FRAMES; i++) await push.send(`zeromq ${i} ${pad}`);
  const { code } = await c.stop();
  push.close();
  const logs = c.logs.join('\n');
  assert.equal(code, 0, logs.slice(-3000));
  assert.ok(await until(() => cut, 5000), 'the unbind ended the peer\'s connection');
  const written = framesWritten(c, 'zeromq');
  assert.ok(written > 0 && written <= FRAMES, `frames written: ${written} of ${FRAMES}; ${logs.slice(-3000)}`);
  // Whatever it lost, the drain does not claim it read everything: it names the input, with counts it cannot know.
  assert.match(logs, /"unread":\[\{"input":"pull","messages":null,"bytes":null\}\]/, `the drain reports the cut connection as uncountable; ${written} of ${FRAMES} written`);
  assert.match(logs, /ended open connections at once/);
});
