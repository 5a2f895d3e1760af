// JSON Schema of the collector configuration. ajv validates against it (applying the defaults written here),
// `zlog validate` reports its errors, and docs/configuration.md documents it field by field. The `inputs[]`
// and `sinks[]` entries come from the kind lists (registry/schemas.ts): one `if type is K then K's schema`
// branch per kind. No I/O.
import { healthSchema } from '../health/schema.js';
import { MAX_TIMER_MS, type KindSpec, type KindSpecs } from '../registry/kind.js';
import { BUILTIN_SPECS } from '../registry/schemas.js';
import { zmqInputProperties } from '../inputs/zmq/schema.js';
import { fileSinkSchema } from '../sinks/file/schema.js';
import { routingSchema } from '../routing/schema.js';

const positiveInt = { type: 'integer', minimum: 1 } as const;
const mib = 1024 * 1024;

/** An `inputs[]` or `sinks[]` entry: `type` names one of `kinds`, whose schema then applies to the entry. */
export function entrySchema(kinds: readonly KindSpec[]) {
  return {
    type: 'object',
    required: ['id', 'type'],
    properties: { type: { enum: kinds.map((k) => k.type) } },
    allOf: kinds.map((k) => ({ if: { required: ['type'], properties: { type: { const: k.type } } }, then: k.schema })),
  } as const;
}

/** Everything but `inputs` and `sinks`, in the order docs/configuration.md lists them. */
export const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    maxMessageBytes: { type: 'integer', minimum: 1024, maximum: 1024 * mib, default: 8 * mib, description: 'largest ZeroMQ message (all frames, as received)' },
    maxDecompressedBytes: { type: 'integer', minimum: 1024, maximum: 1024 * mib, default: 32 * mib, description: 'largest native payload after decompression' },
    maxRecordBytes: { type: 'integer', minimum: 64, maximum: 64 * mib, default: mib, description: 'longer records are cut and flagged truncated' },
    maxBatchRecords: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 100_000, description: 'most records one message may carry (native: declared; PULL/SUB: frames, or lines with framing lines)' },
    connectionBufferBytes: { type: 'integer', minimum: 1024, maximum: 64 * 1024 * mib, default: 256 * mib, description: 'bytes of messages ZeroMQ may queue per connection before zlog reads them: caps rcvHwm at this / maxMessageBytes messages (at least 1)' },
  },
} as const;

export const pipelineSchema = {
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
        maxDelayMs: { type: 'integer', minimum: 0, maximum: 60_000, default: 0, description: 'how long an idle sink stage waits to gather a batch (0: writes at once; what arrives during a write goes into the next one)' },
      },
    },
    sinkQueue: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'each sink has its own queue, so a sink that is retrying holds up only the records it takes; while one queue is over a bound nothing more is admitted; with routing and several sinks each queue, with what is on its way to it, is also bounded to half of pipeline.queue, and while one is full only native batches going to it are refused (busy) and only the PULL/SUB inputs that can feed it pause',
      properties: {
        maxBytes: { type: 'integer', minimum: 65536, default: 64 * mib, description: "NDJSON bytes one sink's queue may hold" },
        maxBatches: { ...positiveInt, default: 4096, description: "processed batches (one per worker chunk) one sink's queue may hold" },
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
} as const;

export const retrySchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    initialDelayMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 100, description: 'first sink retry delay (doubles, with jitter)' },
    maxDelayMs: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 10_000, description: 'longest sink retry delay' },
  },
} as const;

export const httpSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    host: { type: 'string', default: '127.0.0.1', description: 'address for /metrics, /healthz and /readyz (0.0.0.0 in a pod); read-only endpoints' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 9090, description: '0 picks a free port' },
  },
} as const;

/** Default port of the loopback admin listener; the operator's preStop hook and port rules use it. */
export const ADMIN_PORT = 9091;

export const adminSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    host: { enum: ['127.0.0.1', '::1'], default: '127.0.0.1', description: 'loopback address for POST /drain and GET /status; never reachable from outside the pod' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: ADMIN_PORT, description: 'the preStop hook calls 127.0.0.1 on this port; 0 picks a free one' },
  },
} as const;

export const drainSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: { timeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 25, description: 'longest drain before exiting with what is left' } },
} as const;

export const logSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: { level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], default: 'info', description: 'pino level of the collector\'s own logs (stderr)' } },
} as const;

export const hostnameSchema = { type: 'string', default: '', description: 'host written into records that name none; empty: $HOSTNAME or the machine name' } as const;

const DEFAULT_INPUTS = [
  { id: 'pull', type: 'zmq-pull', bind: ['tcp://127.0.0.1:5555'] },
  { id: 'sub', type: 'zmq-sub', bind: ['tcp://127.0.0.1:5556'] },
  { id: 'native', type: 'zmq-router', bind: ['tcp://127.0.0.1:5557'] },
];
const DEFAULT_SINKS = [{ id: 'file', type: 'file' }];

/** The whole configuration schema for a set of kinds (the built-in ones, or those plus extra kinds). */
export function configSchema(kinds: KindSpecs) {
  return {
    $id: 'https://zlog.dev/schemas/collector-config.json',
    title: 'zlog collector configuration',
    type: 'object',
    additionalProperties: false,
    properties: {
      inputs: { type: 'array', minItems: 1, items: entrySchema(kinds.inputs), default: DEFAULT_INPUTS },
      limits: limitsSchema,
      pipeline: pipelineSchema,
      sinks: { type: 'array', minItems: 1, items: entrySchema(kinds.sinks), default: DEFAULT_SINKS },
      routing: routingSchema,
      retry: retrySchema,
      http: httpSchema,
      admin: adminSchema,
      drain: drainSchema,
      health: healthSchema,
      log: logSchema,
      hostname: hostnameSchema,
    },
  } as const;
}

export const collectorConfigSchema = configSchema(BUILTIN_SPECS);

/**
 * Fields every ZeroMQ input takes and the file sink's fields, under the names operator/api/schema.ts
 * imports today; the per-kind schemas are in registry/schemas.ts.
 */
export const inputSchema = { properties: zmqInputProperties } as const;
export const fileSinkProperties = fileSinkSchema.properties;
