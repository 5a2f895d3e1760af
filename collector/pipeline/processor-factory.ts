// Wires the pure pieces (protocol decoding, record decoding) into a ChunkProcessor. Shared by the worker entry
// and the inline (workers: 0) path so both behave identically.
import { parseHeader } from '../protocol/header.js';
import { openPayload } from '../protocol/message.js';
import { decodeRecord } from '../decode/record.js';
import { ChunkProcessor } from './processor.js';
import type { WorkerInit } from './worker-pool.js';

export function createProcessor(init: WorkerInit): ChunkProcessor {
  const limits = { maxDecompressedBytes: init.maxDecompressedBytes, maxRecordBytes: init.maxRecordBytes };
  return new ChunkProcessor({
    inputs: init.inputs,
    limits: { maxRecordBytes: init.maxRecordBytes },
    hostname: init.hostname,
    decode: decodeRecord,
    openNative: (header, payload) => openPayload(parseHeader(header), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), limits),
  });
}
