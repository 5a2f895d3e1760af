// Health checks on a real collector process with real faults: a sink whose FIFO reader is stopped (SIGSTOP)
// stalls, readiness drops naming it, liveness fails after the stall limit, and both come back on SIGCONT; a
// collector in a real memory cgroup (v1 memory.limit_in_bytes) with a stalled sink and heavy input goes unready
// on memory before it reaches its limit; a wedged event loop (debug hook, SIGUSR2) fails liveness; sustained
// decode rejections show in the verbose answer and the metric. Nothing here measures time.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { encodeMessage } from '../../collector/protocol/message.js';
import { cleanup, CLI, startCollector, waitFor, type CollectorProcess } from '../helpers/collector-process.js';

async function probe(url: string): Promise<{ status: number; body: string }> {
  // Generous: a wedged loop answers only between its stalls.
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: await res.text() };
}

/** A reader of `fifo` copying into `copy`, stopped and resumed by signal; killed by PID at the end. */
function fifoReader(fifo: string, copy: string): ChildProcess {
  return spawn('/bin/sh', ['-c', 'exec cat "$0" > "$1"', fifo, copy], { stdio: 'ignore' });
}

function fifoSinkConfig(dir: string): { fifo: string; copy: string; sink: Record<string, unknown> } {
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const fifo = join(out, 'zlog.ndjson');
  execFileSync('mkfifo', [fifo]);
  // fsync never: fdatasync on a pipe is EINVAL; no rotation: a FIFO cannot be renamed away and reopened.
  return { fifo, copy: join(dir, 'copy.ndjson'), sink: { id: 'fifo', type: 'file', path: out, fsync: 'never', compress: false, rotation: { maxBytes: 2 ** 40, maxAgeSeconds: 0 } } };
}

async function push(endpoint: string, n: number, bytes: number, stopWhen?: () => Promise<boolean>): Promise<number> {
  // linger: a PUSH closed with linger 0 discards what it has not yet handed to the connection.
  const p = new zmq.Push({ linger: 30_000, sendTimeout: 2000 });
  p.connect(endpoint);
  const body = 'x'.repeat(bytes);
  let sent = 0;
  try {
    for (; sent < n; sent++) {
      if (stopWhen && sent % 50 === 0 && (await stopWhen())) break;
      await p.send(`r${sent} ${body}`);
    }
  } finally {
    p.close();
  }
  return sent;
}

test('a stalled sink: readiness drops naming it, liveness fails past the stall limit, both recover', { timeout: 180_000 }, async (t) => {
  const dir = execFileSync('mktemp', ['-d', '/tmp/zlog-health-XXXXXX']).toString().trim();
  const { fifo, copy, sink } = fifoSinkConfig(dir);
  const reader = fifoReader(fifo, copy);
  t.after(() => reader.kill('SIGKILL'));
  const c = await startCollector(
    {
      inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'] }],
      sinks: [sink],
      pipeline: { batch: { maxDelayMs: 0 } },
      health: { intervalMs: 200, sinks: { stalledSeconds: 1, stuckSeconds: 3 } },
    },
    { dir },
  );
  t.after(() => cleanup(c));
  await waitFor('ready', async () => (await probe(`${c.url}/readyz`)).status === 200, 30_000);
  assert.equal((await probe(`${c.url}/healthz`)).status, 200);

  reader.kill('SIGSTOP');
  // 400 KiB: well past a pipe's 64 KiB buffer, so the sink's write blocks with the reader stopped.
  const sent = await push(c.endpoints.pull[0], 400, 1024);
  await waitFor('the collector to receive them', async () => (await c.metric('zlog_component_received_events_total', { component_id: 'pull' })) === sent, 60_000, 100);

  let ready = { status: 0, body: '' };
  await waitFor('readiness to drop', async () => (ready = await probe(`${c.url}/readyz`)).status === 503, 60_000, 100);
  assert.match(ready.body, /^\[-\]sink:fifo failed: writing, no progress for [\d.]+ s$/m);

  let live = { status: 0, body: '' };
  await waitFor('liveness to fail', async () => (live = await probe(`${c.url}/healthz`)).status === 503, 60_000, 100);
  assert.match(live.body, /^\[-\]sink:fifo failed: writing, no progress/m);
  assert.doesNotMatch(live.body, /\[-\](memory|event-loop)/, 'only the sink fails liveness');
  assert.equal(await c.metric('zlog_health_check_status', { check: 'sink:fifo' }), 2);
  assert.equal(await c.metric('zlog_live'), 0);
  const verbose = await probe(`${c.url}/healthz?verbose`);
  assert.match(verbose.body, /^\[-\]sink:fifo failed: value=[\d.]+ threshold=3 seconds;/m);
  assert.match(verbose.body, /^\[\+\]memory ok: value=\d+ threshold=\d+ bytes;/m);

  // The CLI names the check and exits with the sink's code.
  const hc = spawnSync(process.execPath, [CLI, 'health-check', '--url', c.url, '--timeout', '20'], { encoding: 'utf8' });
  assert.equal(hc.status, 6, hc.stderr);
  assert.match(hc.stderr, /sink:fifo failed/);
  assert.match(hc.stderr, /failing sink:fifo; exit 6/);
  // zlog status: the table and the JSON carry the checks.
  const table = spawnSync(process.execPath, [CLI, 'status', '--url', c.adminUrl], { encoding: 'utf8' });
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^health\s+NOT ALIVE, NOT READY/m);
  assert.match(table.stdout, /^check sink:fifo\s+CRITICAL [\d.]+\/3 seconds: writing, no progress/m);
  const js = spawnSync(process.execPath, [CLI, 'status', '--url', c.adminUrl, '--format', 'json'], { encoding: 'utf8' });
  const st = JSON.parse(js.stdout) as { ready: boolean; health: { live: boolean; checks: { name: string; status: string }[] } };
  assert.equal(st.ready, false);
  assert.equal(st.health.live, false);
  assert.equal(st.health.checks.find((x) => x.name === 'sink:fifo')?.status, 'critical');

  reader.kill('SIGCONT');
  await waitFor('liveness back', async () => (await probe(`${c.url}/healthz`)).status === 200, 60_000, 100);
  await waitFor('readiness back', async () => (await probe(`${c.url}/readyz`)).status === 200, 60_000, 100);
  await waitFor('every record through the FIFO', () => existsSync(copy) && readFileSync(copy, 'utf8').split('\n').filter(Boolean).length === sent, 60_000);
  assert.equal(await c.metric('zlog_health_check_status', { check: 'sink:fifo' }), 0);
});

test('a wedged event loop fails liveness naming event-loop; released, it recovers', { timeout: 120_000 }, async (t) => {
  const c = await startCollector(
    { health: { intervalMs: 200, eventLoop: { warningMs: 100, criticalMs: 1000 } } },
    { env: { ZLOG_DEBUG_HOOKS: '1', ZLOG_DEBUG_BLOCK_MS: '1500' } },
  );
  t.after(() => cleanup(c));
  await waitFor('alive', async () => (await probe(`${c.url}/healthz`)).status === 200, 30_000);
  process.kill(c.pid, 'SIGUSR2');
  let live = { status: 0, body: '' };
  await waitFor('liveness to fail', async () => (live = await probe(`${c.url}/healthz`)).status === 503, 60_000, 100);
  assert.match(live.body, /^\[-\]event-loop failed: /m);
  assert.ok(c.logs.some((l) => l.includes('event loop wedged')));
  const hc = spawnSync(process.execPath, [CLI, 'health-check', '--url', c.url, '--timeout', '20'], { encoding: 'utf8' });
  assert.equal(hc.status, 5, hc.stderr);
  process.kill(c.pid, 'SIGUSR2');
  await waitFor('liveness back', async () => (await probe(`${c.url}/healthz`)).status === 200, 60_000, 100);
});

test('health-check with its default timeout calls a collector that accepts but never answers wedged (5), not unreachable (3)', { timeout: 120_000 }, async (t) => {
  // Each busy-wait lasts longer than health-check's default 3 s timeout, so /healthz cannot answer in time.
  const c = await startCollector({}, { env: { ZLOG_DEBUG_HOOKS: '1', ZLOG_DEBUG_BLOCK_MS: '20000' } });
  t.after(() => cleanup(c));
  process.kill(c.pid, 'SIGUSR2');
  await waitFor('the wedge to start', () => c.logs.some((l) => l.includes('event loop wedged')), 30_000);
  const hc = spawnSync(process.execPath, [CLI, 'health-check', '--url', c.url], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(hc.status, 5, hc.stderr);
  assert.match(hc.stderr, /accepted the connection but did not answer within 3 s/);
  assert.match(hc.stderr, /failing event-loop; exit 5/);
  // Nothing listening is still "unreachable" (3) and names the cause.
  c.proc.kill('SIGKILL');
  await c.exit;
  const gone = spawnSync(process.execPath, [CLI, 'health-check', '--url', c.url], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(gone.status, 3, gone.stderr);
  assert.match(gone.stderr, /unreachable: connect ECONNREFUSED/);
});

test('sustained decode rejections above the configured rate show in verbose health and the metric', { timeout: 120_000 }, async (t) => {
  const c = await startCollector({ health: { intervalMs: 200, errors: { windowSeconds: 2, warningPerSecond: 5 } } });
  t.after(() => cleanup(c));
  const [h, p] = encodeMessage(1n, ['hello']);
  const bad = Buffer.from(p);
  bad[bad.length - 1] ^= 0xff;
  const d = new zmq.Dealer({ linger: 0, receiveTimeout: 5000, sendTimeout: 2000 });
  d.connect(c.endpoints.native[0]);
  t.after(() => d.close());
  let stop = false;
  let sent = 0;
  // Rejected messages keep flowing while the test looks; bounded by count.
  const sender = (async () => {
    for (; !stop && sent < 200_000; sent++) {
      await d.send([h, bad]);
      await d.receive();
    }
  })();
  let verbose = { status: 0, body: '' };
  try {
    await waitFor('the error-rate warning', async () => /^\[\+\]errors:native warning/m.test((verbose = await probe(`${c.url}/readyz?verbose`)).body), 60_000, 100);
    assert.match(verbose.body, /^\[\+\]errors:native warning \(does not fail readiness\): value=[\d.]+ threshold=5 per_second; [\d.]+ errors\/s over the last 2 s$/m);
    const value = Number(/errors:native warning \(does not fail readiness\): value=([\d.]+)/.exec(verbose.body)![1]);
    assert.ok(value >= 5, `rate ${value}`);
    await waitFor('the metric', async () => (await c.metric('zlog_health_check_status', { check: 'errors:native' })) === 1, 30_000, 100);
    assert.ok((await c.metric('zlog_health_check_value', { check: 'errors:native' })) >= 5);
    assert.ok((await c.metric('zlog_component_discarded_events_total', { component_id: 'native', reason: 'checksum' })) > 0);
    // The sending Dealer is a connected peer, seen through the socket monitor.
    assert.match(verbose.body, /^\[\+\]connections:native ok: value=1 peers; 1 peer connected; accepted 1,/m);
    assert.equal(await c.metric('zlog_input_connections', { component_id: 'native' }), 1);
    assert.equal(await c.metric('zlog_input_socket_events_total', { component_id: 'native', event: 'accepted' }), 1);
  } finally {
    stop = true;
    await sender;
  }
  assert.ok(sent > 0);
});

test('a PULL input on the native receive path reports its connected peers through the addon\'s socket monitor', { timeout: 120_000 }, async (t) => {
  const c = await startCollector({ health: { intervalMs: 200 } });
  t.after(() => cleanup(c));
  assert.ok(c.logs.some((l) => /"id":"pull","type":"zmq-pull","endpoints":\[[^\]]*\],"receiver":"native"/.test(l)), 'the PULL input runs on the native receive path');
  const peers = [new zmq.Push({ linger: 1000 }), new zmq.Push({ linger: 1000 })];
  t.after(() => peers.forEach((p) => p.close()));
  for (const p of peers) {
    p.connect(c.endpoints.pull[0]);
    await p.send('hello');
  }
  let verbose = '';
  await waitFor('two peers on the PULL input', async () => /^\[\+\]connections:pull ok: value=2 /m.test((verbose = (await probe(`${c.url}/readyz?verbose`)).body)), 60_000, 100);
  assert.match(verbose, /^\[\+\]connections:pull ok: value=2 peers; 2 peers connected; accepted 2,/m);
  await waitFor('the connection gauge', async () => (await c.metric('zlog_input_connections', { component_id: 'pull' })) === 2, 30_000, 100);
  peers[0].close();
  await waitFor('one peer gone', async () => (await c.metric('zlog_input_socket_events_total', { component_id: 'pull', event: 'disconnected' })) === 1, 30_000, 100);
  await waitFor('the gauge follows', async () => (await c.metric('zlog_input_connections', { component_id: 'pull' })) === 1, 30_000, 100);
});

/** A fresh memory cgroup (v1) under this process's own, with `limit` bytes; removed by the caller. */
function memoryCgroup(limit: number): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (!line || !existsSync('/sys/fs/cgroup/memory')) throw new Error('needs a cgroup-v1 memory hierarchy at /sys/fs/cgroup/memory (and root)');
  const dir = join('/sys/fs/cgroup/memory', line.split(':')[2], `zlog-health-${process.pid}-${Date.now()}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limit));
  return dir;
}

test('under a memory limit with a stalled sink and heavy input, readiness drops on memory before the limit', { timeout: 240_000 }, async (t) => {
  const MiB = 1048576;
  const limit = 400 * MiB;
  const cg = memoryCgroup(limit);
  let c: CollectorProcess | undefined;
  t.after(async () => {
    if (c) {
      cleanup(c);
      await c.exit;
    }
    rmdirSync(cg);
  });
  const dir = execFileSync('mktemp', ['-d', '/tmp/zlog-health-XXXXXX']).toString().trim();
  const { fifo, copy, sink } = fifoSinkConfig(dir);
  const reader = fifoReader(fifo, copy);
  t.after(() => reader.kill('SIGKILL'));
  c = await startCollector(
    {
      inputs: [{ id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], rcvHwm: 100 }],
      sinks: [sink],
      // The stalled sink's own queue (pipeline.sinkQueue, 64 MiB by default) would stop admission long before memory
      // matters, and so would the buffer pool's slots (64 of 1 MiB: outputs waiting for the sink hold them, and the
      // pipeline then waits for one to come back); this test is about memory, so all three bounds are far above the
      // cgroup limit.
      pipeline: { queue: { maxRecords: 1_000_000, maxBytes: 2048 * MiB }, sinkQueue: { maxBytes: 2048 * MiB }, batch: { maxDelayMs: 0 }, bufferPool: { buffers: 2048 } },
      // Only memory may fail readiness here: the stalled sink and the full queue are given long limits.
      health: { intervalMs: 200, memory: { warningRatio: 0.45, criticalRatio: 0.95 }, sinks: { stalledSeconds: 3000, stuckSeconds: 3600 }, backlog: { warningAgeSeconds: 3000 }, queue: { warningRatio: 0.99 } },
    },
    { dir, cgroup: cg },
  );
  const cc = c;
  await waitFor('ready', async () => (await probe(`${cc.url}/readyz`)).status === 200, 30_000);
  assert.match((await probe(`${cc.url}/readyz?verbose`)).body, new RegExp(`\\[\\+\\]memory ok: .* of ${(limit / MiB).toFixed(1)} MiB cgroup limit`));

  reader.kill('SIGSTOP');
  let ready = { status: 200, body: '' };
  // 64 KiB records until readiness drops (at most 4000: 250 MiB, past the warning and short of the limit).
  const sent = await push(cc.endpoints.pull[0], 4000, 65536, async () => (ready = await probe(`${cc.url}/readyz`)).status === 503);
  assert.equal(ready.status, 503, `readiness never dropped after ${sent} records`);
  assert.match(ready.body, /^\[-\]memory failed: rss [\d.]+ MiB of 400\.0 MiB cgroup limit/m);
  assert.equal(cc.proc.exitCode, null, 'the collector is running');
  const live = await probe(`${cc.url}/healthz?verbose`);
  assert.equal(live.status, 200, live.body);
  // The kernel never had to hold the cgroup at its limit.
  assert.equal(readFileSync(join(cg, 'memory.failcnt'), 'utf8').trim(), '0');
  assert.ok(Number(readFileSync(join(cg, 'memory.max_usage_in_bytes'), 'utf8')) < limit);
  assert.equal(await cc.metric('zlog_memory_limit_bytes'), limit);
  assert.equal(await cc.metric('zlog_health_check_status', { check: 'memory' }), 1);
});
