// elasticsearch: the entry of SINK_KINDS (schema in schema.ts, implementation in sink.ts).
import type { SinkKind } from '../../registry/kind.js';
import { withBuffer } from '../buffer/with-buffer.js';
import { elasticsearchSinkSpec, type ElasticsearchSinkConfig } from './schema.js';
import { createElasticsearchSink } from './sink.js';

export const elasticsearchSinkKind: SinkKind<'elasticsearch', ElasticsearchSinkConfig> = {
  ...elasticsearchSinkSpec,
  create: (cfg, ctx) => withBuffer(createElasticsearchSink(cfg, ctx), cfg.buffer, ctx),
};
