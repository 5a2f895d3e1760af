// What the collector knows about each running input. Inputs own their ZeroMQ socket and the receive loop.
import type * as zmq from 'zeromq';
import type { InputConfig, LimitsConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { ComponentMetrics } from '../observability/metrics.js';
import type { Admission } from '../pipeline/admission.js';
import type { Pipeline } from '../pipeline/pipeline.js';

export interface InputContext {
  index: number;
  cfg: InputConfig;
  limits: LimitsConfig;
  admission: Admission;
  pipeline: Pipeline;
  metrics: ComponentMetrics;
  log: Logger;
}

export interface Input {
  readonly id: string;
  readonly type: string;
  /** Endpoints actually bound (wildcard ports resolved) and connected. */
  readonly endpoints: string[];
  /** The input's ZeroMQ socket, for its monitor events (health/connections). */
  readonly socket: zmq.Socket;
  start(): Promise<void>;
  /**
   * Stops taking new work: unbinds/disconnects, then reads what is already queued in the socket (so no message
   * a peer handed over is dropped) until it is quiet, then closes.
   */
  drain(quietMs: number, deadline: number): Promise<void>;
  /** Closes at once (forced shutdown). */
  close(): void;
}

/** zeromq's own cap on one frame: well above our limit so we can count/NACK oversize, yet bounded. */
export function socketMaxMessageSize(limits: LimitsConfig): number {
  return Math.min(2 ** 31 - 1, limits.maxMessageBytes * 4 + 65536);
}

export function totalBytes(frames: readonly Uint8Array[]): number {
  let n = 0;
  for (const f of frames) n += f.byteLength;
  return n;
}

export function isTimeout(err: unknown): boolean {
  return (err as { code?: string }).code === 'EAGAIN';
}
