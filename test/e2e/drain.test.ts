// Journey 4, drain for real: the rolling sequence a Deployment with maxUnavailable 0 performs, with real collector
// processes on this machine. Two instances serve one acked client (a DEALER connected to both); a replacement
// starts, then an old instance is SIGTERMed while records are flowing, then the other is stopped the way a pod
// of the operator's Deployment is (its preStop hook command, then SIGTERM). Every record
// whose send() was acknowledged must be in some instance's sink files, and every stopped instance must exit 0.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ZlogClient } from '../../collector/client/client.js';
import { preStopScript } from '../../operator/manifests/deployment.js';
import { startCollector, type CollectorProcess } from '../helpers/collector-process.js';
import { readSinkMessages } from './lib/collector.js';
import { waitFor } from './lib/ports.js';

const DRAIN_TIMEOUT_SECONDS = 20;

test('rolling replacement under load (SIGTERM; then the preStop hook and SIGTERM) loses no acknowledged record', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-drain-'));
  const procs: CollectorProcess[] = [];
  t.after(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 10_000)));
    rmSync(dir, { recursive: true, force: true });
  });
  // Small batches and a short linger so a SIGTERM always lands with batches queued, in flight and unacked.
  const config = { pipeline: { ackMode: 'persisted', batch: { maxRecords: 200, maxBytes: 65536, maxDelayMs: 5 } } };
  const start = async (name: string) => {
    const p = await startCollector({ ...config, sinks: [{ id: 'file', type: 'file', path: join(dir, name, 'data') }], drain: { timeoutSeconds: DRAIN_TIMEOUT_SECONDS } }, { dir: join(dir, name) });
    procs.push(p);
    return p;
  };
  const [a, b] = [await start('a'), await start('b')];

  const client = new ZlogClient({ maxBatchRecords: 50, maxDelayMs: 2, ackTimeoutMs: 1000, deliveryTimeoutMs: 30_000, maxInFlightBatches: 8 });
  // An open socket would keep this file's process alive after a failure (Node 20 does not force the exit).
  t.after(() => client.close(1000));
  client.connect(a.endpoints.native[0]);
  client.connect(b.endpoints.native[0]);

  const acked = new Set<number>();
  const failed = new Set<number>();
  let produced = 0;
  let producing = true;
  const producer = (async () => {
    const pending: Promise<void>[] = [];
    while (producing) {
      const i = produced++;
      pending.push(client.send(`drain-${i}`).then(() => void acked.add(i), () => void failed.add(i)));
      // Keeps the event loop turning (acks, timers) while the window is not full.
      if (i % 50 === 49) await client.whenWritable().then(() => new Promise((r) => setImmediate(r)));
      if (pending.length > 5000) await Promise.all(pending.splice(0, pending.length));
    }
    await Promise.all(pending);
  })();
  // A failed assertion must not leave the producer spinning against a closed client.
  t.after(() => {
    producing = false;
  });

  const ackedAtLeast = (n: number) => waitFor(`${n} acknowledged records`, () => acked.size >= n, 60_000);
  const dbg = (m: string) => process.env.ZLOG_TEST_DEBUG && console.error(`[drain] ${m} produced=${produced} acked=${acked.size} failed=${failed.size}`);
  const within = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what} after ${ms / 1000} s`)), ms).unref())]);
  /**
   * `stop` is how the kubelet stops the old pod: the first old instance gets SIGTERM alone (a pod without a hook);
   * the second gets the preStop hook the operator puts on the pod template (the same command, run here), then SIGTERM.
   */
  const rollOne = async (old: CollectorProcess, name: string, stop: 'sigterm' | 'prestop') => {
    dbg(`rolling ${name}`);
    const replacement = await start(name);
    client.connect(replacement.endpoints.native[0]);
    const before = acked.size;
    await ackedAtLeast(before + 2000); // the old instance is under load when it is stopped
    dbg(`${stop} ${old.pid}`);
    if (stop === 'prestop') {
      // Asynchronously, so records keep flowing to the other instances while the hook drains this one.
      await promisify(execFile)(process.execPath, ['-e', preStopScript(old.adminPort, DRAIN_TIMEOUT_SECONDS)], { timeout: 60_000 });
      // The hook returns once the collector stopped answering: it drained and exited before any SIGTERM.
      assert.doesNotMatch(old.output(), /signal received/, 'the collector drained on a signal, not on the hook');
    }
    old.signal('SIGTERM');
    const exit = await within(old.exit, 60_000, `instance ${old.pid} still running:\n${old.output()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `instance ${old.pid} did not drain cleanly:\n${old.output()}`);
    assert.match(old.output(), /"msg":"drain finished"/);
    assert.doesNotMatch(old.output(), /"ok":false/, old.output());
    return replacement;
  };

  await ackedAtLeast(3000);
  const a2 = await rollOne(a, 'a2', 'sigterm');
  const b2 = await rollOne(b, 'b2', 'prestop');
  await ackedAtLeast(acked.size + 2000);
  producing = false;
  await producer;
  await client.close(30_000);
  for (const p of [a2, b2]) assert.deepEqual(await p.stop('SIGTERM', 30_000), { code: 0, signal: null }, p.output());

  const stored = new Set<string>();
  const perInstance = new Map<string, number>();
  for (const [name, p] of [['a', a], ['b', b], ['a2', a2], ['b2', b2]] as const) {
    const messages = readSinkMessages(p.dataDir);
    perInstance.set(name, messages.length);
    for (const m of messages) stored.add(m);
  }
  const lost = [...acked].filter((i) => !stored.has(`drain-${i}`));
  t.diagnostic(`produced ${produced}, acked ${acked.size}, failed ${failed.size}, stored per instance ${JSON.stringify(Object.fromEntries(perInstance))}`);
  assert.equal(lost.length, 0, `acknowledged records missing from every sink: ${lost.slice(0, 20).join(', ')}${lost.length > 20 ? ' ...' : ''}`);
  // The sequence was real: both stopped instances had taken records, and most records got through.
  assert.ok((perInstance.get('a') ?? 0) > 0 && (perInstance.get('b') ?? 0) > 0, 'an old instance never received records');
  assert.ok(acked.size >= 7000, `only ${acked.size} records acknowledged`);
});
