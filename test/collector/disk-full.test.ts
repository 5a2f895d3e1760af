// A real full filesystem (a tiny tmpfs) under the file sink: writes fail with ENOSPC, the sink retries, the
// queue fills, ROUTER clients get "busy", PUSH senders are blocked; when space returns everything accepted is
// written exactly once and acknowledged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';
import type { SinkHealth } from '../../collector/sinks/health.js';

test('full disk: back-pressure while the sink fails, no loss and no duplicates once space returns', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zlog-full-'));
  const mnt = join(dir, 'out');
  mkdirSync(mnt);
  // Needs root (CI runs as root); the error says so if not.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
  t.after(() => {
    try {
      execFileSync('umount', ['-l', mnt]);
    } catch {
      // already unmounted
    }
  });
  const filler = join(mnt, 'filler');
  writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024 - 64 * 1024));

  const c = await startCollector(
    {
      inputs: [
        { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] },
        { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:*'], rcvHwm: 100 },
      ],
      sinks: [{ id: 'file', type: 'file', path: mnt, compress: false }],
      pipeline: { ackMode: 'persisted', workers: 1, queue: { maxRecords: 1000, maxBytes: 1 << 20 }, batch: { maxRecords: 200, maxBytes: 65536, maxDelayMs: 0 } },
      retry: { initialDelayMs: 20, maxDelayMs: 200 },
    },
    { dir },
  );
  t.after(() => cleanup(c));

  // No resend on an ack timeout within the test (the collector answers every copy): a resend after an ACK that
  // crossed it would be a legitimate duplicate, and a NACKed batch must be resent by its backoff alone (2 of 40
  // batches NACKed busy here waited for the ack timeout when the NACK overtook the client's send() call).
  const client = new ZlogClient({ maxBatchRecords: 100, ackTimeoutMs: 300_000, deliveryTimeoutMs: 0, retryMaxDelayMs: 300 });
  client.connect(c.endpoints.native[0]);
  t.after(() => client.close(0));
  const N = 4000;
  const pad = 'p'.repeat(90);
  const acks = Array.from({ length: N }, (_, i) => client.send(`n${i} ${pad}`));

  await waitFor('the sink to report ENOSPC', async () => {
    const s = (await (await fetch(`${c.adminUrl}/status`)).json()) as { sinks: SinkHealth[] };
    return s.sinks[0].state === 'retrying' && Boolean(s.sinks[0].lastError?.message.includes('ENOSPC'));
  }, 30_000);
  await waitFor('busy NACKs', async () => (await c.metric('zlog_acks_total', { result: 'nack', reason: 'busy' })) > 0, 30_000);
  assert.ok((await c.metric('zlog_sink_retries_total', { component_id: 'file' })) > 0);

  // PUSH senders are pushed back: with the queue full the collector stops reading, so sends time out.
  const push = new zmq.Push({ linger: 0, sendTimeout: 300, sendHighWaterMark: 100 });
  push.connect(c.endpoints.pull[0]);
  t.after(() => push.close());
  // 1 KiB messages, so kernel socket buffers cannot hide the back-pressure.
  const body = 'q'.repeat(1024);
  let pushed = 0;
  let blocked = false;
  for (; pushed < 50_000; pushed++) {
    try {
      await push.send(`q${pushed} ${body}`);
    } catch {
      blocked = true;
      break;
    }
  }
  assert.ok(blocked, `the PUSH sender was never blocked (sent ${pushed})`);
  assert.equal(c.proc.exitCode, null, 'the collector stays up while the disk is full');

  rmSync(filler); // space comes back
  await Promise.all(acks);
  await client.close();
  await waitFor('the pushed records', () => c.records(join(mnt, 'zlog.ndjson')).filter((r) => String(r.message).startsWith('q')).length === pushed, 30_000);
  const ids = c.records(join(mnt, 'zlog.ndjson')).map((r) => String(r.message).split(' ')[0]).filter((m) => m.startsWith('n'));
  assert.equal(ids.length, N, 'each acknowledged record exactly once');
  assert.equal(new Set(ids).size, N);
  const st = (await (await fetch(`${c.adminUrl}/status`)).json()) as { sinks: SinkHealth[] };
  assert.equal(st.sinks[0].state, 'healthy', 'the sink reports recovery');
  assert.match(st.sinks[0].lastError?.message ?? '', /ENOSPC/, 'and still shows what failed last');
});
