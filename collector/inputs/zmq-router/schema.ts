// zmq-router: the kind's config schema and docs. No I/O (see registry/kind.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { checkEndpoints, maxConnectionsProperty, receiverProperty, zmqInputProperties } from '../zmq/schema.js';

export const zmqRouterSchema = {
  type: 'object',
  description:
    'A ROUTER socket speaking the native protocol (docs/protocol.md): batches checked on receipt, each answered with ACK or NACK; when the queue is full it answers NACK busy. Clients: the `zlog` client library, `zlog send`, `zlog bench`.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: {
    ...zmqInputProperties,
    type: { const: 'zmq-router' },
    topicFrame: { ...zmqInputProperties.topicFrame, default: false },
    receiver: receiverProperty,
    maxConnections: maxConnectionsProperty,
  },
} as const;

export type ZmqRouterConfig = FromSchema<typeof zmqRouterSchema>;

export const zmqRouterSpec = {
  type: 'zmq-router',
  schema: zmqRouterSchema,
  check: (cfg: ZmqRouterConfig, path: string) => checkEndpoints(cfg, path),
  // What a LogServer entry sets; bind (from its port) and security (from spec.security) are the pod's.
  logServer: { fields: ['framing', 'format', 'rcvHwm'] },
} as const;
