// stdout: the entry of SINK_KINDS (schema in schema.ts, implementation in stdout-sink.ts).
import type { SinkKind } from '../../registry/kind.js';
import { StdoutSink } from './stdout-sink.js';
import { stdoutSinkSpec, type StdoutSinkConfig } from './schema.js';

export const stdoutSinkKind: SinkKind<'stdout', StdoutSinkConfig> = { ...stdoutSinkSpec, create: (cfg) => new StdoutSink(cfg.id) };
