// One sink down beside a healthy one (docs/sinks.md, "One sink down"): a collector with a routed HTTP sink whose
// store is down and a file sink `archive` beside it, a sender that keeps the down sink's queue full, a sender
// that writes through the file sink in a bounded window, and the refusal counters. Shared by
// test/sinks/one-sink-down.test.ts and test/sinks/pool-share.test.ts, which differ in the store (a stopped
// VictoriaLogs, or a port nothing listens on), the queue and pool sizes and what they assert.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ZlogClient, type ZlogClientOptions } from '../../collector/client/client.js';
import { cleanup, startCollector, waitFor, type CollectorProcess } from './collector-process.js';
import { startAckedLoad, type AckedLoad } from './load.js';

/** Resolves with `p`, or rejects naming `what` after `ms`: every wait of these tests is bounded. */
export async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** zlog_input_busy_refusals_total by stage and sink: `stage/sink=n` pairs (sink "" is the shared queue). */
export async function refusals(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^zlog_input_busy_refusals_total\{[^}]*stage="([^"]*)",sink_id="([^"]*)"\} (\d+)$/gm)) out[`${m[1]}/${m[2]}`] = (out[`${m[1]}/${m[2]}`] ?? 0) + Number(m[3]);
  return out;
}

export interface BesideDownSink {
  c: CollectorProcess;
  dir: string;
  /** The `message` of every record the archive (file sink) wrote, in file order. */
  archive(): string[];
}

/**
 * Starts a collector with one native (`zmq-router`) input, `persisted` ACKs, fast sink retries (50-500 ms), an
 * elasticsearch sink `downId` at `endpoint` taking records with app `to-<downId>`, and a file sink `archive`
 * taking app `to-file` (`routed: false`: no `match`, every record goes to both). `pipeline` is merged over
 * {ackMode, batch of 500 records / 256 KiB}; `config` over the rest.
 */
export async function startBesideDownSink(
  t: TestContext,
  o: { prefix: string; downId: string; endpoint: string; pipeline: Record<string, unknown>; config?: Record<string, unknown>; routed?: boolean },
): Promise<BesideDownSink> {
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const routed = o.routed ?? true;
  const c = await startCollector(
    {
      inputs: [{ id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:*'] }],
      pipeline: { ackMode: 'persisted', batch: { maxRecords: 500, maxBytes: 256 * 1024 }, ...o.pipeline },
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      sinks: [
        { id: o.downId, type: 'elasticsearch', endpoint: o.endpoint, ...(routed ? { match: { app: [`to-${o.downId}`] } } : {}) },
        { id: 'archive', type: 'file', path: join(dir, 'archive'), ...(routed ? { match: { app: ['to-file'] } } : {}) },
      ],
      ...o.config,
    },
    { dir, readyTimeoutMs: 60_000 },
  );
  t.after(() => cleanup(c));
  return { c, dir, archive: () => c.records(join(dir, 'archive', 'zlog.ndjson')).map((r) => r.message as string) };
}

/**
 * The down sink's sender: a window of `window` batches of `batchRecords` that never gives up (no delivery
 * timeout) and retries a refused batch quickly (50-500 ms), sending `line(0)`, `line(1)`, ... up to `max`
 * records. Stopped and closed when the test ends.
 */
export function startDownSender(t: TestContext, c: CollectorProcess, o: { batchRecords: number; window: number; max: number; line: (id: number) => string }): { client: ZlogClient; load: AckedLoad } {
  const client = new ZlogClient({ maxBatchRecords: o.batchRecords, maxInFlightBatches: o.window, deliveryTimeoutMs: 0, ackTimeoutMs: 120_000, retryInitialDelayMs: 50, retryMaxDelayMs: 500 });
  client.connect(c.endpoints.native[0]);
  const load = startAckedLoad(client, o.line, o.max);
  t.after(async () => {
    const stopping = load.stop();
    await client.close(100);
    await stopping;
  });
  return { client, load };
}

/**
 * The healthy (file) sink's sender: `batchRecords` per batch, `window` batches in flight, and a delivery timeout
 * of 60 s that bounds how long any batch may wait (on a collector where the down sink stops everyone, each does).
 */
export function fileSender(c: CollectorProcess, o: { batchRecords: number; window: number } & Partial<ZlogClientOptions>): ZlogClient {
  const client = new ZlogClient({ deliveryTimeoutMs: 60_000, ackTimeoutMs: 30_000, ...o, maxBatchRecords: o.batchRecords, maxInFlightBatches: o.window });
  client.connect(c.endpoints.native[0]);
  return client;
}

/**
 * Sends `line(0..n-1)` through `client`, each send waiting for the window as a producer should (n sends waiting
 * at once each woke on every ACK, n x batches wake-ups that starved the test process at 80,000 records), and
 * waits for every ACK, within `ms`. On failure the error carries the sender's stats and the collector's status.
 */
export async function sendAll(c: CollectorProcess, client: ZlogClient, n: number, line: (i: number) => string, ms = 120_000): Promise<void> {
  try {
    await within(
      'the file sender',
      ms,
      (async () => {
        const acks: Promise<void>[] = [];
        for (let i = 0; i < n; i++) {
          acks.push(client.send(line(i)));
          if (!client.writable) await client.whenWritable();
        }
        await Promise.all(acks);
      })(),
    );
  } catch (err) {
    const status = await (await fetch(`${c.adminUrl}/status`)).text();
    throw new Error(`${(err as Error).message}; file sender ${JSON.stringify(client.stats)}; collector status ${status.slice(0, 4000)}`);
  }
}

/**
 * The buffer pool's scenario (test/sinks/pool-share, pool-idle-input): with `c` from startBesideDownSink (down
 * sink `down`, routed), the down sink's sender queues at least 2,400 records of 1 KiB (more outputs than a small
 * pool has slots), then a file sender writes 3,000. Asserts every file record is written once, no file batch ran
 * into its delivery timeout, the store is still down and nothing of the down sink was acknowledged (persisted).
 */
export async function fileBesideFullDownSink(t: TestContext, b: BesideDownSink, tag: string): Promise<{ toDown: ZlogClient; toFile: ZlogClient; load: AckedLoad; n: number }> {
  const { c } = b;
  const body = 'x'.repeat(1000);
  const { client: toDown, load } = startDownSender(t, c, { batchRecords: 30, window: 100, max: 5_000, line: (id) => JSON.stringify({ app: 'to-down', message: `${tag} down-${id} ${body}` }) });
  await waitFor('the down sink to take 2,400 records', async () => (await c.metric('zlog_sink_queue_received_events_total', { component_id: 'down' })) >= 2_400, 100_000, 100);
  const toFile = fileSender(c, { batchRecords: 30, window: 8 });
  const n = 3_000;
  await sendAll(c, toFile, n, (i) => JSON.stringify({ app: 'to-file', message: `${tag} file-${i} ${body}` }));
  await toFile.close(5_000);
  const written = b.archive().map((m) => m.split(' ')[1]);
  assert.equal(written.length, n, 'every file record written once');
  assert.equal(new Set(written).size, n);
  assert.equal(toFile.stats.failedBatches, 0, 'no file batch waited past its delivery timeout');
  assert.equal(await c.metric('zlog_sink_retrying', { component_id: 'down' }), 1, 'the store is still down');
  assert.equal(load.acked.size, 0, 'nothing of the down sink was acknowledged (persisted)');
  return { toDown, toFile, load, n };
}
