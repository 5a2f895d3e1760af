// A toy input kind for the registry test: newline-separated records over a plain TCP connection, one record
// per frame. Written only against the generic contract (inputs/input.ts, registry/kind.ts), the way a new
// input kind would be; nothing in collector/ knows it.
import { createServer, type Server, type Socket } from 'node:net';
import type { FromSchema } from 'json-schema-to-ts';
import type { Input, InputContext } from '../../../../collector/inputs/input.js';
import { KIND_FRAMES } from '../../../../collector/pipeline/chunk.js';
import type { InputKind } from '../../../../collector/registry/kind.js';

export const tcpLinesSchema = {
  type: 'object',
  description: 'Toy: newline-separated records over TCP.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]+$', description: 'input name' },
    type: { const: 'tcp-lines' },
    host: { type: 'string', default: '127.0.0.1', description: 'address to listen on' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: '0 picks a free port' },
    format: { enum: ['auto', 'json', 'text'], default: 'auto', description: 'how record text is read' },
  },
} as const;

export type TcpLinesConfig = FromSchema<typeof tcpLinesSchema>;

/** Lifecycle calls per input id, in order, for the test to check. */
export const lifecycle = new Map<string, string[]>();

class TcpLinesInput implements Input {
  readonly type = 'tcp-lines';
  readonly endpoints: string[] = [];
  private readonly server: Server;
  private readonly conns = new Set<Socket>();
  private accepting = true;

  constructor(
    private readonly cfg: TcpLinesConfig,
    private readonly ctx: InputContext,
  ) {
    lifecycle.set(cfg.id, [`create:${ctx.ackMode}`]);
    this.server = createServer((sock) => this.serve(sock));
  }

  get id(): string {
    return this.cfg.id;
  }

  private serve(sock: Socket): void {
    this.conns.add(sock);
    sock.on('close', () => this.conns.delete(sock));
    let rest = '';
    sock.setEncoding('utf8');
    sock.on('data', (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (this.accepting) this.submit(line);
    });
  }

  private submit(line: string): void {
    const { admission, pipeline, index } = this.ctx;
    const frame = Buffer.from(line, 'utf8');
    admission.add(1, frame.byteLength);
    pipeline.submit({ input: index, kind: KIND_FRAMES, compression: 0, recordCount: 0, frames: [frame], receivedAt: Date.now(), admitted: { records: 1, bytes: frame.byteLength } });
  }

  async start(): Promise<void> {
    lifecycle.get(this.id)!.push('start');
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.cfg.port, this.cfg.host, () => resolve());
    });
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.endpoints.push(`tcp://${addr.address}:${addr.port}`);
  }

  async stopAccepting(): Promise<void> {
    lifecycle.get(this.id)!.push('stopAccepting');
    this.accepting = false;
    this.server.close();
  }

  async finish(): Promise<void> {
    lifecycle.get(this.id)!.push('finish');
  }

  close(): void {
    lifecycle.get(this.id)!.push('close');
    for (const c of this.conns) c.destroy();
    this.server.close();
  }
}

export const tcpLinesKind: InputKind<'tcp-lines', TcpLinesConfig> = {
  type: 'tcp-lines',
  schema: tcpLinesSchema,
  check: (cfg, path) => (cfg.port !== 0 && cfg.port < 1024 ? [`${path}.port: ${cfg.port} is privileged; use 0 or >= 1024`] : []),
  create: (cfg, ctx) => new TcpLinesInput(cfg, ctx),
};
