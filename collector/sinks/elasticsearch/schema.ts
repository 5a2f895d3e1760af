// elasticsearch sink: the kind's config schema and docs. No I/O (see registry/kind.ts).
// Bulk format: https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-bulk
import type { FromSchema } from 'json-schema-to-ts';
import { matchSchema } from '../../routing/schema.js';
import { componentId } from '../../registry/kind.js';
import { BUFFER_POD_OWNED, bufferPodFields, sinkBufferProperties } from '../buffer/schema.js';
import { HTTP_DATA_FILES, HTTP_LOGSERVER_FIELDS, HTTP_SECRET_FILES, httpSinkProperties } from '../http/schema.js';

export const elasticsearchSinkSchema = {
  type: 'object',
  description:
    'The bulk API (`POST <endpoint>/_bulk`, NDJSON action/document pairs) of Elasticsearch, OpenSearch or VictoriaLogs (`/insert/elasticsearch`). A write completes when the store answered 2xx for every record (per-item errors: retryable ones resent, the rest dead-lettered); see docs/sinks.md.',
  required: ['id', 'type', 'endpoint'],
  additionalProperties: false,
  properties: {
    id: { ...componentId, description: 'unique sink name, used as component_id in metrics' },
    type: { const: 'elasticsearch' },
    match: matchSchema,
    ...httpSinkProperties,
    ...sinkBufferProperties,
    index: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      default: 'zlog',
      description: 'target index; {{field}} takes a top-level record field (e.g. "logs-{{app}}"; missing: "unknown")',
    },
    action: { enum: ['create', 'index'], default: 'create', description: 'bulk action (data streams need create)' },
    streamFields: {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z0-9_.]+$' },
      maxItems: 16,
      default: [],
      description: 'record fields that identify a log stream in VictoriaLogs (sent as the VL-Stream-Fields header; Elasticsearch ignores it)',
    },
  },
} as const;

export type ElasticsearchSinkConfig = FromSchema<typeof elasticsearchSinkSchema>;

export const elasticsearchSinkSpec = {
  type: 'elasticsearch',
  schema: elasticsearchSinkSchema,
  logServer: {
    fields: [...HTTP_LOGSERVER_FIELDS, 'buffer', 'index', 'action', 'streamFields'],
    secretFiles: HTTP_SECRET_FILES,
    dataFiles: HTTP_DATA_FILES,
    podOwned: BUFFER_POD_OWNED,
    podFields: bufferPodFields,
  },
} as const;
