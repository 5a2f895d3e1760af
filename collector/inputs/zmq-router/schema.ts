// zmq-router: the kind's config schema and docs. No I/O (see registry/kind.ts).
import type { FromSchema } from 'json-schema-to-ts';
import { checkEndpoints, maxConnectionsProperty, receiverProperty, zmqInputProperties } from '../zmq/schema.js';

/**
 * ZMTP heartbeats (RFC 37 PING/PONG; libzmq's ZMQ_HEARTBEAT_IVL, and ZMQ_HEARTBEAT_TIMEOUT and _TTL both from
 * timeoutMs). A connection that sends nothing for timeoutMs after a PING is ended, which frees its routing id: a
 * client that died without closing (host gone, process stopped) can come back with its id after at most
 * intervalMs + timeoutMs. libzmq counts only what it reads, so a peer whose input waits behind a full queue looks
 * silent too (docs/protocol.md, "Routing ids"): generous defaults for a loaded node.
 */
const heartbeatProperty = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    'ZMTP heartbeats (RFC 37) on every connection: a PING every intervalMs; a connection that sends nothing for timeoutMs after a PING is ended, which frees its routing id (docs/protocol.md, "Routing ids"); peers get timeoutMs as the TTL',
  properties: {
    intervalMs: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 2000, description: 'ms between PINGs to each peer' },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000, default: 6000, description: 'ms without a byte from a peer after a PING before its connection is ended; at least intervalMs' },
  },
} as const;

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
    heartbeat: heartbeatProperty,
  },
} as const;

export type ZmqRouterConfig = FromSchema<typeof zmqRouterSchema>;

/** A timeout shorter than the interval would end healthy connections between two PINGs. */
export function heartbeatIssues(h: { intervalMs: number; timeoutMs: number }, path: string): string[] {
  return h.timeoutMs < h.intervalMs ? [`${path}.timeoutMs (${h.timeoutMs}) must be at least ${path}.intervalMs (${h.intervalMs})`] : [];
}

export const zmqRouterSpec = {
  type: 'zmq-router',
  schema: zmqRouterSchema,
  check: (cfg: ZmqRouterConfig, path: string) => [...checkEndpoints(cfg, path), ...heartbeatIssues(cfg.heartbeat, `${path}.heartbeat`)],
  // What a LogServer entry sets; bind (from its port) and security (from spec.security) are the pod's.
  logServer: { fields: ['framing', 'format', 'rcvHwm', 'heartbeat'] },
} as const;
