// A sink's optional disk buffer: where an ACK may be sent before the store has the record. No I/O here.
import type { FromSchema } from 'json-schema-to-ts';
const mib = 1024 * 1024;

export const sinkBufferProperties = {
  buffer: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description: 'none: a persisted-mode ACK waits for the store; disk: for the record to be in this sink\'s disk buffer (fsynced)',
    properties: {
      type: { enum: ['none', 'disk'], default: 'none', description: 'where a persisted-mode ACK waits for this sink' },
      path: { type: 'string', minLength: 1, default: './data/buffers', description: 'directory of disk buffers; each sink uses the sub-directory named by its id' },
      maxBytes: { type: 'integer', minimum: mib, maximum: 1024 * 1024 * mib, default: 1024 * mib, description: 'unsent bytes the buffer holds; when full, writes wait (the queue fills and clients get busy NACKs)' },
      segmentBytes: { type: 'integer', minimum: 64 * 1024, maximum: 1024 * mib, default: 16 * mib, description: 'size of one buffer file; a file is deleted once all of it was sent' },
      readBytes: { type: 'integer', minimum: 4096, maximum: 256 * mib, default: 4 * mib, description: 'bytes read from the buffer per write to the store' },
    },
  },
} as const;

/** A sink entry's `buffer`, after defaults. */
export type SinkBufferConfig = FromSchema<(typeof sinkBufferProperties)['buffer']>;

/**
 * In a pod the buffer lives on the data volume, in the sink's own directory (`<dataDir>/buffer`); the
 * LogServer leaves `buffer.path` to the operator (registry/kind.ts, podOwned).
 */
export const BUFFER_POD_OWNED = ['buffer.path'] as const;
export const bufferPodFields = (dataDir: string) => ({ buffer: { path: `${dataDir}/buffer` } });
