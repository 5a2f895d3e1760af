// A toy sink kind for the registry test: keeps the NDJSON lines it is given in memory (bounded), by sink id.
// Written only against the generic contract (sinks/sink.ts, registry/kind.ts); nothing in collector/ knows it.
import type { FromSchema } from 'json-schema-to-ts';
import type { SinkKind } from '../../../../collector/registry/kind.js';
import type { Sink } from '../../../../collector/sinks/sink.js';

export const captureSchema = {
  type: 'object',
  description: 'Toy: keeps written lines in memory.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]+$', description: 'sink name' },
    type: { const: 'capture' },
    maxLines: { type: 'integer', minimum: 1, default: 10_000, description: 'lines kept; older ones are dropped' },
  },
} as const;

export type CaptureConfig = FromSchema<typeof captureSchema>;

/** Lines written and lifecycle calls per sink id. */
export const captured = new Map<string, { lines: string[]; calls: string[] }>();

class CaptureSink implements Sink {
  readonly type = 'capture';
  private readonly state = { lines: [] as string[], calls: [] as string[] };
  constructor(private readonly cfg: CaptureConfig) {
    captured.set(cfg.id, this.state);
  }
  get id(): string {
    return this.cfg.id;
  }
  async open(): Promise<void> {
    this.state.calls.push('open');
  }
  async write(chunks: readonly Uint8Array[]): Promise<void> {
    const text = chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('utf8')).join('');
    this.state.lines.push(...text.split('\n').filter(Boolean));
    if (this.state.lines.length > this.cfg.maxLines) this.state.lines.splice(0, this.state.lines.length - this.cfg.maxLines);
  }
  async flush(): Promise<void> {
    this.state.calls.push('flush');
  }
  async close(): Promise<void> {
    this.state.calls.push('close');
  }
}

export const captureKind: SinkKind<'capture', CaptureConfig> = { type: 'capture', schema: captureSchema, create: (cfg) => new CaptureSink(cfg) };
