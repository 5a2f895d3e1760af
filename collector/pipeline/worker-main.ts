// Entry point of a processing worker thread: receives packed chunks, answers with NDJSON. Pooled buffers are
// shared slots (buffer-pool.ts): the pool sends each slot once, and then only its number; a buffer outside the
// pool arrives transferred and goes back transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { createProcessor, runChunk, type BufferRef, type WorkerInit, type WorkerRequest, type WorkerResultMessage } from './processor-factory.js';

const init = workerData as WorkerInit;
const processor = createProcessor(init);
const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
const shared: SharedArrayBuffer[] = [];

function resolve(ref: BufferRef): ArrayBufferLike {
  if (typeof ref !== 'number') return ref;
  const b = shared[ref];
  if (!b) throw new Error(`buffer slot ${ref} was never sent to this worker`);
  return b;
}

port.on('message', (msg: WorkerRequest) => {
  const t0 = performance.now();
  if (msg.shared) shared.push(...msg.shared);
  const transfer: ArrayBuffer[] = [];
  const input = typeof msg.buffer === 'number' ? undefined : msg.buffer;
  if (input) transfer.push(input);
  let reply: WorkerResultMessage;
  try {
    const output = resolve(msg.output);
    const r = runChunk(processor, resolve(msg.buffer), msg.length, output, init.bodies, msg.room);
    // The output slot's number when the NDJSON fit; otherwise the buffer it was grown into travels back.
    let out: BufferRef = msg.output;
    if (r.output !== output) {
      out = r.output as ArrayBuffer;
      transfer.push(out);
    } else if (typeof out !== 'number') transfer.push(out);
    reply = { id: msg.id, outcome: r.outcome, input, output: out, outputLength: r.outputLength, grew: r.grew, busyMs: 0, startedAt: 0 };
  } catch (err) {
    reply = { id: msg.id, error: (err as Error).stack ?? String(err), input, outputLength: 0, grew: false, busyMs: 0, startedAt: 0 };
  }
  reply.startedAt = performance.timeOrigin + t0;
  reply.busyMs = performance.now() - t0;
  port.postMessage(reply, transfer);
});
