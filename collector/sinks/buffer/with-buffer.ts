// Puts a sink behind its disk buffer when its config asks for one (`buffer.type: disk`).
import type { Sink, SinkContext } from '../sink.js';
import { BufferedSink } from './buffered-sink.js';
import type { SinkBufferConfig } from './schema.js';

export function withBuffer(sink: Sink, buffer: SinkBufferConfig, ctx: SinkContext): Sink {
  if (buffer.type !== 'disk') return sink;
  const retry = ctx.retry ?? { initialDelayMs: 100, maxDelayMs: 10_000 };
  return new BufferedSink(sink, buffer, ctx, { retryInitialMs: retry.initialDelayMs, retryMaxMs: retry.maxDelayMs }, ctx.metrics?.sinkBuffer(sink.id));
}
