// `zlog send`: every stdin line becomes one record sent over the native protocol; exits when all are
// acknowledged (0) or when any batch failed for good (1, with the reason).
import { createInterface } from 'node:readline';
import { ZlogClient } from '../client/client.js';
import type { CompressionChoice } from '../protocol/compression.js';

const COMPRESSIONS = ['auto', 'none', 'gzip', 'deflate', 'brotli'];

export async function send(o: { endpoint: string; batch: number; compression: string }): Promise<number> {
  if (!COMPRESSIONS.includes(o.compression)) {
    console.error(`zlog send: --compression must be one of ${COMPRESSIONS.join(', ')}, not "${o.compression}"`);
    return 2;
  }
  if (!Number.isInteger(o.batch) || o.batch < 1) {
    console.error(`zlog send: --batch must be a positive integer, not "${o.batch}"`);
    return 2;
  }
  const client = new ZlogClient({ maxBatchRecords: o.batch, compression: o.compression as CompressionChoice });
  client.connect(o.endpoint);
  const pending: Promise<void>[] = [];
  let failed: Error | undefined;
  let lines = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line === '') continue;
    lines++;
    const p = client.send(line).catch((err: Error) => {
      failed ??= err;
    });
    // Keep memory flat on huge inputs: only the newest promises are held.
    pending.push(p);
    if (pending.length >= 10_000) await Promise.all(pending.splice(0));
  }
  await client.flush().catch((err: Error) => {
    failed ??= err;
  });
  await Promise.all(pending);
  await client.close();
  const s = client.stats;
  if (failed) {
    console.error(`zlog send: ${s.ackedRecords} of ${lines} records acknowledged; failed: ${failed.message}`);
    return 1;
  }
  console.error(`zlog send: ${s.ackedRecords} records acknowledged by ${o.endpoint} in ${s.ackedBatches} batches (${s.retries} retries)`);
  return 0;
}
