// The collector configuration a LogServer runs with, rendered from its spec. The only place that maps the
// operator's API onto collector/config: the ConfigMap builder serialises it, validateSpec checks it against
// the collector's own schema.
import { collectorConfigSchema } from '../../collector/config/schema.js';
import type { CollectorConfig } from '../../collector/config/types.js';
import type { LogServerSpec } from './types.js';
import type { ValidateFunction } from 'ajv';
import type { SpecError } from './ajv.js';
import { validateCollectorConfig } from './validators.generated.js';
import { parseQuantity } from './quantity.js';
import { inputSettings, sinkSettings, type SecretItem } from './kinds.js';

/** Where the data volume is mounted; each file sink writes into its own directory below it. */
export const DATA_DIR = '/var/lib/zlog';
export const CONFIG_DIR = '/etc/zlog';
export const CONFIG_FILE = 'config.yaml';
/** spec.security.curve: the server key Secret and the allowed client keys are mounted read-only here. */
export const CURVE_SERVER_DIR = '/etc/zlog/curve/server';
export const CURVE_CLIENTS_DIR = '/etc/zlog/curve/clients';
/**
 * Every Secret item the sinks name (tls.caSecret, auth.passwordSecret, ...) is mounted read-only below this
 * directory, at `<secret name>/<key>` (one projected volume; manifests/deployment.ts).
 */
export const SINK_SECRETS_DIR = '/etc/zlog/secrets';
/** Where the pod finds a Secret item a sink names. */
export const sinkSecretFile = (item: SecretItem): string => `${SINK_SECRETS_DIR}/${item.name}/${item.key}`;
/** The key in spec.security.curve.serverKeySecret holding the server's secret certificate. */
export const CURVE_SERVER_SECRET_KEY = 'server.key_secret';

const queueDefault = collectorConfigSchema.properties.pipeline.properties.queue.properties.maxBytes.default;
const queueMinimum = collectorConfigSchema.properties.pipeline.properties.queue.properties.maxBytes.minimum;
const batchDefault = collectorConfigSchema.properties.pipeline.properties.batch.properties.maxBytes.default;
const batchMinimum = collectorConfigSchema.properties.pipeline.properties.batch.properties.maxBytes.minimum;

/**
 * pipeline.queue.maxBytes as the collector gets it: the spec's value, else a quarter of the memory limit
 * (the queue must leave room for the heap, batches in flight and the runtime), capped at the collector's
 * default and floored at its minimum.
 */
export function queueMaxBytes(spec: LogServerSpec): number {
  if (spec.pipeline.queue.maxBytes !== undefined) return spec.pipeline.queue.maxBytes;
  const limit = spec.resources.limits?.memory !== undefined ? parseQuantity(spec.resources.limits.memory) : undefined;
  if (limit === undefined) return queueDefault;
  return Math.max(queueMinimum, Math.min(queueDefault, Math.floor(limit / 4)));
}

/** pipeline.batch.maxBytes as the collector gets it: the spec's value, else the default or the queue's size. */
export function batchMaxBytes(spec: LogServerSpec): number {
  if (spec.pipeline.batch.maxBytes !== undefined) return spec.pipeline.batch.maxBytes;
  return Math.max(batchMinimum, Math.min(batchDefault, queueMaxBytes(spec)));
}

const sinkQueueDefault = collectorConfigSchema.properties.pipeline.properties.sinkQueue.properties.maxBytes.default;
const sinkQueueMinimum = collectorConfigSchema.properties.pipeline.properties.sinkQueue.properties.maxBytes.minimum;

/**
 * pipeline.sinkQueue.maxBytes as the collector gets it: the spec's value, else the default or the queue's size
 * (a sink's queue holds NDJSON output in memory beside what the pipeline queue holds, so the bound a memory
 * limit gives the one applies to the other).
 */
export function sinkQueueMaxBytes(spec: LogServerSpec): number {
  if (spec.pipeline.sinkQueue.maxBytes !== undefined) return spec.pipeline.sinkQueue.maxBytes;
  return Math.max(sinkQueueMinimum, Math.min(sinkQueueDefault, queueMaxBytes(spec)));
}

/**
 * What the spec decides, plus what only the pod knows (bind address, data directory, listening on every
 * interface); everything else is left to the collector schema's own defaults, filled in here so the ConfigMap
 * shows the whole configuration the collector will run with.
 */
export function renderCollectorConfig(spec: LogServerSpec): CollectorConfig {
  const partial = {
    // The kind's own fields as the LogServer sets them (kinds.ts); the rest takes the kind's defaults.
    inputs: spec.inputs.map((i) => ({
      id: i.name,
      type: i.type,
      bind: [`tcp://*:${i.port}`],
      ...inputSettings(i),
      // The LogServer documents an empty list as "everything" (the collector's [] would subscribe to nothing).
      ...(i.topics !== undefined && i.topics.length === 0 ? { topics: [''] } : {}),
      ...(spec.security.curve
        ? { security: { mode: 'curve', serverKeyFile: `${CURVE_SERVER_DIR}/${CURVE_SERVER_SECRET_KEY}`, clientKeys: CURVE_CLIENTS_DIR } }
        : {}),
    })),
    pipeline: {
      workers: spec.pipeline.workers,
      queue: { ...spec.pipeline.queue, maxBytes: queueMaxBytes(spec) },
      batch: { ...spec.pipeline.batch, maxBytes: batchMaxBytes(spec) },
      sinkQueue: { ...spec.pipeline.sinkQueue, maxBytes: sinkQueueMaxBytes(spec) },
      ackMode: spec.pipeline.ackMode,
    },
    // Each sink's own settings (sinks[].<type>) and what the pod decides (its directory on the data volume).
    // Credentials become the paths of their mounted Secret items, never their values.
    sinks: spec.sinks.map((s) => ({
      id: s.name,
      type: s.type,
      ...(s.match !== undefined ? { match: structuredClone(s.match) } : {}),
      ...sinkSettings(s, `${DATA_DIR}/${s.name}`, sinkSecretFile),
    })),
    routing: structuredClone(spec.routing),
    // The pod's IP must answer probes and clients, so the collector listens on every interface.
    http: { host: '0.0.0.0', port: spec.metricsPort },
    drain: { timeoutSeconds: spec.drainTimeoutSeconds },
    health: structuredClone(spec.health),
    log: { level: spec.logLevel },
    // Each pod names itself ($HOSTNAME) at start.
    hostname: '',
  };
  fillCollectorDefaults(partial);
  return partial as unknown as CollectorConfig;
}

// Compiled ahead of time from collectorConfigSchema by `make generate` (ajv.ts validatorSchemas).
const validateCollector = validateCollectorConfig as unknown as ValidateFunction<CollectorConfig>;
// useDefaults fills in place; the errors (if any) are reported by collectorConfigErrors.
const fillCollectorDefaults = (config: object): void => void validateCollector(config);

/** Errors of the rendered config against the collector's schema (a spec the collector would refuse). */
export function collectorConfigErrors(config: CollectorConfig): SpecError[] {
  if (validateCollector(structuredClone(config))) return [];
  return (validateCollector.errors ?? []).map((e) => ({
    path: `spec (rendered collector config ${e.instancePath || '/'})`,
    message: e.message ?? 'is invalid',
  }));
}
