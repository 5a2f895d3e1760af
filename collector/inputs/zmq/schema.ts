// Config fields every ZeroMQ input kind shares (zmq-pull, zmq-sub, zmq-router), and their rules. No I/O: the
// kind schemas spread these into their own `properties`.
import { componentId, type KindConfig } from '../../registry/kind.js';
import { inputSecuritySchema, securityIssues, type InputSecurity } from '../../security/schema.js';

const endpoint = {
  type: 'string',
  pattern: '^(tcp://(\\*|[A-Za-z0-9.\\-]+|\\[[0-9a-fA-F:]+\\]):(\\*|[0-9]{1,5})|ipc://.+|inproc://.+)$',
  description: 'ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH or inproc://NAME',
} as const;

/** `id` first, then what every ZeroMQ input takes. `type` comes from each kind. */
export const zmqInputProperties = {
  id: { ...componentId, description: 'unique input name, used as component_id in metrics' },
  bind: { type: 'array', items: endpoint, default: [], description: 'endpoints to bind; port * picks a free one' },
  framing: { enum: ['frame', 'lines', 'message'], default: 'frame', description: 'how frames become records' },
  format: { enum: ['auto', 'syslog', 'json', 'text'], default: 'auto', description: 'how record text is read' },
  topics: { type: 'array', maxItems: 256, items: { type: 'string', maxLength: 255 }, default: [''], description: 'zmq-sub subscriptions; "" is everything' },
  topicFrame: { type: 'boolean', description: 'the first frame of a multi-frame message is its topic (ZeroMQ PUB/SUB: PUBHandler, omczmq topicframe), an empty frame after it an envelope delimiter' },
  rcvHwm: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10_000, description: 'ZeroMQ receive high-water mark (messages)' },
  security: inputSecuritySchema,
} as const;

/** zmq-sub only (SUB sockets connect out to PUB emitters that bind); the other kinds' schemas leave it out. */
export const connectProperty = { type: 'array', items: endpoint, default: [], description: 'PUB endpoints to connect to' } as const;

/** ZeroMQ inputs: the most peer connections at once (enforced by the native receive path). */
export const maxConnectionsProperty = {
  type: 'integer',
  minimum: 1,
  maximum: 1_000_000,
  default: 1024,
  description: 'most peer connections at once (receiver native): one more is closed when accepted and counted (zlog_input_socket_events_total{event="refused"}); lowered at start when all inputs\' connections (2 file descriptors each) plus 128 kept for sinks and HTTP exceed the open-file limit',
} as const;

/**
 * zmq-pull and zmq-sub: which receive path drains the socket. `native` is the addon in native/ (a thread of
 * its own packs many messages per hand-over; docs/architecture.md), `zeromq` is zeromq.js's receive() per
 * message, `auto` takes native when the addon is built and falls back to zeromq.js (with a warning) otherwise.
 */
export const receiverProperty = {
  enum: ['auto', 'native', 'zeromq'],
  default: 'auto',
  description: 'receive path: native (the addon; many messages per hand-over; with CURVE, records carry clientKey), zeromq (zeromq.js, one receive per message), auto (native when built)',
} as const;

/** The endpoints an input connects to: `connect` on kinds that have it (zmq-sub), none on the others. */
export function connectEndpoints(cfg: object): readonly string[] {
  return 'connect' in cfg ? (cfg.connect as readonly string[]) : [];
}

interface ZmqEndpoints extends KindConfig {
  readonly bind: readonly string[];
  /** Only on kinds whose schema has it (zmq-sub). */
  readonly connect?: readonly string[];
  readonly security?: InputSecurity;
  readonly receiver?: string;
}

/**
 * Every ZeroMQ input needs somewhere to receive from. Which kinds may connect is their schema's to say (only
 * zmq-sub has `connect`), so a `connect` on another kind is already an unknown-field error naming it.
 */
export function checkEndpoints(cfg: ZmqEndpoints, path: string): string[] {
  const issues: string[] = [];
  if (cfg.bind.length === 0 && (cfg.connect ?? []).length === 0) issues.push(`${path}: needs at least one endpoint in bind${cfg.connect ? ' or connect' : ''}`);
  issues.push(...securityIssues(cfg.security, `${path}.security`));
  return issues;
}
