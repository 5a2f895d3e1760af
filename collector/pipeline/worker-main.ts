// Entry point of a processing worker thread: receives packed chunks, answers with NDJSON. Both buffers are
// transferred back so the main thread's pool gets them again.
import { parentPort, workerData } from 'node:worker_threads';
import { createProcessor, runChunk, type WorkerInit, type WorkerRequest, type WorkerResultMessage } from './processor-factory.js';

const processor = createProcessor(workerData as WorkerInit);
const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

port.on('message', (msg: WorkerRequest) => {
  const t0 = performance.now();
  let reply: WorkerResultMessage;
  try {
    const r = runChunk(processor, msg.buffer, msg.length, msg.output);
    reply = { id: msg.id, outcome: r.outcome, input: msg.buffer, output: r.output, outputLength: r.outputLength, grew: r.grew, busyMs: 0, startedAt: 0 };
  } catch (err) {
    reply = { id: msg.id, error: (err as Error).stack ?? String(err), input: msg.buffer, outputLength: 0, grew: false, busyMs: 0, startedAt: 0 };
  }
  reply.startedAt = performance.timeOrigin + t0;
  reply.busyMs = performance.now() - t0;
  const transfer: ArrayBuffer[] = [msg.buffer];
  if (reply.output) transfer.push(reply.output);
  port.postMessage(reply, transfer);
});
