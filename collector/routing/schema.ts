// Routing and filtering settings: a sink's `match` and the top-level `routing` (global `drop` rules, what
// happens to a record no sink takes). Schema only, no I/O: the config loader, the docs and CRD generators
// import it. The rules are compiled by routing/match.ts and evaluated in the worker threads.
import type { FromSchema } from 'json-schema-to-ts';
import { SEVERITIES } from '../record.js';
import { componentId } from '../registry/kind.js';

/** Glob patterns (`*` any run of characters, `?` one character), matched against the whole value. */
const patterns = (what: string) =>
  ({ type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', minLength: 1, maxLength: 256 }, description: `${what} matches one of these glob patterns (\`*\`, \`?\`); a record without it does not match` }) as const;

/**
 * Conditions on one record, all of which must hold (an absent condition always holds). Field names are the
 * record's keys (`ts`, `input`, `topic`, `severity`, `facility`, `host`, `app`, `pid`, `msgid`, `message`) or
 * `fields.NAME` for the sender's structured fields (docs/configuration.md, record shape).
 */
export const conditionProperties = {
  inputs: { type: 'array', minItems: 1, maxItems: 64, items: componentId, description: 'the record came in through one of these input ids' },
  minSeverity: { enum: [...SEVERITIES], description: 'the record\'s severity is this or more severe (RFC 5424 6.2.1 order: emerg is the most severe); a record without a severity does not match' },
  app: patterns('the record\'s `app`'),
  host: patterns('the record\'s `host`'),
  topic: patterns('the record\'s ZeroMQ `topic`'),
  fieldEquals: {
    type: 'object',
    maxProperties: 32,
    propertyNames: { pattern: '^(ts|input|topic|severity|facility|host|app|pid|msgid|message|fields\\.[^.].*)$' },
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    description: 'each named field equals the given value (`app`, `fields.env`, ...); a string also equals the text of a number or boolean field with that text',
  },
  fieldExists: {
    type: 'array',
    minItems: 1,
    maxItems: 32,
    items: { type: 'string', pattern: '^(ts|input|topic|severity|facility|host|app|pid|msgid|message|fields\\.[^.].*)$' },
    description: 'each named field is present (`fields.trace_id`, `app`, ...)',
  },
} as const;

/** A sink's `match`: the records this sink takes. Without it a sink takes every record not dropped. */
export const matchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'only records meeting all these conditions go to this sink; without `match` the sink takes every record not dropped',
  properties: conditionProperties,
} as const;

/** One global drop rule: a record meeting all its conditions goes to no sink and is counted under `id`. */
export const dropRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  minProperties: 2,
  properties: { id: { ...componentId, description: 'rule name, the `rule` label of zlog_route_dropped_records_total' }, ...conditionProperties },
} as const;

export const routingSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    drop: { type: 'array', maxItems: 64, default: [], items: dropRuleSchema, description: 'records meeting every condition of a rule are dropped before any sink (acknowledged, counted per rule)' },
    unmatched: {
      enum: ['first', 'drop'],
      default: 'first',
      description: 'a record no sink\'s `match` takes goes to the first sink (`first`) or is dropped (`drop`); either way it is counted in zlog_route_unmatched_records_total',
    },
  },
} as const;

export type MatchConfig = FromSchema<typeof matchSchema>;
export type DropRuleConfig = FromSchema<typeof dropRuleSchema>;
export type RoutingConfig = FromSchema<typeof routingSchema>;

/** Most sinks a routed collector may have: a record's set of sinks travels as the bits of a 32-bit integer. */
export const MAX_ROUTED_SINKS = 31;
