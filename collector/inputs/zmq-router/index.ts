// zmq-router: the entry of INPUT_KINDS (schema in schema.ts, implementation in router-input.ts on the transport
// its `receiver` setting asks for: the native addon's thread, or zeromq.js).
import type { InputKind } from '../../registry/kind.js';
import { nativeAddonFor } from '../zmq/create-frame-input.js';
import { NativeRouterTransport } from './native-transport.js';
import { RouterInput } from './router-input.js';
import { zmqRouterSpec, type ZmqRouterConfig } from './schema.js';
import { ZeromqRouterTransport } from './zeromq-transport.js';

export const zmqRouterKind: InputKind<'zmq-router', ZmqRouterConfig> = {
  ...zmqRouterSpec,
  create: (cfg, ctx) => {
    const addon = nativeAddonFor(cfg, ctx);
    return new RouterInput(cfg, ctx, addon ? new NativeRouterTransport(cfg, ctx, addon) : new ZeromqRouterTransport(cfg, ctx));
  },
};
