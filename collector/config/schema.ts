// JSON Schema of the collector configuration. ajv validates against it (applying the defaults written here),
// `zlog validate` reports its errors, and docs/configuration.md documents it field by field.
import { healthSchema } from '../health/schema.js';

const endpoint = {
  type: 'string',
  pattern: '^(tcp://(\\*|[A-Za-z0-9.\\-]+|\\[[0-9a-fA-F:]+\\]):(\\*|[0-9]{1,5})|ipc://.+|inproc://.+)$',
  description: 'ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME',
} as const;

const positiveInt = { type: 'integer', minimum: 1 } as const;
const mib = 1024 * 1024;

export const inputSchema = {
  type: 'object',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$', description: 'unique input name, used as component_id in metrics' },
    type: { enum: ['zmq-pull', 'zmq-sub', 'zmq-router'] },
    bind: { type: 'array', items: endpoint, default: [], description: 'endpoints to bind; port * picks a free one' },
    connect: { type: 'array', items: endpoint, default: [], description: 'zmq-sub only: PUB endpoints to connect to' },
    framing: { enum: ['frame', 'lines', 'message'], default: 'frame', description: 'how frames become records' },
    format: { enum: ['auto', 'syslog', 'json', 'text'], default: 'auto', description: 'how record text is read' },
    topics: { type: 'array', items: { type: 'string', maxLength: 255 }, default: [''], description: 'zmq-sub subscriptions; "" is everything' },
    topicFrame: { type: 'boolean', description: 'a short first frame of a 2-frame message is a topic; default true for zmq-sub, false otherwise' },
    rcvHwm: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10_000, description: 'ZeroMQ receive high-water mark (messages)' },
  },
} as const;

export const fileSinkProperties = {
  id: { type: 'string' },
  type: { const: 'file' },
  path: { type: 'string', minLength: 1, default: './data', description: 'directory of the current and rotated files' },
  filename: { type: 'string', pattern: '^[^/\\\\]+$', default: 'zlog.ndjson', description: 'current file; rotated files are NAME-<time>-<n>.EXT[.gz]' },
  rotation: {
    type: 'object',
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
    additionalProperties: false,
    default: {},
    properties: {
      maxFiles: { type: 'integer', minimum: 1, default: 20, description: 'rotated files kept (oldest deleted)' },
      maxAgeSeconds: { type: 'integer', minimum: 0, default: 0, description: '0 keeps files regardless of age' },
    },
  },
  fsync: { enum: ['batch', 'interval', 'never'], default: 'batch', description: 'when written data is synced to disk' },
  fsyncIntervalMs: { type: 'integer', minimum: 1, default: 1000 },
} as const;

const sinkSchema = {
  type: 'object',
  required: ['id', 'type'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$' },
    type: { enum: ['file', 'stdout'] },
  },
  allOf: [
    {
      if: { properties: { type: { const: 'file' } } },
      then: { additionalProperties: false, properties: fileSinkProperties },
    },
    {
      if: { properties: { type: { const: 'stdout' } } },
      then: { additionalProperties: false, properties: { id: { type: 'string' }, type: { const: 'stdout' } } },
    },
  ],
} as const;

export const collectorConfigSchema = {
  $id: 'https://zlog.dev/schemas/collector-config.json',
  title: 'zlog collector configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    inputs: {
      type: 'array',
      minItems: 1,
      items: inputSchema,
      default: [
        { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:5555'] },
        { id: 'sub', type: 'zmq-sub', bind: ['tcp://127.0.0.1:5556'] },
        { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:5557'] },
      ],
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxMessageBytes: { type: 'integer', minimum: 1024, maximum: 1024 * mib, default: 8 * mib, description: 'largest ZeroMQ message (all frames, as received)' },
        maxDecompressedBytes: { type: 'integer', minimum: 1024, maximum: 1024 * mib, default: 32 * mib, description: 'largest native payload after decompression' },
        maxRecordBytes: { type: 'integer', minimum: 64, maximum: 64 * mib, default: mib, description: 'longer records are cut and flagged truncated' },
        maxBatchRecords: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 100_000, description: 'most records one native message may carry' },
      },
    },
    pipeline: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        workers: { type: 'integer', minimum: 0, maximum: 64, default: 1, description: 'processing threads; 0 processes on the main thread' },
        queue: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxRecords: { ...positiveInt, default: 200_000, description: 'records held between receipt and write' },
            maxBytes: { type: 'integer', minimum: 65536, default: 128 * mib, description: 'bytes held between receipt and write' },
          },
        },
        batch: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxRecords: { ...positiveInt, default: 50_000, description: 'records per sink write' },
            maxBytes: { type: 'integer', minimum: 1024, default: 4 * mib, description: 'bytes per sink write' },
            maxDelayMs: { type: 'integer', minimum: 0, maximum: 60_000, default: 2, description: 'how long an idle sink stage waits to gather a batch' },
          },
        },
        ackMode: { enum: ['received', 'persisted'], default: 'persisted', description: 'when native batches are acknowledged' },
        bufferPool: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            buffers: { type: 'integer', minimum: 0, maximum: 4096, default: 64, description: 'transfer buffers kept for reuse' },
            bufferBytes: { type: 'integer', minimum: 4096, maximum: 64 * mib, default: mib, description: 'size of each pooled buffer (a chunk of messages)' },
          },
        },
      },
    },
    sinks: {
      type: 'array',
      minItems: 1,
      items: sinkSchema,
      default: [{ id: 'file', type: 'file' }],
    },
    retry: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        initialDelayMs: { type: 'integer', minimum: 1, default: 100, description: 'first sink retry delay (doubles, with jitter)' },
        maxDelayMs: { type: 'integer', minimum: 1, default: 10_000, description: 'longest sink retry delay' },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1', description: 'address for /metrics, probes and /drain (0.0.0.0 in a pod)' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 9090, description: '0 picks a free port' },
      },
    },
    drain: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { timeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 25, description: 'longest drain before exiting with what is left' } },
    },
    health: healthSchema,
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info', description: 'pino level of the collector\'s own logs (stderr)' } },
    },
    hostname: { type: 'string', default: '', description: 'host written into records that name none; empty: $HOSTNAME or the machine name' },
  },
} as const;
