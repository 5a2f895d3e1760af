import { createProcessor } from '/work/main/dist/collector/pipeline/processor-factory.js';
import { ChunkBuilder, KIND_NATIVE, packedSize } from '/work/main/dist/collector/pipeline/chunk.js';
import { NdjsonWriter } from '/work/main/dist/collector/pipeline/ndjson-writer.js';
import { encodeMessage } from '/work/main/dist/collector/protocol/message.js';
const p = createProcessor({ inputs: [{ id: 'native', format: 'auto', framing: 'frame', topicFrame: false, topics: [''] }], maxRecordBytes: 1 << 20, maxDecompressedBytes: 1 << 26, hostname: 'h' });
const recs = Array.from({ length: 1000 }, (_, i) => (String(i).padStart(11, '0') + ' ' + 'x'.repeat(88)));
const frames = encodeMessage(1n, recs, { compression: 'none' });
const msgs = 8;
const b = new ChunkBuilder(new ArrayBuffer(packedSize(frames) * msgs));
for (let i = 0; i < msgs; i++) b.add({ kind: KIND_NATIVE, input: 0, compression: 0, recordCount: 1000, receivedAt: Date.now(), frames });
const { buffer, length } = b.finish();
const out = new ArrayBuffer(4 << 20);
let n = 0; const t0 = performance.now(); const c0 = process.cpuUsage();
while (performance.now() - t0 < 3000) { const w = new NdjsonWriter(out); n += p.process(buffer, length, w).records; }
const s = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0); console.log("cpu ns/rec", Math.round((c.user + c.system) * 1000 / n));
