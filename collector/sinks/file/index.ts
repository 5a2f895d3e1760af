// file: the entry of SINK_KINDS (schema in schema.ts, implementation in file-sink.ts).
import type { SinkKind } from '../../registry/kind.js';
import { FileSink } from './file-sink.js';
import { fileSinkSpec, type FileSinkConfig } from './schema.js';

export const fileSinkKind: SinkKind<'file', FileSinkConfig> = { ...fileSinkSpec, create: (cfg, ctx) => new FileSink(cfg, ctx.log, Date.now, ctx.onRetention) };
