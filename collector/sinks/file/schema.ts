// file sink: the kind's config schema and docs. No I/O (see registry/kind.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { matchSchema } from '../../routing/schema.js';
import { resolve } from 'node:path';
import { MAX_TIMER_MS, componentId } from '../../registry/kind.js';

const mib = 1024 * 1024;

export const fileSinkSchema = {
  type: 'object',
  description:
    'NDJSON files in a directory: the current file is rotated by size and age, rotated files are gzipped and pruned by count and age; `fsync: batch` syncs every write before it is acknowledged.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    id: { ...componentId, description: 'unique sink name, used as component_id in metrics' },
    type: { const: 'file' },
    match: matchSchema,
    path: { type: 'string', minLength: 1, default: './data', description: 'directory of the current and rotated files' },
    filename: { type: 'string', pattern: '^[^/\\\\]+$', maxLength: 255, default: 'zlog.ndjson', description: 'current file; rotated files are NAME-<time>-<n>.EXT[.gz]' },
    rotation: {
      type: 'object',
      description: 'when the current file is rotated (whichever limit comes first)',
      additionalProperties: false,
      default: {},
      properties: {
        maxBytes: { type: 'integer', minimum: 4096, default: 256 * mib, description: 'rotate when the file reaches this size' },
        maxAgeSeconds: { type: 'integer', minimum: 0, default: 3600, description: '0 disables age-based rotation' },
      },
    },
    compress: { type: 'boolean', default: true, description: 'gzip rotated files' },
    retention: {
      type: 'object',
      description: 'which rotated files are kept',
      additionalProperties: false,
      default: {},
      properties: {
        maxFiles: { type: 'integer', minimum: 1, default: 20, description: 'rotated files kept (oldest deleted)' },
        maxAgeSeconds: { type: 'integer', minimum: 0, default: 0, description: '0 keeps files regardless of age' },
      },
    },
    fsync: { enum: ['batch', 'interval', 'never'], default: 'batch', description: 'when written data is synced to disk' },
    fsyncIntervalMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 1000, description: 'sync period with `fsync: interval`' },
  },
} as const;

export type FileSinkConfig = FromSchema<typeof fileSinkSchema>;
export type FsyncPolicy = FileSinkConfig['fsync'];

export const fileSinkSpec = {
  type: 'file',
  schema: fileSinkSchema,
  check: (cfg: FileSinkConfig, path: string) => devPathIssues(cfg.path, `${path}.path`),
  // Two sinks appending to one file would interleave and rotate each other's data away.
  claims: (cfg: FileSinkConfig) => [{ key: `file:${resolve(cfg.path, cfg.filename)}`, what: `file ${resolve(cfg.path, cfg.filename)}` }],
  // In a pod the directory is the sink's own on the data volume.
  logServer: { fields: ['filename', 'rotation', 'compress', 'retention', 'fsync', 'fsyncIntervalMs'], podFields: (dataDir: string) => ({ path: dataDir }) },
} as const;

/**
 * /dev holds device nodes, not logs: a sink there writes zlog.ndjson (and rotates, gzips, deletes) among the
 * system's devices (and rotation renames the output: /dev/stdout would be renamed away). /dev/shm is an ordinary
 * tmpfs and allowed. The output file itself may be a FIFO elsewhere; a directory there fails open(2) (EISDIR).
 */
export function devPathIssues(dir: string, where: string): string[] {
  const abs = resolve(dir);
  const under = (root: string) => abs === root || abs.startsWith(`${root}/`);
  return under('/dev') && !under('/dev/shm') ? [`${where}: ${abs} is under /dev (device nodes); give a directory on a volume (/dev/shm is allowed)`] : [];
}
