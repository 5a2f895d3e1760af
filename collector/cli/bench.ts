// `zlog bench`: a bounded load generator for the native protocol. Sends `records` records of `size` bytes
// (or stops after `seconds`), waits for every ACK, and prints records/s, MiB/s and send-to-ack latency.
import { ZlogClient } from '../client/client.js';

export interface BenchOptions {
  endpoint: string;
  records: number;
  size: number;
  batch: number;
  seconds: number;
}

export async function bench(o: BenchOptions): Promise<number> {
  for (const [k, v] of Object.entries({ records: o.records, size: o.size, batch: o.batch, seconds: o.seconds })) {
    if (!Number.isFinite(v) || v <= 0) {
      console.error(`zlog bench: --${k} must be a positive number, not "${v}"`);
      return 2;
    }
  }
  const result = await runBench(o);
  console.log(JSON.stringify(result));
  return result.failed > 0 ? 1 : 0;
}

export interface BenchResult {
  records: number;
  acked: number;
  failed: number;
  seconds: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  retries: number;
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const client = new ZlogClient({ maxBatchRecords: o.batch, maxBatchBytes: Math.max(o.batch * (o.size + 4), 65536), compression: 'none', maxInFlightBatches: 16, maxDelayMs: 2 });
  client.connect(o.endpoint);
  // Distinct records (a sequence number in each) so a reader can check every one arrived exactly once.
  const pad = 'x'.repeat(Math.max(0, o.size - 12));
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000;
  let sent = 0;
  // Every record of a batch shares one promise: observing each distinct one once keeps rejections handled
  // without a derived promise per record (those were most of this loop's garbage). Failures are counted by
  // the client (stats.failedRecords).
  let observed: Promise<void> | undefined;
  for (; sent < o.records; sent++) {
    // Reading the clock per record costs more than the record; every 1024 is precise enough for a time cap.
    if ((sent & 1023) === 0 && performance.now() >= deadline) break;
    const rec = (String(sent).padStart(11, '0') + ' ' + pad).slice(0, o.size);
    const p = client.send(rec);
    if (p !== observed) {
      observed = p;
      p.catch(() => {});
    }
    if (!client.writable) await client.whenWritable();
  }
  await client.flush().catch(() => {});
  await client.close(60_000);
  const seconds = (performance.now() - t0) / 1000;
  const s = client.stats;
  const lat = client.latency();
  return {
    records: sent,
    acked: s.ackedRecords,
    failed: s.failedRecords,
    seconds,
    recordsPerSecond: Math.round(s.ackedRecords / seconds),
    mibPerSecond: Math.round(((s.ackedRecords * o.size) / seconds / 1048576) * 10) / 10,
    latencyMs: { p50: lat.p50Ms, p99: lat.p99Ms, max: lat.maxMs },
    retries: s.retries,
  };
}
