// zmq-router: the entry of INPUT_KINDS (schema in schema.ts, implementation in router-input.ts).
import type { InputKind } from '../../registry/kind.js';
import { RouterInput } from './router-input.js';
import { zmqRouterSpec, type ZmqRouterConfig } from './schema.js';

export const zmqRouterKind: InputKind<'zmq-router', ZmqRouterConfig> = { ...zmqRouterSpec, create: (cfg, ctx) => new RouterInput(cfg, ctx) };
