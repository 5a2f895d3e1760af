// The bench-only latency trace (ZLOG_LATENCY_TRACE, collector/observability/latency-trace.ts) on the real
// collector: every acknowledged batch gets a row with every stage of its path, keyed by its sequence number,
// and every write of the file sink is recorded.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZlogClient } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor } from '../helpers/collector-process.js';

interface Trace {
  stages: string[];
  rows: (number | null)[][];
  gc: number[];
  fileWrites: number[];
  fileWriteFields?: string[];
  threadAcks?: number[];
  eventLoopDelayMs: Record<string, number>;
}

async function sendBatches(endpoint: string, batches: number, perBatch: number): Promise<void> {
  const client = new ZlogClient({ maxBatchRecords: perBatch, maxDelayMs: 1 });
  client.connect(endpoint);
  try {
    for (let b = 0; b < batches; b++) {
      await Promise.all(Array.from({ length: perBatch }, (_, i) => client.send(`trace-${b}-${i}`)));
    }
    assert.equal(client.stats.ackedBatches, batches);
  } finally {
    await client.close(1000);
  }
}

for (const ackMode of ['received', 'persisted'] as const) {
  test(`ZLOG_LATENCY_TRACE (${ackMode}): each acknowledged batch has every stage, and every file write is recorded`, { timeout: 60_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'zlog-test-'));
    const traceFile = join(dir, 'latency-trace.json');
    const c = await startCollector({ pipeline: { ackMode, workers: 1 } }, { dir, env: { ZLOG_LATENCY_TRACE: traceFile } });
    t.after(() => cleanup(c));
    await sendBatches(c.endpoints.native[0], 20, 5);
    // zlog_input_thread_acks_total: every batch in received mode, none in persisted mode (synced at each delivery,
    // so read once every record is written).
    await waitFor('every record written', () => c.records().length === 100);
    assert.equal(await c.metric('zlog_input_thread_acks_total', { component_id: 'native' }), ackMode === 'received' ? 20 : 0);
    assert.equal((await c.stop()).code, 0);
    const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as Trace;
    assert.deepEqual(trace.stages, ['received', 'handled', 'posted', 'workerStart', 'workerEnd', 'back', 'released', 'acked']);
    assert.equal(trace.rows.length, 20);
    assert.deepEqual(new Set(trace.rows.map((r) => r[0])).size, 20, 'one row per sequence number');
    for (const r of trace.rows) {
      const missing = trace.stages.filter((_, i) => typeof r[i + 1] !== 'number');
      assert.deepEqual(missing, [], `batch ${r[0]}: stages not marked`);
      // Same-thread stages in path order (the worker's and the receive thread's clocks are their own).
      const at = (s: string) => r[trace.stages.indexOf(s) + 1] as number;
      assert.ok(at('handled') <= at('posted') && at('posted') <= at('back') && at('back') <= at('released'), `batch ${r[0]}: ${JSON.stringify(r)}`);
      // received: an uncompressed batch is acknowledged by the receive thread itself (its `acked` stamp is on that
      // thread's clock, receipt + the time to the ACK); persisted: after the sinks wrote it, so after its release.
      if (ackMode === 'received') assert.ok(at('received') <= at('acked'), `batch ${r[0]}: ${JSON.stringify(r)}`);
      else assert.ok(at('released') <= at('acked'), `batch ${r[0]}: ${JSON.stringify(r)}`);
    }
    // Which batches the receive thread acknowledged: all of them in received mode (the queue has room), none in
    // persisted mode.
    assert.deepEqual([...(trace.threadAcks ?? [])].sort((a, b) => a - b), ackMode === 'received' ? trace.rows.map((r) => r[0]).sort((a, b) => (a as number) - (b as number)) : []);
    // [start, writeMs, syncMs, bytes] per write: together they are the whole output file.
    let bytes = 0;
    for (let i = 3; i < trace.fileWrites.length; i += 4) bytes += trace.fileWrites[i];
    assert.equal(bytes, statSync(join(c.dataDir, 'zlog.ndjson')).size);
    // fsync: batch (the default): every write was synced before it returned (O_DSYNC).
    assert.deepEqual(trace.fileWriteFields, ['start', 'ms', 'synced', 'bytes']);
    assert.ok(trace.fileWrites.length > 0 && trace.fileWrites.every((x, i) => i % 4 !== 2 || x === 1), JSON.stringify(trace.fileWrites));
    assert.equal(c.records().length, 100);
  });
}
