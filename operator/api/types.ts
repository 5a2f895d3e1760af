// The LogServer object after defaults are applied, as TypeScript types derived from its JSON Schema
// (operator/api/schema.ts) with json-schema-to-ts's FromSchema: a field with a default is present, one without
// is optional. No hand copy: a field added to the schema (or to a kind's `logServer` fields) appears here.
// Only metadata is declared by hand: the schema constrains nothing of it but the name.
import type { FromSchema } from 'json-schema-to-ts';
import type { logServerSpecSchema, logServerStatusSchema } from './schema.js';

export type { InputType, SinkType } from '../../collector/registry/schemas.js';

/** A Kubernetes resource.Quantity as the API server stores it: an integer or a string such as 500m or 1Gi. */
export type Quantity = number | string;

export type LogServerSpec = FromSchema<typeof logServerSpecSchema>;
export type LogServerInput = LogServerSpec['inputs'][number];
export type LogServerSink = LogServerSpec['sinks'][number];
/** spec.sinks[].file: the file sink's settings (absent unless given; given, its defaults are filled in). */
export type FileSinkSpec = NonNullable<LogServerSink['file']>;
export type Toleration = NonNullable<LogServerSpec['scheduling']['tolerations']>[number];
export type EnvVar = NonNullable<LogServerSpec['env']>[number];
/** An upstream object passed through to the pod template; the API server validates it. */
export type PassThrough = NonNullable<LogServerSpec['podSecurityContext']>;

export type LogServerStatus = FromSchema<typeof logServerStatusSchema>;
/** metav1.Condition. */
export type Condition = NonNullable<LogServerStatus['conditions']>[number];

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

/** A LogServer as read from the API server: the spec is unvalidated until validateSpec says otherwise. */
export interface LogServer {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: LogServerStatus;
}
