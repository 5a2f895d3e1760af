// JSON Schema of the collector configuration. ajv validates against it (applying the defaults written here),
// `zlog validate` reports its errors, and docs/configuration.md documents it field by field.

const endpoint = {
  type: 'string',
  pattern: '^(tcp://(\\*|[A-Za-z0-9.\\-]+|\\[[0-9a-fA-F:]+\\]):(\\*|[0-9]{1,5})|ipc://.+|inproc://.+)$',
  description: 'ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME',
} as const;

const positiveInt = { type: 'integer', minimum: 1 } as const;
const mib = 1024 * 1024;

const inputSchema = {
  type: 'object',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$', description: 'unique input name, used as component_id in metrics' },
    type: { enum: ['zmq-pull', 'zmq-sub', 'zmq-router'] },
    bind: { type: 'array', items: endpoint, default: [] },
    connect: { type: 'array', items: endpoint, default: [] },
    framing: { enum: ['frame', 'lines', 'message'], default: 'frame' },
    format: { enum: ['auto', 'syslog', 'json', 'text'], default: 'auto' },
    topics: { type: 'array', items: { type: 'string', maxLength: 255 }, default: [''] },
    topicFrame: { type: 'boolean', description: 'a short first frame of a 2-frame message is a topic; default true for zmq-sub, false otherwise' },
    rcvHwm: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10_000 },
  },
} as const;

const fileSinkProperties = {
  id: { type: 'string' },
  type: { const: 'file' },
  path: { type: 'string', minLength: 1, default: './data' },
  filename: { type: 'string', pattern: '^[^/\\\\]+$', default: 'zlog.ndjson' },
  rotation: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      maxBytes: { type: 'integer', minimum: 4096, default: 256 * mib },
      maxAgeSeconds: { type: 'integer', minimum: 0, default: 3600, description: '0 disables age-based rotation' },
    },
  },
  compress: { type: 'boolean', default: true, description: 'gzip rotated files' },
  retention: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      maxFiles: { type: 'integer', minimum: 1, default: 20 },
      maxAgeSeconds: { type: 'integer', minimum: 0, default: 0, description: '0 keeps files regardless of age' },
    },
  },
  fsync: { enum: ['batch', 'interval', 'never'], default: 'batch' },
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
        maxMessageBytes: { type: 'integer', minimum: 1024, maximum: 1024 * mib, default: 8 * mib },
        maxDecompressedBytes: { type: 'integer', minimum: 1024, maximum: 1024 * mib, default: 32 * mib },
        maxRecordBytes: { type: 'integer', minimum: 64, maximum: 64 * mib, default: mib },
        maxBatchRecords: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 100_000 },
      },
    },
    pipeline: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        workers: { type: 'integer', minimum: 0, maximum: 64, default: 1 },
        queue: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxRecords: { ...positiveInt, default: 200_000 },
            maxBytes: { type: 'integer', minimum: 65536, default: 128 * mib },
          },
        },
        batch: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxRecords: { ...positiveInt, default: 50_000 },
            maxBytes: { type: 'integer', minimum: 1024, default: 4 * mib },
            maxDelayMs: { type: 'integer', minimum: 0, maximum: 60_000, default: 20 },
          },
        },
        ackMode: { enum: ['received', 'persisted'], default: 'persisted' },
        bufferPool: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            buffers: { type: 'integer', minimum: 0, maximum: 4096, default: 64 },
            bufferBytes: { type: 'integer', minimum: 4096, maximum: 64 * mib, default: mib },
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
        initialDelayMs: { type: 'integer', minimum: 1, default: 100 },
        maxDelayMs: { type: 'integer', minimum: 1, default: 10_000 },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 9090 },
      },
    },
    drain: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { timeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 25 } },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info' } },
    },
    hostname: { type: 'string', default: '' },
  },
} as const;
