// zmq-sub: the entry of INPUT_KINDS (schema in schema.ts; the frame input is shared with zmq-pull).
import * as zmq from 'zeromq';
import type { InputKind } from '../../registry/kind.js';
import { createFrameInput } from '../zmq/create-frame-input.js';
import { frameSocketOptions } from '../zmq/frame-input.js';
import { zmqSubSpec, type ZmqSubConfig } from './schema.js';

export const zmqSubKind: InputKind<'zmq-sub', ZmqSubConfig> = {
  ...zmqSubSpec,
  create: (cfg, ctx) =>
    createFrameInput(cfg, ctx, () => {
      const sub = new zmq.Subscriber(frameSocketOptions(cfg, ctx));
      for (const t of cfg.topics) sub.subscribe(t);
      return sub;
    }),
};
