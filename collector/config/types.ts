// The collector's configuration after defaults are applied, as TypeScript types derived from the JSON Schema
// (json-schema-to-ts's FromSchema; properties with a default are present), so there is no hand copy to drift.
// The per-kind entry types come from the kind lists in registry/schemas.ts.
import type { FromSchema } from 'json-schema-to-ts';
import type { healthSchema } from '../health/schema.js';
import type { adminSchema, drainSchema, hostnameSchema, httpSchema, limitsSchema, logSchema, pipelineSchema, retrySchema } from './schema.js';
import type { ZmqPullConfig } from '../inputs/zmq-pull/schema.js';
import type { InputConfig, SinkConfig } from '../registry/schemas.js';
import type { RoutingConfig } from '../routing/schema.js';

export type { InputConfig, InputType, SinkConfig, SinkType } from '../registry/schemas.js';
export type { FileSinkConfig, FsyncPolicy } from '../sinks/file/schema.js';
export type { StdoutSinkConfig } from '../sinks/stdout/schema.js';

/** How the frames of one ZeroMQ message become records. */
export type Framing = ZmqPullConfig['framing'];
/** How record text is interpreted before normalisation. */
export type RecordFormat = ZmqPullConfig['format'];
export type LimitsConfig = FromSchema<typeof limitsSchema>;
export type PipelineConfig = FromSchema<typeof pipelineSchema>;
/** When native batches are acknowledged: once decoded (`received`) or once written and synced (`persisted`). */
export type AckMode = PipelineConfig['ackMode'];
export type RetryConfig = FromSchema<typeof retrySchema>;
export type HttpConfig = FromSchema<typeof httpSchema>;

export interface CollectorConfig {
  inputs: InputConfig[];
  limits: LimitsConfig;
  pipeline: PipelineConfig;
  sinks: SinkConfig[];
  /** Global drop rules and what happens to records no sink's `match` takes (routing/schema.ts). */
  routing: RoutingConfig;
  retry: RetryConfig;
  http: HttpConfig;
  admin: FromSchema<typeof adminSchema>;
  drain: FromSchema<typeof drainSchema>;
  health: FromSchema<typeof healthSchema>;
  log: FromSchema<typeof logSchema>;
  /** Host name written into records that carry none (defaults to the machine's / pod's name). */
  hostname: FromSchema<typeof hostnameSchema>;
}
