// Small helpers every ZeroMQ input uses: socket limits, binding, error codes.
import type { LimitsConfig } from '../../config/types.js';
import type { InputContext } from '../input.js';
import type { NativeReceiverOptions } from './native-receive.js';

/**
 * libzmq's cap, in bytes, on one frame (ZMQ_MAXMSGSIZE, every input) and, on the native receive path, on one
 * whole message (all frames summed, ZLOG_ZMQ_MAXMSGBYTES of the patched libzmq, native/libzmq/): 4 x
 * `limits.maxMessageBytes` + 64 KiB. Above `maxMessageBytes` but under this, a message is read and dropped
 * (counted `too_large`, NACKed on the native protocol) and its sender stays connected; above this, libzmq ends
 * the connection while the frame or message is still arriving, so it never holds more than this for one message.
 */
export function socketMaxMessageSize(limits: LimitsConfig): number {
  return Math.min(2 ** 31 - 1, limits.maxMessageBytes * 4 + 65536);
}

/**
 * The patched libzmq's cap on the frames of one message (ZLOG_ZMQ_MAXMSGPARTS, native receive path): 4 x
 * `limits.maxBatchRecords` + 16, by the same rule as socketMaxMessageSize. Every frame is at least one record, so a
 * message over `maxBatchRecords` frames is dropped as `too_large` anyway; the cap bounds what libzmq holds for
 * one of many tiny frames (each costs libzmq a 64-byte message structure however short it is).
 */
export function socketMaxMessageFrames(limits: LimitsConfig): number {
  return Math.min(2 ** 31 - 1, limits.maxBatchRecords * 4 + 16);
}

/**
 * The receive high-water mark (ZMQ_RCVHWM, messages per connection) a socket gets: the input's `rcvHwm`, capped
 * so that one connection's queue of messages of the largest accepted size (`limits.maxMessageBytes`) stays
 * within `limits.connectionBufferBytes`. libzmq counts messages, not bytes (zmq_setsockopt(3), ZMQ_RCVHWM), so a
 * byte budget can only be kept through the worst-case message size. At least 1.
 */
export function receiveHighWaterMark(rcvHwm: number, limits: LimitsConfig): number {
  return Math.max(1, Math.min(rcvHwm, Math.floor(limits.connectionBufferBytes / limits.maxMessageBytes)));
}

/**
 * Records one PULL/SUB message becomes, at most (what admission charges and `limits.maxBatchRecords` bounds):
 * one per frame, or with `framing: lines` one per line (every `\n` plus a last unterminated piece; empty lines,
 * which the worker skips, are counted too, so this is an upper bound).
 */
export function frameRecords(frames: readonly Uint8Array[], framing: string): number {
  if (framing === 'message') return 1;
  if (framing !== 'lines') return Math.max(1, frames.length);
  let n = 0;
  for (const f of frames) {
    n++;
    for (let i = f.indexOf(10); i !== -1; i = f.indexOf(10, i + 1)) n++;
  }
  return Math.max(1, n);
}

export function totalBytes(frames: readonly Uint8Array[]): number {
  let n = 0;
  for (const f of frames) n += f.byteLength;
  return n;
}

/**
 * A PULL/SUB drain reached its read deadline before the socket was empty (peers kept sending, or the sinks were
 * too slow to make room in the queue): what is still in ZeroMQ's queue (at most rcvHwm messages per connection)
 * or in flight is lost with the socket (PUSH/PUB carry no acknowledgement). Said once, loudly, with what was
 * left when the native receive path could count it (`unread`: messages discarded from libzmq's queue, counted
 * as `zlog_component_discarded_events_total{reason="drain_unread"}`, and bytes still in the kernel's receive
 * buffers); the zeromq.js path cannot. docs/operations.md.
 */
export function stillSending(ctx: Pick<InputContext, 'log' | 'metrics'>, input: string, unread?: { messages: number; bytes: number }): void {
  ctx.log.warn({ input, unreadMessages: unread?.messages ?? 'unknown', unreadBytes: unread?.bytes ?? 'unknown' }, 'drain stopped reading before the socket was empty; messages still in ZeroMQ\'s queue or in flight are lost (PUSH/PUB have no acknowledgement; the native protocol, zmq-router, resends instead)');
  ctx.metrics.error('drain', 'unread').inc();
  if (unread && unread.messages > 0) ctx.metrics.discarded('drain_unread').inc(unread.messages);
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

/**
 * The native receiver options every input derives the same way from its config and context: socket limits from
 * `limits`, CURVE from the input's security, and `maxConnections` (already shared out under the open-file limit
 * with every other input's, inputs/descriptors.ts). The input adds its type and what is its own.
 */
export function nativeSocketOptions(
  ctx: Pick<InputContext, 'index' | 'limits' | 'curve'>,
  cfg: { rcvHwm: number; maxConnections?: number },
): Omit<NativeReceiverOptions, 'type'> {
  return {
    inputIndex: ctx.index,
    receiveHighWaterMark: receiveHighWaterMark(cfg.rcvHwm, ctx.limits),
    maxFrameBytes: socketMaxMessageSize(ctx.limits),
    maxMessageBytes: ctx.limits.maxMessageBytes,
    maxHeldMessageBytes: socketMaxMessageSize(ctx.limits),
    maxHeldMessageFrames: socketMaxMessageFrames(ctx.limits),
    curve: ctx.curve ? { serverSecretKey: ctx.curve.serverSecretKey, zapDomain: ctx.curve.socketOptions.zapDomain } : undefined,
    maxConnections: cfg.maxConnections ?? 0,
  };
}
