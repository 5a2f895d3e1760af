// zmq-pull: the kind's config schema and docs. No I/O (see registry/kind.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { checkEndpoints, maxConnectionsProperty, receiverProperty, zmqInputProperties } from '../zmq/schema.js';

export const zmqPullSchema = {
  type: 'object',
  description:
    'A PULL socket for emitters that push raw frames and expect no reply (rsyslog omczmq, pyzmq PUSH). When the queue is full the input stops reading and senders block at their high-water mark.',
  required: ['id', 'type'],
  additionalProperties: false,
  properties: { ...zmqInputProperties, type: { const: 'zmq-pull' }, topicFrame: { ...zmqInputProperties.topicFrame, default: false }, receiver: receiverProperty, maxConnections: maxConnectionsProperty },
} as const;

export type ZmqPullConfig = FromSchema<typeof zmqPullSchema>;

export const zmqPullSpec = {
  type: 'zmq-pull',
  schema: zmqPullSchema,
  check: (cfg: ZmqPullConfig, path: string) => checkEndpoints(cfg, path),
  // What a LogServer entry sets; bind (from its port) and security (from spec.security) are the pod's.
  logServer: { fields: ['framing', 'format', 'rcvHwm'] },
} as const;
