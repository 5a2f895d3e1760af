// The spreading client against three real collector processes on 127.0.0.2-4 behind one name served by a real
// DNS server on loopback (test/helpers/dns-server.ts): batches spread over every address, a new address gets traffic after
// re-resolution, a collector SIGKILLed under load loses nothing acknowledged (its unacknowledged batches go to
// the others), and an address gone from DNS is dropped.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { CLI, cleanup, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';
import { spawnSync } from 'node:child_process';
import { startDns } from '../helpers/dns-server.js';
import { freePort } from '../helpers/net.js';

const NAME = 'zlog-native.spread.test';

test('connectAll: spread over every resolved collector, new ones join, a killed one loses nothing acknowledged', { timeout: 240_000 }, async (t) => {
  const port = await freePort();
  const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  const collectors: CollectorProcess[] = [];
  t.after(() => collectors.forEach(cleanup));
  for (const h of hosts) {
    const dir = mkdtempSync(join(tmpdir(), 'zlog-spread-'));
    collectors.push(await startCollector({ inputs: [{ id: 'native', type: 'zmq-router', bind: [`tcp://${h}:${port}`] }], pipeline: { ackMode: 'persisted' } }, { dir, readyTimeoutMs: 60_000 }));
  }
  const dns = await startDns({ [NAME]: hosts.slice(0, 2) });
  t.after(() => dns.stop());
  const client = new ZlogClient({ maxBatchRecords: 20, maxDelayMs: 1, ackTimeoutMs: 2000, deliveryTimeoutMs: 60_000 });
  t.after(() => client.close(0));
  await client.connectAll(`tcp://${NAME}:${port}`, { resolve: (h) => dns.resolve4(h), resolveIntervalMs: 200 });
  assert.deepEqual(client.connectedPeers.sort(), [`tcp://127.0.0.2:${port}`, `tcp://127.0.0.3:${port}`]);

  const acked: string[] = [];
  let n = 0;
  const sendBurst = async (count: number) => {
    const ps: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const m = `r${n++}`;
      ps.push(client.send(m).then(() => void acked.push(m)));
      if (i % 100 === 99) await client.whenWritable();
    }
    await Promise.all(ps);
  };
  const countOf = (c: CollectorProcess) => c.metric('zlog_component_received_events_total', { component_id: 'native' });

  await sendBurst(2000);
  const [a0, b0, c0] = await Promise.all(collectors.map(countOf));
  assert.equal(c0, 0, 'the third collector is not in DNS yet');
  assert.equal(a0 + b0, 2000);
  // Round-robin over two connections: each gets a real share (batches of 20 records).
  assert.ok(a0 >= 400 && b0 >= 400, `spread ${a0}/${b0}`);

  dns.setHosts({ [NAME]: hosts });
  await waitFor('the third address connected', () => client.stats.peers === 3, 20_000);
  await sendBurst(3000);
  assert.ok((await countOf(collectors[2])) > 0, 'the new address gets traffic');

  // SIGKILL one collector while batches wait on it for their ACK; it stays in DNS (a pod not yet removed from
  // endpoints). Frozen before the load starts (its connection stays up, so round-robin keeps giving it turns), so
  // batches are surely waiting on it when it dies. (The load started first and the freeze waited for it to reach
  // this collector: on a quiet machine the whole burst could be acknowledged before the freeze, and nothing was
  // sent while it was frozen.)
  collectors[0].proc.kill('SIGSTOP');
  const sentAtStop = client.stats.sentBatches;
  const load = sendBurst(3000);
  await waitFor('batches sent while it is frozen', () => client.stats.sentBatches >= sentAtStop + 9, 60_000, 10);
  collectors[0].proc.kill('SIGKILL');
  await load;
  assert.ok(client.stats.resentAfterPeerLoss > 0 || client.stats.ackTimeouts > 0, JSON.stringify(client.stats));

  // Gone from DNS: dropped from the peers.
  dns.setHosts({ [NAME]: hosts.slice(1) });
  await waitFor('the killed address dropped', () => client.stats.peers === 2, 20_000);
  await sendBurst(500);
  await client.close();

  // Every acknowledged record is in some collector's file (persisted acks: fsynced there, SIGKILL or not).
  const stored = new Set<string>();
  for (const c of collectors) for (const r of c.records()) stored.add(r.message as string);
  const missing = acked.filter((m) => !stored.has(m));
  assert.equal(acked.length, n, 'every record was acknowledged');
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged records missing`);
  t.diagnostic(`records ${n}, resent after peer loss ${client.stats.resentAfterPeerLoss}, ack timeouts ${client.stats.ackTimeouts}, duplicates stored ${[...collectors].reduce((s, c) => s + c.records().length, 0) - stored.size}`);
});

test('zlog send --spread resolves the endpoint\'s name with getaddrinfo and delivers through what it finds', { timeout: 60_000 }, async (t) => {
  const c = await startCollector({ pipeline: { ackMode: 'persisted' } }, { readyTimeoutMs: 60_000 });
  t.after(() => cleanup(c));
  const port = Number(/:(\d+)$/.exec(c.endpoints.native[0])![1]);
  const r = spawnSync(process.execPath, [CLI, 'send', '--spread', '--endpoint', `tcp://localhost:${port}`, '--timeout', '20'], { input: 'one\ntwo\nthree\n', encoding: 'utf8', timeout: 40_000 });
  assert.equal(r.status, 0, r.stderr);
  await waitFor('three records written', () => c.records().length >= 3);
  assert.deepEqual(c.records().map((x) => x.message), ['one', 'two', 'three']);
  const bad = spawnSync(process.execPath, [CLI, 'send', '--spread', '--endpoint', 'tcp://no-such-host.invalid:5557'], { input: 'x\n', encoding: 'utf8', timeout: 40_000 });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--spread tcp:\/\/no-such-host\.invalid:5557: .*ENOTFOUND/);
});
