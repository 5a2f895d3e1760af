// Runs ZeroMQ messages through exactly what a worker does with them (pack, ChunkProcessor, NDJSON) and parses
// the output back: for tests and tools that need "what would the collector write for these frames".
import type { LogRecord } from '../record.js';
import { ChunkBuilder, KIND_FRAMES, packedSize } from './chunk.js';
import { NdjsonWriter } from './ndjson-writer.js';
import type { ChunkOutcome, ProcessorInput } from './processor.js';
import { createProcessor } from './processor-factory.js';

export interface ProcessedMessages {
  records: LogRecord[];
  /** The NDJSON lines as written (numbers beyond 2^53 survive here, not in records). */
  lines: string[];
  /** Discards by reason (e.g. `empty`). */
  discards: Record<string, number>;
  outcome: ChunkOutcome;
}

export function processMessages(
  messages: readonly (readonly Uint8Array[])[],
  input: Pick<ProcessorInput, 'id'> & Partial<ProcessorInput>,
  opts: { hostname?: string; maxRecordBytes?: number; receivedAt?: number; sender?: string; routingId?: string } = {},
): ProcessedMessages {
  const full: ProcessorInput = { type: 'zmq-pull', framing: 'frame', format: 'auto', topicFrame: false, topics: [''], ...input };
  const processor = createProcessor({ inputs: [full], maxRecordBytes: opts.maxRecordBytes ?? 1 << 20, maxDecompressedBytes: 1 << 26, hostname: opts.hostname ?? '' });
  const receivedAt = opts.receivedAt ?? Date.now();
  const packed = messages.map((frames) => ({ kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt, frames, sender: opts.sender, routingId: opts.routingId }));
  const b = new ChunkBuilder(new ArrayBuffer(Math.max(1, packed.reduce((n, m) => n + packedSize(m.frames, m.sender, m.routingId), 0))));
  for (const m of packed) b.add(m);
  const { buffer, length } = b.finish();
  const out = new NdjsonWriter(new ArrayBuffer(4096));
  const outcome = processor.process(buffer, length, out);
  const text = Buffer.from(out.take()).toString('utf8');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  const records = lines.map((l) => JSON.parse(l) as LogRecord);
  const discards: Record<string, number> = {};
  for (const [k, n] of Object.entries(outcome.discards)) discards[k.slice(k.indexOf(':') + 1)] = n;
  return { records, lines, discards, outcome };
}
