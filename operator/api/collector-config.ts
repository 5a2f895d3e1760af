// The collector configuration a LogServer runs with, rendered from its spec. The only place that maps the
// operator's API onto collector/config: the ConfigMap builder serialises it, validateSpec checks it against
// the collector's own schema.
import { collectorConfigSchema } from '../../collector/config/schema.js';
import type { CollectorConfig, InputConfig, SinkConfig } from '../../collector/config/types.js';
import type { LogServerSpec } from './types.js';
import { newAjv, type SpecError } from './ajv.js';

/** Where the data volume is mounted; each file sink writes into its own directory below it. */
export const DATA_DIR = '/var/lib/zlog';
export const CONFIG_DIR = '/etc/zlog';
export const CONFIG_FILE = 'config.yaml';

/** Input settings only the pod knows (bind address) are filled in here; the rest is the spec's. */
export function renderCollectorConfig(spec: LogServerSpec): CollectorConfig {
  const inputs: InputConfig[] = spec.inputs.map((i) => ({
    id: i.name,
    type: i.type,
    bind: [`tcp://*:${i.port}`],
    connect: [],
    framing: i.framing,
    format: i.format,
    topics: i.topics && i.topics.length > 0 ? [...i.topics] : [''],
    topicFrame: true,
    rcvHwm: i.rcvHwm,
  }));
  const sinks: SinkConfig[] = spec.sinks.map((s) =>
    s.type === 'stdout'
      ? { id: s.name, type: 'stdout' }
      : {
          id: s.name,
          type: 'file',
          path: `${DATA_DIR}/${s.name}`,
          filename: s.file?.filename ?? 'zlog.ndjson',
          rotation: { maxBytes: s.file?.rotation?.maxBytes ?? 268_435_456, maxAgeSeconds: s.file?.rotation?.maxAgeSeconds ?? 3600 },
          compress: s.file?.compress ?? true,
          retention: { maxFiles: s.file?.retention?.maxFiles ?? 20, maxAgeSeconds: s.file?.retention?.maxAgeSeconds ?? 0 },
          fsync: s.file?.fsync ?? 'batch',
          fsyncIntervalMs: 1000,
        },
  );
  return {
    inputs,
    limits: { maxMessageBytes: 8 * 2 ** 20, maxDecompressedBytes: 32 * 2 ** 20, maxRecordBytes: 2 ** 20, maxBatchRecords: 100_000 },
    pipeline: {
      workers: spec.pipeline.workers,
      queue: { ...spec.pipeline.queue },
      batch: { ...spec.pipeline.batch },
      ackMode: spec.pipeline.ackMode,
      bufferPool: { buffers: 64, bufferBytes: 2 ** 20 },
    },
    sinks,
    retry: { initialDelayMs: 100, maxDelayMs: 10_000 },
    // The pod's IP must answer probes and clients, so the collector listens on every interface.
    http: { host: '0.0.0.0', port: spec.metricsPort },
    drain: { timeoutSeconds: spec.drainTimeoutSeconds },
    log: { level: spec.logLevel },
    hostname: '',
  };
}

const validateCollector = newAjv().compile<CollectorConfig>(collectorConfigSchema);

/** Errors of the rendered config against the collector's schema (a spec the collector would refuse). */
export function collectorConfigErrors(config: CollectorConfig): SpecError[] {
  if (validateCollector(structuredClone(config))) return [];
  return (validateCollector.errors ?? []).map((e) => ({
    path: `spec (rendered collector config ${e.instancePath || '/'})`,
    message: e.message ?? 'is invalid',
  }));
}
