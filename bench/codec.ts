// Codec throughput, one thread, no sockets: what the receiving thread (checkMessage) and a worker (openPayload)
// can do per core. Prints records/s; not a timed test.
//   node dist/bench/codec.js [recordBytes=100] [recordsPerBatch=1000] [seconds=2]
import { checkMessage, encodeMessage, openPayload, type CompressionChoice } from '../collector/protocol/index.js';

const recordBytes = Number(process.argv[2] ?? 100);
const perBatch = Number(process.argv[3] ?? 1000);
const seconds = Number(process.argv[4] ?? 2);
const limits = { maxMessageBytes: 64 << 20, maxBatchRecords: 1_000_000, maxDecompressedBytes: 256 << 20, maxRecordBytes: 1 << 20 };

const records = Array.from({ length: perBatch }, (_, i) => {
  const base = `{"ts":"2026-11-27T02:00:00.${String(i % 1000).padStart(3, '0')}Z","level":"info","msg":"`;
  return Buffer.from((base + 'x'.repeat(Math.max(0, recordBytes - base.length - 2)) + '"}').slice(0, recordBytes));
});

function rate(fn: () => number): number {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) n += fn();
  return n / ((performance.now() - start) / 1000);
}

const fmt = (x: number) => `${(x / 1e6).toFixed(2)}M`;
console.log(`records of ${recordBytes} B, ${perBatch} per batch`);
for (const compression of ['none', 'deflate', 'gzip', 'brotli'] as CompressionChoice[]) {
  const frames = encodeMessage(1, records, { compression });
  const encode = rate(() => encodeMessage(1, records, { compression }) && perBatch);
  const check = rate(() => checkMessage(frames, limits) && perBatch);
  const decode = rate(() => {
    const { header, payload } = checkMessage(frames, limits);
    const batch = openPayload(header, payload, limits);
    let bytes = 0;
    for (let i = 0; i < batch.count; i++) bytes += batch.record(i).length;
    return bytes > 0 ? batch.count : 0;
  });
  const ratio = (frames[1].length / (perBatch * (recordBytes + 4))).toFixed(3);
  console.log(`${compression.padEnd(8)} size ratio ${ratio}  encode ${fmt(encode)}/s  check ${fmt(check)}/s  check+open+split ${fmt(decode)}/s`);
}
