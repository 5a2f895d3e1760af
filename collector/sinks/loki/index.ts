// loki: the entry of SINK_KINDS (schema in schema.ts, implementation in sink.ts).
import type { SinkKind } from '../../registry/kind.js';
import { withBuffer } from '../buffer/with-buffer.js';
import { lokiSinkSpec, type LokiSinkConfig } from './schema.js';
import { createLokiSink } from './sink.js';

export const lokiSinkKind: SinkKind<'loki', LokiSinkConfig> = {
  ...lokiSinkSpec,
  create: (cfg, ctx) => withBuffer(createLokiSink(cfg, ctx), cfg.buffer, ctx),
};
