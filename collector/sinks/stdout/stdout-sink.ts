// NDJSON on standard output (Kubernetes log collection picks it up). Honours pipe back-pressure.
import type { Sink } from '../sink.js';
import { SinkError } from '../../errors.js';

export class StdoutSink implements Sink {
  readonly type = 'stdout';
  constructor(
    readonly id: string,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  async open(): Promise<void> {}

  write(chunks: readonly Uint8Array[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let last = true;
      for (const c of chunks) last = this.out.write(c);
      const done = (err?: Error | null) => (err ? reject(new SinkError(this.id, err.message, true, { cause: err })) : resolve());
      // The callback of an empty write fires once everything before it has been handed to the OS.
      if (last) this.out.write(new Uint8Array(0), done);
      else this.out.once('drain', () => this.out.write(new Uint8Array(0), done));
    });
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
