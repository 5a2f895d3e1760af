// Issue 9, what one message or one configured path may cost, with the real collector process:
// - a PULL message of many tiny frames, or of many lines with `framing: lines`, is bounded by
//   limits.maxBatchRecords (it used to be admitted whole: 1,000,000 one-byte frames held 5x queue.maxRecords),
//   on both receive paths (the native addon and zeromq.js); far more frames end the connection on the native
//   path (test/hardening/many-frames.test.ts);
// - a CURVE clientKeys path that is a FIFO is refused at start with the path named (it used to block the
//   collector forever; a /proc file such as /proc/self/pagemap read until the host ran out of memory; that
//   case is covered safely in collector/util/read-bounded.test.ts);
// - `fsync: never` on a FIFO output never calls fdatasync (EINVAL on a pipe), so the drain ends clean;
// - zmq-router: the no-ack flag silences NACKs too, and a client reconnecting with its fixed routing id takes
//   the id over from a connection that still holds it.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as zmq from 'zeromq';
import { encodeHeader } from '../../collector/protocol/header.js';
import { encodeMessage } from '../../collector/protocol/message.js';
import { decodeReply } from '../../collector/protocol/reply.js';
import { CLI, cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';
import { makeKeys } from '../helpers/curve-keys.js';

const procs: CollectorProcess[] = [];
after(() => procs.forEach(cleanup));

async function push(endpoint: string, messages: (Buffer | Buffer[])[]): Promise<void> {
  const p = new zmq.Push({ linger: 5000, sendTimeout: 10_000 });
  p.connect(endpoint);
  for (const m of messages) await p.send(m);
  p.close();
}

for (const receiver of ['native', 'zeromq'] as const) {
  test(`PULL (${receiver}): a message of more frames or lines than limits.maxBatchRecords is refused too_large; smaller ones are written`, { timeout: 90_000 }, async () => {
    const c = await startCollector({
      inputs: [
        { id: 'frames', type: 'zmq-pull', receiver, bind: ['tcp://127.0.0.1:*'] },
        { id: 'lines', type: 'zmq-pull', receiver, framing: 'lines', bind: ['tcp://127.0.0.1:*'] },
      ],
      limits: { maxBatchRecords: 1000 },
      pipeline: { queue: { maxRecords: 2000 }, batch: { maxRecords: 500 } },
    });
    procs.push(c);
    // 4,000 frames: over maxBatchRecords, so refused too_large with the sender still connected, and under what
    // the native path's libzmq holds (4 x maxBatchRecords + 16 frames); a message of more frames than that ends
    // its connection instead (test/hardening/many-frames.test.ts).
    const tiny = Array.from({ length: 4000 }, () => Buffer.from('x'));
    await push(c.endpoints.frames[0], [tiny, Array.from({ length: 999 }, (_, i) => Buffer.from(`f${i}`)), Buffer.from('frames-last')]);
    await push(c.endpoints.lines[0], [Buffer.from('y\n'.repeat(5000)), Buffer.from(Array.from({ length: 10 }, (_, i) => `l${i}`).join('\n')), Buffer.from('lines-last')]);
    await waitFor('both last records', () => {
      const m = c.records().map((r) => r.message);
      return m.includes('frames-last') && m.includes('lines-last');
    }, 30_000);
    const recs = c.records().map((r) => String(r.message));
    assert.equal(recs.filter((m) => m === 'x').length, 0, 'no record of the 4,000-frame message');
    assert.equal(recs.filter((m) => m === 'y').length, 0, 'no record of the 5,000-line message');
    assert.equal(recs.filter((m) => /^f\d+$/.test(m)).length, 999, 'a message of 999 frames (under the limit) is written whole');
    assert.equal(recs.filter((m) => /^l\d$/.test(m)).length, 10);
    assert.equal(await c.metric('zlog_component_discarded_events_total', { component_id: 'frames', reason: 'too_large' }), 1);
    assert.equal(await c.metric('zlog_component_discarded_events_total', { component_id: 'lines', reason: 'too_large' }), 1);
    assert.equal((await c.stop()).code, 0);
  });
}

test('CURVE clientKeys that is a FIFO: start fails at once naming the path (it used to block forever)', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-keyfifo-'));
  try {
    const keys = makeKeys(dir, ['alice'], []);
    const fifo = join(dir, 'keys.fifo');
    execFileSync('mkfifo', [fifo]);
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, JSON.stringify({
      inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], security: { ...keys.security, clientKeys: fifo } }],
      sinks: [{ id: 'file', type: 'file', path: join(dir, 'out') }],
      http: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
    }));
    const r = spawnSync(process.execPath, [CLI, 'start', '--config', cfg], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    assert.equal(r.signal, null, `start hung on the FIFO and was killed:\n${r.stderr}`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /keys\.fifo is a FIFO; expected a regular file/, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fsync never on a FIFO output: no fdatasync, the drain ends clean with every record at the reader', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-fifo-never-'));
  const fifo = join(dir, 'out', 'zlog.ndjson');
  execFileSync('mkdir', ['-p', join(dir, 'out')]);
  execFileSync('mkfifo', [fifo]);
  const got = join(dir, 'got.ndjson');
  const reader = spawn('/bin/sh', ['-c', 'exec cat "$0" > "$1"', fifo, got], { stdio: 'ignore' });
  after(() => {
    if (reader.exitCode === null) reader.kill('SIGKILL');
  });
  const c = await startCollector({ sinks: [{ id: 'file', type: 'file', path: join(dir, 'out'), fsync: 'never' }], drain: { timeoutSeconds: 10 } }, { dir });
  procs.push(c);
  await push(c.endpoints.pull[0], Array.from({ length: 200 }, (_, i) => Buffer.from(`r${i}`)));
  await waitFor('200 records at the reader', () => readFileSync(got, 'utf8').split('\n').filter((l) => l !== '').length >= 200, 30_000);
  const { code } = await c.stop();
  const logs = c.logs.join('\n');
  assert.doesNotMatch(logs, /fdatasync|fsync/i, logs);
  assert.equal(code, 0, logs);
  const lines = readFileSync(got, 'utf8').split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 200, 'each record once (no rewrite after a failed sync)');
});

test('zmq-router: no-ack messages get no NACK either (bad CRC); a routing id in use is refused to a second connection until the first one closes', { timeout: 60_000 }, async () => {
  const c = await startCollector();
  procs.push(c);
  const ep = c.endpoints.native[0];
  const d = new zmq.Dealer({ linger: 0, receiveTimeout: 10_000, sendTimeout: 2000, routingId: 'client-1' });
  d.connect(ep);
  // seq 1: no-ack and a wrong CRC, which used to be NACKed `checksum`; seq 2: a good acked batch.
  const [h, body] = encodeMessage(1n, [Buffer.from('never written')], { compression: 'none', noAck: true });
  const bad = encodeHeader({ seq: 1n, recordCount: 1, crc: 12345, uncompressedLength: body.length, compression: 'none', noAck: true });
  assert.notDeepEqual(bad, h);
  await d.send([bad, body]);
  await d.send(encodeMessage(2n, [Buffer.from('written')]));
  const first = decodeReply((await d.receive())[0]);
  assert.deepEqual(first, { type: 'ack', seq: 2n }, 'the first reply is the ACK of seq 2: the no-ack message got none');
  assert.equal(await c.metric('zlog_component_discarded_events_total', { component_id: 'native', reason: 'checksum' }), 1, 'still counted');

  // A second connection with the same routing id while the first one is open and holds it: refused, and the
  // holder keeps its id and its replies (docs/protocol.md, "Routing ids"). Once the first one has closed, the
  // second one's next connection (ZeroMQ reconnects by itself) is served.
  const again = new zmq.Dealer({ linger: 0, receiveTimeout: 500, sendTimeout: 2000, routingId: 'client-1', reconnectInterval: 50 });
  again.connect(ep);
  try {
    await waitFor('the second connection refused', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'native', event: 'routing_id_in_use' })) >= 1);
    await d.send(encodeMessage(4n, [Buffer.from('the holder still served')]));
    assert.deepEqual(decodeReply((await d.receive())[0]), { type: 'ack', seq: 4n });
    d.close();
    // What the second one sent on a refused connection is gone with it: resend until acknowledged, as a client does.
    let reply;
    for (let i = 0; i < 40 && reply === undefined; i++) {
      await again.send(encodeMessage(3n, [Buffer.from('from the new connection')])).catch(() => {});
      reply = await again.receive().then(([f]) => decodeReply(f), () => undefined);
    }
    assert.deepEqual(reply, { type: 'ack', seq: 3n });
  } finally {
    again.close();
    d.close();
  }
  await waitFor('the new connection\'s record', () => c.records().some((r) => r.message === 'from the new connection'));
  assert.ok(c.records().some((r) => r.message === 'the holder still served'));
  assert.ok(!c.records().some((r) => r.message === 'never written'));
});
