// Entry point of a processing worker thread: receives packed chunks, answers with NDJSON. Both buffers are
// transferred back so the main thread's pool gets them again.
import { parentPort, workerData } from 'node:worker_threads';
import { NdjsonWriter } from './ndjson-writer.js';
import { createProcessor } from './processor-factory.js';
import type { WorkerInit, WorkerResultMessage } from './worker-pool.js';

const processor = createProcessor(workerData as WorkerInit);
const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

port.on('message', (msg: { id: number; buffer: ArrayBuffer; length: number; output: ArrayBuffer }) => {
  const t0 = performance.now();
  const writer = new NdjsonWriter(msg.output);
  let reply: WorkerResultMessage;
  try {
    const outcome = processor.process(msg.buffer, msg.length, writer);
    reply = { id: msg.id, outcome, input: msg.buffer, output: writer.buf.buffer as ArrayBuffer, outputLength: writer.pos, grew: writer.grew > 0, busyMs: 0 };
  } catch (err) {
    reply = { id: msg.id, error: (err as Error).stack ?? String(err), input: msg.buffer, outputLength: 0, grew: false, busyMs: 0 };
  }
  reply.busyMs = performance.now() - t0;
  const transfer: ArrayBuffer[] = [msg.buffer];
  if (reply.output) transfer.push(reply.output);
  port.postMessage(reply, transfer);
});
