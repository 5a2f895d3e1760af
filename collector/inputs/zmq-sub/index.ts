// zmq-sub: the entry of INPUT_KINDS (schema in schema.ts; the frame input is shared with zmq-pull).
import * as zmq from 'zeromq';
import type { InputKind } from '../../registry/kind.js';
import { FrameInput, frameSocketOptions } from '../zmq/frame-input.js';
import { zmqSubSpec, type ZmqSubConfig } from './schema.js';

export const zmqSubKind: InputKind<'zmq-sub', ZmqSubConfig> = {
  ...zmqSubSpec,
  create: (cfg, ctx) => {
    const sub = new zmq.Subscriber(frameSocketOptions(cfg, ctx));
    for (const t of cfg.topics) sub.subscribe(t);
    return new FrameInput(cfg, ctx, sub);
  },
};
