// zmq-pull: the entry of INPUT_KINDS (schema in schema.ts; the frame input is shared with zmq-sub).
import * as zmq from 'zeromq';
import type { InputKind } from '../../registry/kind.js';
import { createFrameInput } from '../zmq/create-frame-input.js';
import { frameSocketOptions } from '../zmq/frame-input.js';
import { zmqPullSpec, type ZmqPullConfig } from './schema.js';

export const zmqPullKind: InputKind<'zmq-pull', ZmqPullConfig> = {
  ...zmqPullSpec,
  create: (cfg, ctx) => createFrameInput(cfg, ctx, () => new zmq.Pull(frameSocketOptions(cfg, ctx))),
};
