// The one rule for when a `zmq-router` batch is acknowledged before a worker has opened it: on receipt by the
// native receive thread (native-transport.ts, the addon's ackAtReceipt) or at admission on the main thread
// (router-input.ts). Both ask this function, so the two paths cannot disagree.
import type { MessageHeader } from '../../protocol/header.js';
import type { InputContext } from '../input.js';

/**
 * Whether a batch may be acknowledged as soon as the input holds it, rather than once the worker (`received`)
 * or the sinks (`persisted`) are done with it.
 *
 * - Only in `received` mode: there the ACK means the collector holds the batch (docs/protocol.md, ack modes).
 * - Only without a sink gate (`ctx.sinkGate`: routing with several sinks): there the worker may still refuse
 *   the batch `busy` for want of room in a sink its records go to (pipeline.ts reserve, routing/collect.ts
 *   fits), which only routing the records finds out; acknowledged earlier, such a batch would be lost.
 * - With `batch` (its header): only an uncompressed batch that asks for a reply. A compressed one can be checked
 *   (its record framing) only by decompressing it, which is the worker's job, so its ACK waits for the worker.
 *   Without `batch` the answer is the input's: whether any batch may be (the receive thread then checks each
 *   batch's compression, flags, sizes, framing and CRC itself: native/src/receiver.cc NativeAckable).
 */
export function acksOnReceipt(ctx: Pick<InputContext, 'ackMode' | 'sinkGate'>, batch?: Pick<MessageHeader, 'compression' | 'noAck'>): boolean {
  if (ctx.ackMode !== 'received' || ctx.sinkGate !== undefined) return false;
  return batch === undefined || (batch.compression === 'none' && !batch.noAck);
}
