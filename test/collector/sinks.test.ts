// The stdout sink, and a drain that cannot finish because a sink stays dead.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

test('stdout sink: one NDJSON line per record on standard output, logs stay on stderr', { timeout: 60_000 }, async (t) => {
  const c = await startCollector({ sinks: [{ id: 'out', type: 'stdout' }], pipeline: { ackMode: 'persisted' } });
  t.after(() => cleanup(c));
  let stdout = '';
  c.proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const client = new ZlogClient();
  client.connect(c.endpoints.native[0]);
  await Promise.all(['one', 'two', '<11>Nov 27 01:45:32 vm app: three'].map((r) => client.send(r)));
  await client.close();
  await waitFor('three stdout lines', () => stdout.split('\n').filter(Boolean).length >= 3);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => l.message), ['one', 'two', 'three']);
  assert.equal(lines[2].severity, 'err');
  assert.ok(!stdout.includes('"level":'), 'no collector log lines on stdout');
});

test('a dead sink: the drain gives up at its timeout, exits 1 and says how much was left', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dead-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  symlinkSync('/dev/full', join(out, 'zlog.ndjson')); // every write: ENOSPC
  const d = await startCollector(
    { sinks: [{ id: 'file', type: 'file', path: out }], drain: { timeoutSeconds: 2 }, retry: { initialDelayMs: 10, maxDelayMs: 100 }, pipeline: { ackMode: 'persisted' } },
    { dir },
  );
  t.after(() => cleanup(d));
  const client = new ZlogClient({ deliveryTimeoutMs: 0 });
  client.connect(d.endpoints.native[0]);
  let acked = 0;
  for (let i = 0; i < 50; i++) void client.send(`r${i}`).then(() => acked++, () => {});
  await waitFor('sink failures', async () => (await d.metric('zlog_sink_retries_total')) > 2);
  d.proc.kill('SIGTERM');
  const exit = await d.exit;
  await client.close(0);
  assert.equal(exit.code, 1);
  assert.equal(acked, 0, 'nothing unwritten was acknowledged');
  const line = d.logs.find((l) => l.includes('drain timed out'));
  assert.ok(line, d.logs.slice(-5).join('\n'));
  assert.equal((JSON.parse(line!) as { unwritten: number }).unwritten, 50);
  assert.match(line!, /not written and not acknowledged/);
});

test('a dead sink with ackMode received: the drain timeout says the unwritten records were acknowledged and are lost', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-dead-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  symlinkSync('/dev/full', join(out, 'zlog.ndjson')); // every write: ENOSPC
  const d = await startCollector(
    { sinks: [{ id: 'file', type: 'file', path: out }], drain: { timeoutSeconds: 2 }, retry: { initialDelayMs: 10, maxDelayMs: 100 }, pipeline: { ackMode: 'received' } },
    { dir },
  );
  t.after(() => cleanup(d));
  const client = new ZlogClient({ deliveryTimeoutMs: 0 });
  client.connect(d.endpoints.native[0]);
  const sends = Array.from({ length: 50 }, (_, i) => client.send(`r${i}`));
  await Promise.all(sends); // received: every one is acknowledged although the sink never wrote it
  await waitFor('sink failures', async () => (await d.metric('zlog_sink_retries_total')) > 2);
  d.proc.kill('SIGTERM');
  const exit = await d.exit;
  await client.close(0);
  assert.equal(exit.code, 1);
  const line = d.logs.find((l) => l.includes('drain timed out'));
  assert.ok(line, d.logs.slice(-5).join('\n'));
  const logged = JSON.parse(line!) as { unwritten: number; ackMode: string; msg: string };
  assert.equal(logged.unwritten, 50);
  assert.equal(logged.ackMode, 'received');
  // Before: "not written and not acknowledged", of records every client had an ACK for.
  assert.doesNotMatch(logged.msg, /not acknowledged/);
  assert.match(logged.msg, /are lost.*acknowledged/);
});
