// Worker micro-benchmark (not a test): records/s of what a worker does per wire format (framing, decoding,
// NDJSON) with the collector's own ChunkProcessor, on one core.
//   node dist/bench/decode.js [seconds-per-case [name-filter]]
// The collector has to keep up with ~500k records/s per input; these figures show the worker's share.

import type { RecordFormat } from '../collector/config/types.js';
import { ChunkBuilder, KIND_FRAMES, packedSize } from '../collector/pipeline/chunk.js';
import { NdjsonWriter } from '../collector/pipeline/ndjson-writer.js';
import { createProcessor } from '../collector/pipeline/processor-factory.js';

interface Case {
  name: string;
  frames: Buffer[];
  format: RecordFormat;
  topicFrame: boolean;
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Record i of `pyzmq_push.py --json` at SIZE bytes (the same bytes the sender writes). */
function jwRecord(i: number, size: number): Buffer {
  const head = `{"seq":${i},"level":"info","service":"bench","user":{"id":${i % 977},"roles":["a","b"]},"ok":true,"msg":"`;
  return b(head + 'x'.repeat(Math.max(1, size - head.length - 2)) + '"}');
}
const cases: Case[] = [
  { name: 'rsyslog ForwardFormat', format: 'auto', topicFrame: false,
    frames: [b('<14>2026-11-27T01:33:33.573547+00:00 vm kit-uxsock: hello from logger via imuxsock')] },
  { name: 'rsyslog Traditional (RFC 3164) + topic frame', format: 'auto', topicFrame: true,
    frames: [b('syslog'), b('<131>Nov 27 01:45:32 vm kit-uxsock: error line with UTF-8 äöü and "quotes"')] },
  { name: 'RFC 5424 with structured data', format: 'auto', topicFrame: false,
    frames: [b('<165>1 2026-11-27T01:33:33.573547+00:00 vm app 4242 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event\n')] },
  { name: 'rsyslog JSON template', format: 'auto', topicFrame: false,
    frames: [b('{"ts":"2026-11-27T01:45:15.828521+00:00", "host":"vm", "severity":"info", "facility":"user", "tag":"kit-uxsock:", "msg":" hello from logger via imuxsock"}\n')] },
  { name: 'pyzmq JSON line', format: 'auto', topicFrame: false,
    frames: [b('{"ts":1795743966.043641,"level":"debug","host":"vm","pid":20923,"seq":0,"msg":"json line 0 äöü"}')] },
  { name: 'pino JSON', format: 'auto', topicFrame: false,
    frames: [b('{"level":30,"time":1795743966043,"pid":7,"hostname":"h","name":"api","msg":"request done","req":{"id":1,"url":"/x"}}')] },
  { name: 'PUBHandler [topic, text]', format: 'auto', topicFrame: true,
    frames: [b('WARNING'), b('WARNING log_pubhandler.py:45 - warning message\n')] },
  // The records of bench cases jw0-jw2 (bench/pyzmq_push.py --json): what the JSON worker-scaling case parses.
  ...[100, 1024].map((size) => ({ name: `jw JSON record, ${size} B`, format: 'auto' as const, topicFrame: false, frames: [jwRecord(12345, size)] })),
  { name: 'plain text, 100 B', format: 'text', topicFrame: false, frames: [b('x'.repeat(100))] },
  { name: 'plain text auto, 100 B', format: 'auto', topicFrame: false, frames: [b('GET /index.html 200 ' + 'x'.repeat(80))] },
  { name: 'plain text auto on SUB, 100 B', format: 'auto', topicFrame: true, frames: [b('GET /index.html 200 ' + 'x'.repeat(80))] },
];

const seconds = Number(process.argv[2] ?? '1');
// An optional name filter runs one case alone: a single-format input keeps the JIT monomorphic.
const only = process.argv[3];
let sink = 0; // keeps the results alive so the JIT cannot drop the work
const PER_CHUNK = 1000;

for (const c of cases.filter((x) => only === undefined || x.name.includes(only))) {
  const processor = createProcessor({
    inputs: [{ id: 'bench', type: c.topicFrame ? 'zmq-sub' : 'zmq-pull', format: c.format, framing: 'frame', topicFrame: c.topicFrame, topics: [''] }],
    maxRecordBytes: 1 << 20,
    maxDecompressedBytes: 1 << 26,
    hostname: 'pod',
  });
  // One chunk of PER_CHUNK copies of the message, processed again and again into one reused output buffer.
  const builder = new ChunkBuilder(new ArrayBuffer(packedSize(c.frames) * PER_CHUNK));
  for (let i = 0; i < PER_CHUNK; i++) builder.add({ kind: KIND_FRAMES, input: 0, compression: 0, recordCount: 0, receivedAt: Date.now(), frames: c.frames });
  const { buffer, length } = builder.finish();
  const out = new ArrayBuffer(1 << 20);
  const run = (n: number): void => {
    for (let i = 0; i < n; i += PER_CHUNK) sink += processor.process(buffer, length, new NdjsonWriter(out)).records;
  };
  run(50_000); // warm-up: let the JIT optimise before measuring
  // Median of three timed rounds: other processes on a 2-core machine make single rounds noisy.
  // CPU time per record as well: on a shared machine it moves far less with other load than records/s.
  const rounds: number[] = [];
  const cpu: number[] = [];
  const batch = 10_000;
  const limit = BigInt(Math.round((seconds / 3) * 1e9));
  for (let k = 0; k < 3; k++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let elapsed = 0n;
    while (elapsed < limit) {
      run(batch);
      n += batch;
      elapsed = process.hrtime.bigint() - start;
    }
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / n);
    rounds.push(n / (Number(elapsed) / 1e9));
  }
  rounds.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(`${c.name.padEnd(46)} ${Math.round(rounds[1]).toLocaleString('en-US').padStart(12)} records/s ${cpu[1].toFixed(2).padStart(8)} CPU µs/record`);
}
if (sink === 0) console.log('(no output)');
