// loki sink: the kind's config schema and docs. No I/O (see registry/kind.ts).
// Push API: https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs
import type { FromSchema } from 'json-schema-to-ts';
import { matchSchema } from '../../routing/schema.js';
import { componentId } from '../../registry/kind.js';
import { BUFFER_POD_OWNED, bufferPodFields, sinkBufferProperties } from '../buffer/schema.js';
import { HTTP_DATA_FILES, HTTP_LOGSERVER_FIELDS, HTTP_SECRET_FILES, httpSinkProperties } from '../http/schema.js';

/**
 * Record fields that may become Loki labels: each takes few values. Unbounded ones (message, pid, msgid, the
 * sender's own fields) would make a stream per record, which Loki's index is not built for.
 */
export const LOKI_LABEL_FIELDS = ['input', 'topic', 'severity', 'facility', 'host', 'app'] as const;
export type LokiLabelField = (typeof LOKI_LABEL_FIELDS)[number];

export const lokiSinkSchema = {
  type: 'object',
  description:
    'The Loki push API (`POST <endpoint>/loki/api/v1/push`, JSON) of Loki or VictoriaLogs (`/insert`): streams labelled by a bounded set of record fields, each line the record as JSON without the fields that became labels. See docs/sinks.md.',
  required: ['id', 'type', 'endpoint'],
  additionalProperties: false,
  properties: {
    id: { ...componentId, description: 'unique sink name, used as component_id in metrics' },
    type: { const: 'loki' },
    match: matchSchema,
    ...httpSinkProperties,
    ...sinkBufferProperties,
    labels: {
      type: 'array',
      items: { enum: LOKI_LABEL_FIELDS },
      uniqueItems: true,
      default: ['input', 'host', 'app'],
      description: 'record fields sent as stream labels (only bounded ones are allowed); a missing field is left out',
    },
    staticLabels: {
      type: 'object',
      additionalProperties: { type: 'string' },
      maxProperties: 16,
      default: { job: 'zlog' },
      description: 'labels added to every stream',
    },
  },
} as const;

export type LokiSinkConfig = FromSchema<typeof lokiSinkSchema>;

export const lokiSinkSpec = {
  type: 'loki',
  schema: lokiSinkSchema,
  logServer: {
    fields: [...HTTP_LOGSERVER_FIELDS, 'buffer', 'labels', 'staticLabels'],
    secretFiles: HTTP_SECRET_FILES,
    dataFiles: HTTP_DATA_FILES,
    podOwned: BUFFER_POD_OWNED,
    podFields: bufferPodFields,
  },
} as const;
