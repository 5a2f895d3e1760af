// Small helpers every ZeroMQ input uses: socket limits, binding, error codes.
import type { LimitsConfig } from '../../config/types.js';

/** zeromq's own cap on one frame: well above our limit so we can count/NACK oversize, yet bounded. */
export function socketMaxMessageSize(limits: LimitsConfig): number {
  return Math.min(2 ** 31 - 1, limits.maxMessageBytes * 4 + 65536);
}

export function totalBytes(frames: readonly Uint8Array[]): number {
  let n = 0;
  for (const f of frames) n += f.byteLength;
  return n;
}

/** zeromq.js reports a receive or send timeout as EAGAIN. */
export function isTimeout(err: unknown): boolean {
  return (err as { code?: string }).code === 'EAGAIN';
}

interface Bindable {
  bind(endpoint: string): Promise<void>;
  readonly lastEndpoint: string | null;
}

/** Binds every endpoint in order; returns them with wildcard ports resolved (`tcp://127.0.0.1:*` -> `:41234`). */
export async function bindAll(sock: Bindable, endpoints: readonly string[]): Promise<string[]> {
  const bound: string[] = [];
  for (const ep of endpoints) {
    await sock.bind(ep);
    bound.push(sock.lastEndpoint ?? ep);
  }
  return bound;
}
