// Entry point of an HTTP sink's encoder thread (encode-thread.ts): records in, finished (gzipped) body out.
import { parentPort, workerData } from 'node:worker_threads';
import { constants as zc, gzipSync } from 'node:zlib';
import { splitLines } from './batch.js';
import type { EncodeReply, EncodeRequest, EncoderSpec } from './encode-thread.js';

const spec = workerData as EncoderSpec;
const port = parentPort;
if (!port) throw new Error('encode-worker must run in a worker thread');
const mod = (await import(spec.module)) as Record<string, (params: unknown) => (docs: readonly Uint8Array[]) => Uint8Array>;
const encode = mod[spec.factory](spec.params);

port.postMessage({ ready: true } satisfies EncodeReply);
port.on('message', (msg: EncodeRequest) => {
  let reply: EncodeReply;
  let body: Uint8Array;
  try {
    body = encode(splitLines([new Uint8Array(msg.records)]));
  } catch (err) {
    port.postMessage({ id: msg.id, refused: (err as Error).message } satisfies EncodeReply);
    return;
  }
  if (spec.gzip) body = gzipSync(body, { level: zc.Z_BEST_SPEED });
  // Transfer only a buffer the body owns whole: a small Buffer is a view into Node's shared pool (and
  // Buffer#slice is a view too, so copy into a new array).
  const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
  reply = { id: msg.id, body: own.buffer as ArrayBuffer, length: own.byteLength };
  port.postMessage(reply, [reply.body]);
});
