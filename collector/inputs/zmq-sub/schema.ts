// zmq-sub: the kind's config schema and docs. No I/O (see registry/kind.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { checkEndpoints, connectProperty, maxConnectionsProperty, receiverProperty, zmqInputProperties } from '../zmq/schema.js';

export const zmqSubSchema = {
  type: 'object',
  description:
    'A SUB socket for PUB emitters (Python\'s PUBHandler, rsyslog omczmq with topics); binds, or connects to emitters that bind. PUB/SUB has no back-pressure: when the queue is full the input stops reading and the emitter drops at its high-water mark.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: { ...zmqInputProperties, type: { const: 'zmq-sub' }, connect: connectProperty, topicFrame: { ...zmqInputProperties.topicFrame, default: true }, receiver: receiverProperty, maxConnections: maxConnectionsProperty },
} as const;

export type ZmqSubConfig = FromSchema<typeof zmqSubSchema>;

export const zmqSubSpec = {
  type: 'zmq-sub',
  schema: zmqSubSchema,
  check: (cfg: ZmqSubConfig, path: string) => checkEndpoints(cfg, path),
  // What a LogServer entry sets; bind (from its port) and security (from spec.security) are the pod's.
  logServer: { fields: ['framing', 'format', 'topics', 'rcvHwm'] },
} as const;
