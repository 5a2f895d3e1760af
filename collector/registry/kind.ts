// The shape of one entry of the kind lists (registry/schemas.ts, registry/index.ts). An entry is a kind's
// name, the JSON Schema of its config entry (with the docs of every field), optional rules that JSON Schema
// cannot express, and, in the full lists only, `create`. Types only plus one shared schema fragment: no I/O,
// so the config loader, the docs generator and the operator can import it without loading zeromq or fs.
import type { Input, InputContext } from '../inputs/input.js';
import type { Sink, SinkContext } from '../sinks/sink.js';

/** Input and sink ids: also the `component_id` metric label and, in a pod, a port or directory name. */
export const componentId = { type: 'string', pattern: '^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$' } as const;

/**
 * Largest millisecond delay for any setting that becomes a timer: Node's setTimeout/setInterval take a signed
 * 32-bit delay and silently turn anything larger into 1 ms (Node docs, timers).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A JSON Schema node as the kind schemas write it (kept open: ajv and json-schema-to-ts read the details). */
export type SchemaNode = { readonly [keyword: string]: unknown };

/**
 * JSON Schema of one kind's config entry: an object with `id`, `type` (the kind's name as a `const`) and the
 * kind's own fields; `additionalProperties: false` so a misspelt field is an error naming it.
 */
export interface KindSchema<T extends string = string> {
  readonly type: 'object';
  /** One paragraph for docs/configuration.md: what the kind is for and who sends to it. */
  readonly description: string;
  readonly required: readonly ['id', 'type', ...string[]];
  readonly additionalProperties: false;
  readonly properties: { readonly id: SchemaNode; readonly type: { readonly const: T } } & { readonly [field: string]: SchemaNode };
}

/** The least every input or sink config entry carries, whatever its kind. */
export interface KindConfig {
  readonly id: string;
  readonly type: string;
}

/** What the schema-only lists hold: everything about a kind except how to build it. */
export interface KindSpec<T extends string = string, C extends KindConfig = KindConfig> {
  readonly type: T;
  readonly schema: KindSchema<T>;
  /**
   * Rules JSON Schema cannot express, on one entry after defaults were applied. `path` is where the entry sits
   * (`inputs[2]`); each issue starts with a path and says what was found and what is expected.
   */
  check?(cfg: C, path: string): string[];
  /**
   * Resources the entry uses that no other entry of any kind may use too (a file path, a bound endpoint),
   * each as a string compared for equality, with a phrase naming it for the error message.
   */
  claims?(cfg: C): { key: string; what: string }[];
  /**
   * Whether and how a LogServer (the operator's API, operator/api/schema.ts) offers this kind; absent: not
   * offered. `fields` are the kind's own config fields a LogServer entry may set: for an input beside its
   * `name`, `type` and `port`, for a sink in an object named after the kind (`sinks[].file`). The CRD takes
   * their schema (bounds, defaults, docs) from `schema.properties`; everything else of the entry is the
   * pod's (ids, endpoints, paths, keys) or the collector's default.
   */
  readonly logServer?: LogServerOffer;
}

/** See KindSpec.logServer. */
export interface LogServerOffer {
  readonly fields: readonly string[];
  /**
   * Fields only the pod can decide, given the directory the entry gets on the pod's data volume
   * (`/var/lib/zlog/<name>`): the file sink writes there. Pure; the operator merges them into the entry.
   */
  podFields?(dataDir: string): Record<string, unknown>;
  /**
   * Settings inside an offered object field that only the pod decides, as `field.setting` (`buffer.path`):
   * left out of the LogServer's schema for that field; podFields must give each of them a value, which the
   * operator merges into the entry's object.
   */
  readonly podOwned?: readonly `${string}.${string}`[];
  /**
   * File settings inside an offered object field that name a credential (`tls.caFile`, `auth.passwordFile`):
   * a LogServer sets `<name>Secret: { name, key }` instead (`tls.caSecret`), the operator mounts that Secret
   * item read-only and renders the file setting with its path. Each must end in `File`.
   */
  readonly secretFiles?: readonly `${string}.${string}File`[];
  /**
   * Top-level file settings (`deadLetterPath`) that a LogServer gives as a bare file name: the operator renders
   * the path of that file in the entry's directory on the data volume (`<dataDir>/<file name>`).
   */
  readonly dataFiles?: readonly string[];
}

/** One entry of INPUT_KINDS. `create` runs once at start; it must not start I/O (start() does). */
export interface InputKind<T extends string = string, C extends KindConfig = KindConfig> extends KindSpec<T, C> {
  create(cfg: C, ctx: InputContext): Input;
}

/** One entry of SINK_KINDS. `create` runs once at start; open() does the I/O. */
export interface SinkKind<T extends string = string, C extends KindConfig = KindConfig> extends KindSpec<T, C> {
  create(cfg: C, ctx: SinkContext): Sink;
}

/** The kinds a collector knows: the built-in lists, or those plus extra kinds (tests, embedders). */
export interface KindSpecs {
  readonly inputs: readonly KindSpec[];
  readonly sinks: readonly KindSpec[];
}

export interface Kinds extends KindSpecs {
  readonly inputs: readonly InputKind[];
  readonly sinks: readonly SinkKind[];
}
