// Routing ids on the native zmq-router (docs/protocol.md, "Routing ids"): no peer may take, block or read another
// peer's routing id. Until zlog's libzmq patch (native/libzmq/zlog-router-routing-ids.patch) the input set
// ZMQ_ROUTER_HANDOVER, so a peer connecting with a client's routing id (here even one authenticated with another
// CURVE key) took it over: the client got no ACK and the peer received the client's replies, and the connection
// handed over stayed in CLOSE-WAIT. Now a connection presenting a held id is ended and counted, ZMTP heartbeats free
// the id of a client that stopped answering, and a client killed and restarted with its id is served again.
// `receiver: zeromq` keeps the older handover semantics (zeromq.js's libzmq has no clean refusal; documented).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { curveFromFiles } from '../../collector/security/client-curve.js';
import { cleanup, REPO_ROOT, startCollector, waitFor } from '../helpers/collector-process.js';
import { makeKeys } from '../helpers/curve-keys.js';
import { socketInodes } from '../helpers/proc-sockets.js';

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

/** A separate process holding `routingId` on a plain DEALER; prints "ready" once its handshake is done. */
async function holder(ep: string, routingId: string): Promise<ChildProcess> {
  const code = `
    const zmq = require(${JSON.stringify(join(REPO_ROOT, 'node_modules/zeromq'))});
    const d = new zmq.Dealer({ routingId: ${JSON.stringify(routingId)}, linger: 0 });
    d.events.on('handshake', () => console.log('ready'));
    d.connect(${JSON.stringify(ep)});
    setInterval(() => {}, 1000);
  `;
  const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor('the holder connected', () => out.includes('ready'), 20_000);
  return p;
}

test('zmq-router (native, plain): a client that stopped answering keeps its id only until the heartbeat timeout; one killed frees it at once; restarted with the same id, it is served; no descriptor is left behind', { timeout: 180_000 }, async (t) => {
  const c = await startCollector({ inputs: [{ id: 'router', type: 'zmq-router', receiver: 'native', bind: ['tcp://127.0.0.1:*'] }], pipeline: { ackMode: 'received', workers: 1 } });
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const p of children) p.kill('SIGKILL');
    cleanup(c);
  });
  const ep = c.endpoints.router[0];
  const baseline = tcpStates(c.pid);

  // 0. A live client holds 'web-4': another client presenting it is refused again and again; its batch fails in
  // the end with an error that names the cause, and nothing of it is written.
  const live = await holder(ep, 'web-4');
  children.push(live);
  const squeezed = new ZlogClient({ routingId: 'web-4', maxDelayMs: 1, deliveryTimeoutMs: 5000, ackTimeoutMs: 1000 });
  squeezed.connect(ep);
  t.after(() => squeezed.close(100).catch(() => {}));
  const err = await squeezed.send('never').then(() => null, (e: unknown) => e as Error & { reason?: string });
  assert.ok(err, 'the batch was not acknowledged');
  assert.equal(err.reason, 'timeout');
  assert.match(err.message, /routing id 'web-4' is probably held by another connection/);
  assert.ok(squeezed.stats.refusedConnections >= 3, `refused connections seen by the client: ${squeezed.stats.refusedConnections}`);
  assert.ok(!c.records().some((r) => r.message === 'never'));
  await squeezed.close(100).catch(() => {});
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
