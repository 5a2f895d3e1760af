// Routing ids on the native zmq-router (docs/protocol.md, "Routing ids"): no peer may take, block or read another
// peer's routing id. Until zlog's libzmq patch (native/libzmq/zlog-router-routing-ids.patch) the input set
// ZMQ_ROUTER_HANDOVER, so a peer connecting with a client's routing id (here even one authenticated with another
// CURVE key) took it over: the client got no ACK and the peer received the client's replies, and the connection
// handed over stayed in CLOSE-WAIT. Now a connection presenting a held id is ended and counted, ZMTP heartbeats free
// the id of a client that stopped answering, and a client killed and restarted with its id is served again.
// Without CURVE an id cannot be proven: a peer squatting a client's id while the client is away cannot block it
// (ZlogClient continues under a fresh id and resends what was not acknowledged), and a late reply never reaches
// whoever holds the id after the connection it was for.
// `receiver: zeromq` keeps the older handover semantics (zeromq.js's libzmq has no clean refusal; documented).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { encodeMessage } from '../../collector/protocol/message.js';
import { decodeReply } from '../../collector/protocol/reply.js';
import { curveFromFiles } from '../../collector/security/client-curve.js';
import { cleanup, REPO_ROOT, startCollector, waitFor } from '../helpers/collector-process.js';
import { makeKeys } from '../helpers/curve-keys.js';
import { socketInodes } from '../helpers/proc-sockets.js';
import { skipWithoutVictoriaLogs, startVictoriaLogs } from '../helpers/victorialogs.js';

/** TCP sockets of process `pid` by state (/proc/PID/fd socket inodes matched against /proc/PID/net/tcp{,6}). */
function tcpStates(pid: number): Record<string, number> {
  const inodes = socketInodes(pid);
  // Linux include/net/tcp_states.h
  const names: Record<string, string> = { '01': 'ESTABLISHED', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };
  const out: Record<string, number> = {};
  for (const file of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      const state = names[f[3]] ?? f[3];
      out[state] = (out[state] ?? 0) + 1;
    }
  }
  return out;
}

test("zmq-router (native, CURVE): a peer of another key presenting a client's routing id is refused; the client keeps every ACK, the peer reads none, nothing stays in CLOSE-WAIT", { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-takeover-'));
  const keys = makeKeys(dir, ['alice', 'mallory'], []);
  const c = await startCollector({ inputs: [{ id: 'router', type: 'zmq-router', receiver: 'native', bind: ['tcp://127.0.0.1:*'], security: keys.security }], pipeline: { ackMode: 'received', workers: 1 } }, { dir });
  t.after(() => {
    cleanup(c);
    rmSync(dir, { recursive: true, force: true });
  });
  const ep = c.endpoints.router[0];
  const alice = new ZlogClient({ routingId: 'web-1', curve: curveFromFiles(keys.secret('alice'), keys.pub('server')), maxDelayMs: 1, deliveryTimeoutMs: 60_000, ackTimeoutMs: 2000 });
  alice.connect(ep);
  t.after(() => alice.close(100).catch(() => {}));
  await alice.send('alice first');

  // mallory (an allowed key) connects again and again as 'web-1' while alice sends.
  const m = curveFromFiles(keys.secret('mallory'), keys.pub('server'));
  let stop = false;
  let stolen = 0;
  let attempts = 0;
  const mallory = (async () => {
    for (let i = 0; i < 200 && !stop; i++) {
      attempts++;
      const d = new zmq.Dealer({ linger: 0, routingId: 'web-1', receiveTimeout: 200, curveServerKey: m.serverPublicKey, curvePublicKey: m.publicKey, curveSecretKey: m.secretKey });
      d.connect(ep);
      try {
        for (;;) {
          await d.receive();
          stolen++;
        }
      } catch {
        // receive timeout: connect anew
      }
      d.close();
    }
  })();
  // alice sends for as long as mallory makes 10 attempts (each one a connection presenting 'web-1').
  const results: string[] = [];
  for (let i = 0; i < 300 && (i < 5 || attempts < 10); i++) {
    try {
      await alice.send(`alice during ${i}`);
      results.push('acked');
    } catch (err) {
      results.push((err as { reason?: string }).reason ?? String(err));
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  stop = true;
  await mallory;
  assert.ok(attempts >= 10, `mallory tried ${attempts} times`);
  assert.deepEqual(results.filter((r) => r !== 'acked'), [], `every batch of alice is acknowledged while mallory presents her routing id (${results.length} sent)`);
  assert.equal(stolen, 0, 'mallory receives none of the replies meant for alice');
  await waitFor("alice's records", () => c.records().filter((r) => String(r.message).startsWith('alice during')).length >= results.length, 20_000);
  assert.ok(c.records().every((r) => r.clientKey === 'alice'), 'every record written came from alice');
  await waitFor('the refusals counted as routing_id_other_key', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'routing_id_other_key' })) >= 1, 15_000);
  await waitFor('the refusal logged once, naming the key', () => c.logs.filter((l) => l.includes('routing_id_other_key') && l.includes('mallory')).length === 1, 15_000);
  // Every refused connection was closed by the collector (upstream left the handed-over one in CLOSE-WAIT).
  await waitFor('no CLOSE-WAIT socket in the collector', () => (tcpStates(c.pid).CLOSE_WAIT ?? 0) === 0, 15_000);
  assert.ok(c.logs.filter((l) => l.includes('routing_id_other_key')).length === 1, 'logged once per key, not per refusal');
});

/**
 * A separate process holding `routingId` on a plain DEALER; prints "ready" once its handshake is done and
 * "reply" for every message it receives (`replies()` counts them).
 */
async function holder(ep: string, routingId: string): Promise<ChildProcess & { replies(): number }> {
  const code = `
    const zmq = require(${JSON.stringify(join(REPO_ROOT, 'node_modules/zeromq'))});
    const d = new zmq.Dealer({ routingId: ${JSON.stringify(routingId)}, linger: 0 });
    d.events.on('handshake', () => console.log('ready'));
    d.connect(${JSON.stringify(ep)});
    (async () => { for await (const m of d) console.log('reply'); })();
    setInterval(() => {}, 1000);
  `;
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor('the holder connected', () => out.includes('ready'), 20_000);
  return Object.assign(p, { replies: () => out.split('\n').filter((l) => l === 'reply').length });
}

test('zmq-router (native, plain): a client that stopped answering keeps its id only until the heartbeat timeout; one killed frees it at once; restarted with the same id, it is served; a live holder makes a client move to a fresh id; no descriptor is left behind', { timeout: 180_000 }, async (t) => {
  // Heartbeats from the input's setting: a stopped client's id is free within 0.5 + 2 s, well inside the 10 s a
  // ZlogClient keeps trying its id by default (routingIdWaitMs).
  const c = await startCollector({ inputs: [{ id: 'router', type: 'zmq-router', receiver: 'native', bind: ['tcp://127.0.0.1:*'], heartbeat: { intervalMs: 500, timeoutMs: 2000 } }], pipeline: { ackMode: 'received', workers: 1 } });
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const p of children) p.kill('SIGKILL');
    cleanup(c);
  });
  const ep = c.endpoints.router[0];
  const baseline = tcpStates(c.pid);

  // 0. A live client holds 'web-4': another client presenting it is refused again and again. One that keeps its
  // id whatever happens (routingIdWaitMs 0) fails in the end with an error that names the cause, and nothing of it
  // is written; one that waits 1 s continues under a fresh id and is served. The holder gets no reply either way.
  const live = await holder(ep, 'web-4');
  children.push(live);
  const moved = new ZlogClient({ routingId: 'web-4', routingIdWaitMs: 1000, maxDelayMs: 1, deliveryTimeoutMs: 60_000, ackTimeoutMs: 1000 });
  moved.connect(ep);
  t.after(() => moved.close(100).catch(() => {}));
  await moved.send('moved on');
  assert.equal(moved.stats.routingIdChanges, 1);
  assert.ok(moved.stats.refusedConnections >= 3, `refused connections seen by the client: ${moved.stats.refusedConnections}`);
  assert.match(moved.routingId, /^zl-[0-9a-f]{16}$/);
  await waitFor('the record written under the fresh id', () => c.records().some((r) => r.message === 'moved on' && r.routingId === moved.routingId), 20_000);
  await moved.close(2000);
  const squeezed = new ZlogClient({ routingId: 'web-4', routingIdWaitMs: 0, maxDelayMs: 1, deliveryTimeoutMs: 5000, ackTimeoutMs: 1000 });
  squeezed.connect(ep);
  t.after(() => squeezed.close(100).catch(() => {}));
  const err = await squeezed.send('never').then(() => null, (e: unknown) => e as Error & { reason?: string });
  assert.ok(err, 'the batch was not acknowledged');
  assert.equal(err.reason, 'timeout');
  assert.match(err.message, /routing id 'web-4' is probably held by another connection/);
  assert.ok(squeezed.stats.refusedConnections >= 3, `refused connections seen by the client: ${squeezed.stats.refusedConnections}`);
  assert.ok(!c.records().some((r) => r.message === 'never'));
  await squeezed.close(100).catch(() => {});
  assert.equal(live.replies(), 0, 'the holder of web-4 received no reply meant for the others');
  live.kill('SIGKILL');

  // 1. A client stops answering (SIGSTOP: its connection stays open, nothing answers the server's PINGs).
  const stopped = await holder(ep, 'web-2');
  children.push(stopped);
  stopped.kill('SIGSTOP');
  const disconnectedBefore = await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'disconnected' });
  // Its replacement with the same id is refused while the stopped one holds it, then served once the heartbeat
  // timeout has ended the stopped one's connection; its batch is resent meanwhile, not lost.
  const again = new ZlogClient({ routingId: 'web-2', maxDelayMs: 1, deliveryTimeoutMs: 90_000, ackTimeoutMs: 1000 });
  again.connect(ep);
  t.after(() => again.close(100).catch(() => {}));
  await again.send('after stop');
  assert.ok((await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'routing_id_in_use' })) >= 1, 'the replacement was refused while the stopped client held the id');
  assert.ok((await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'disconnected' })) > disconnectedBefore, "the stopped client's connection was ended");
  await waitFor('the record written', () => c.records().some((r) => r.message === 'after stop' && r.routingId === 'web-2'), 20_000);
  await again.close(2000);

  // 2. A client killed: its connection closes with the process, and the id is free at once.
  const killed = await holder(ep, 'web-3');
  children.push(killed);
  killed.kill('SIGKILL');
  const inUseBefore = await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'routing_id_in_use' });
  const restarted = new ZlogClient({ routingId: 'web-3', maxDelayMs: 1, deliveryTimeoutMs: 60_000, ackTimeoutMs: 1000 });
  restarted.connect(ep);
  t.after(() => restarted.close(100).catch(() => {}));
  await restarted.send('after kill');
  await waitFor('the record written', () => c.records().some((r) => r.message === 'after kill' && r.routingId === 'web-3'), 20_000);
  await restarted.close(2000);
  // Refusals only while the killed one's close was still on its way (normally none).
  assert.ok((await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'routing_id_in_use' })) - inUseBefore <= 3);

  // 3. Many ids come and go: nothing stays behind per id (every connection's descriptor is closed).
  const churn = Array.from({ length: 50 }, (_, i) => new zmq.Dealer({ routingId: `churn-${i}`, linger: 0 }));
  const shaken = churn.map((d) => new Promise<void>((res) => d.events.on('handshake', () => res())));
  for (const d of churn) d.connect(ep);
  await Promise.all(shaken);
  await waitFor('50 peers seen', async () => (await c.metric('zlog_input_connections', { component_id: 'router' })) >= 50, 30_000);
  for (const d of churn) d.close();
  await waitFor('no connection left', async () => {
    const now = tcpStates(c.pid);
    return (now.ESTABLISHED ?? 0) <= (baseline.ESTABLISHED ?? 0) && (now.CLOSE_WAIT ?? 0) === 0;
  }, 30_000);
  await waitFor('the peers gauge back at 0', async () => (await c.metric('zlog_input_connections', { component_id: 'router' })) === 0, 30_000);
});

test('zmq-router (native, plain): a peer squatting the routing id of a stopped client cannot block it: the client continues under a fresh id, nothing acknowledged is lost, duplicates stay within its window', { timeout: 180_000 }, async (t) => {
  const c = await startCollector({ inputs: [{ id: 'router', type: 'zmq-router', receiver: 'native', bind: ['tcp://127.0.0.1:*'], heartbeat: { intervalMs: 250, timeoutMs: 1000 } }], pipeline: { ackMode: 'received', workers: 1 } });
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const p of children) p.kill('SIGKILL');
    cleanup(c);
  });
  const ep = c.endpoints.router[0];
  const total = 3000;
  const window = { maxInFlightBatches: 8, maxBatchRecords: 20 };
  // The client in its own process, so that it can be stopped: 3,000 numbered records, 20 every 20 ms.
  const code = `
    const { ZlogClient } = await import(${JSON.stringify(join(REPO_ROOT, 'dist/collector/client/client.js'))});
    const c = new ZlogClient({ routingId: 'web-7', routingIdWaitMs: 2000, maxDelayMs: 1, ackTimeoutMs: 2000, deliveryTimeoutMs: 120000, ...${JSON.stringify(window)} });
    c.connect(${JSON.stringify(ep)});
    let acked = 0, failed = 0;
    const sends = [];
    for (let i = 0; i < ${total}; i++) {
      if (!c.writable) await c.whenWritable();
      sends.push(c.send(JSON.stringify({ message: 'r-' + i })).then(() => { if (++acked % 100 === 0) console.log(JSON.stringify({ acked })); }, () => failed++));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.allSettled(sends);
    console.log(JSON.stringify({ done: true, acked, failed, routingId: c.routingId, stats: c.stats }));
    await c.close();
  `;
  const client = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(client);
  const lines: string[] = [];
  let buf = '';
  client.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const last = () => (lines.length ? (JSON.parse(lines[lines.length - 1]) as { acked: number; done?: boolean; failed?: number; routingId?: string; stats?: Record<string, number> }) : { acked: 0 });
  await waitFor('the client under way', () => last().acked >= 500, 60_000);
  // The client stops (a hung process): the heartbeat timeout ends its connection and frees web-7 ...
  const disconnectedBefore = await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'disconnected' });
  client.kill('SIGSTOP');
  await waitFor("the stopped client's connection ended", async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'disconnected' })) > disconnectedBefore, 30_000);
  // ... and a squatter takes it: the first connection to present an id keeps it.
  const squatter = new zmq.Dealer({ routingId: 'web-7', linger: 0 });
  let squatterReplies = 0;
  let squatterDisconnects = 0;
  squatter.events.on('disconnect', () => squatterDisconnects++);
  const shaken = new Promise<void>((res) => squatter.events.on('handshake', () => res()));
  squatter.connect(ep);
  t.after(() => squatter.close());
  void (async () => {
    try {
      for await (const _ of squatter) squatterReplies++;
    } catch {
      // closed
    }
  })();
  await shaken;
  const inUseBefore = await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'routing_id_in_use' });
  client.kill('SIGCONT');
  // The client's reconnects are refused while the squatter holds web-7; after 2 s of that it moves to a fresh id.
  await waitFor('the client done', () => last().done === true, 120_000);
  const end = last();
  assert.equal(end.failed, 0, JSON.stringify(end));
  assert.equal(end.acked, total, 'every record acknowledged');
  assert.equal(end.stats!.routingIdChanges, 1, JSON.stringify(end.stats));
  assert.ok(end.stats!.refusedConnections >= 3, JSON.stringify(end.stats));
  assert.match(end.routingId!, /^zl-[0-9a-f]{16}$/);
  assert.ok((await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'routing_id_in_use' })) >= inUseBefore + 3, 'the refusals counted');
  assert.equal(squatterDisconnects, 0, 'the squatter kept web-7 (it was not refused)');
  assert.equal(squatterReplies, 0, "the squatter received none of the client's replies");
  // Every record written (acknowledged means received here); duplicates only from batches in flight at the switch.
  await waitFor('every record written', () => new Set(c.records().map((r) => r.message)).size >= total, 30_000);
  const written = c.records();
  const count = new Map<string, number>();
  for (const r of written) count.set(String(r.message), (count.get(String(r.message)) ?? 0) + 1);
  for (let i = 0; i < total; i++) assert.ok(count.has(`r-${i}`), `r-${i} written`);
  const duplicates = written.length - count.size;
  assert.ok(duplicates <= window.maxInFlightBatches * window.maxBatchRecords, `${duplicates} duplicates`);
  const ids = new Set(written.map((r) => r.routingId));
  assert.deepEqual([...ids].sort(), [end.routingId, 'web-7'].sort(), 'records carry web-7, then the fresh id');
});

test('zmq-router (native): a late reply never reaches the next holder of a routing id (dropped and counted); a resend on the new connection is answered there', { skip: skipWithoutVictoriaLogs(), timeout: 180_000 }, async (t) => {
  // The store is down, so a persisted ACK waits; meanwhile the batch's connection ends and another takes its id.
  const vl = await startVictoriaLogs();
  t.after(() => vl.cleanup());
  await vl.stop();
  const c = await startCollector(
    {
      inputs: [{ id: 'router', type: 'zmq-router', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }],
      pipeline: { ackMode: 'persisted', workers: 1 },
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      sinks: [{ id: 'vl', type: 'elasticsearch', endpoint: `${vl.url}/insert/elasticsearch` }],
    },
    { readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  const ep = c.endpoints.router[0];
  const batch = (seq: bigint, text: string) => encodeMessage(seq, [JSON.stringify({ message: text })], { compression: 'none' });
  const first = new zmq.Dealer({ routingId: 'web-9', linger: 0 });
  first.connect(ep);
  await first.send(batch(1n, 'one'));
  await first.send(batch(3n, 'three'));
  await waitFor('the batches queued for the store', async () => (await c.metric('zlog_sink_queue_events', { component_id: 'vl' })) === 2, 60_000);
  const disconnectedBefore = await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'disconnected' });
  first.close();
  await waitFor('the first connection ended', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'router', event: 'disconnected' })) > disconnectedBefore, 30_000);
  // The next holder of web-9: a new batch (a restarted client numbering from 1 again would take an ACK meant for
  // the first connection as its own) and a resend of batch 3 (the same client reconnected), not admitted again.
  const second = new zmq.Dealer({ routingId: 'web-9', linger: 0 });
  second.connect(ep);
  t.after(() => second.close());
  const replies: string[] = [];
  void (async () => {
    try {
      for await (const [frame] of second) {
        const r = decodeReply(frame);
        replies.push(`${r.type} ${r.seq}`);
      }
    } catch {
      // closed
    }
  })();
  await second.send(batch(2n, 'two'));
  await second.send(batch(3n, 'three'));
  await waitFor('batch 2 queued', async () => (await c.metric('zlog_sink_queue_events', { component_id: 'vl' })) === 3, 60_000);
  await waitFor('the resend of 3 not admitted', async () => (await c.metric('zlog_component_discarded_events_total', { component_id: 'router', reason: 'resent_pending' })) === 1, 60_000);
  const back = await vl.restart();
  t.after(() => back.cleanup());
  await waitFor("the second connection's ACKs", () => replies.length >= 2, 60_000);
  await waitFor('the late reply counted', async () => (await c.metric('zlog_component_discarded_events_total', { component_id: 'router', reason: 'reply_to_ended_connection' })) === 1, 30_000);
  assert.equal(await c.metric('zlog_sink_queue_events', { component_id: 'vl' }), 0, 'all three batches persisted');
  // Anything still on its way has had the time it took to count the dropped reply.
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(replies.sort(), ['ack 2', 'ack 3'], 'the second connection gets the ACKs of its batches, nothing for batch 1 of the first');
});
