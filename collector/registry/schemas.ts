// THE lists of input and sink kinds, schema side: each entry's name, config schema (with its docs) and rules.
// No I/O: the config loader, docs/configuration.md's generator, the CRD generator and the operator import
// these without loading zeromq or fs. registry/index.ts adds `create` to each entry; the compiler makes sure
// every kind listed here has one.
//
// A new kind: a folder collector/inputs/<type>/ (or sinks/<type>/) with schema.ts (no I/O) and the
// implementation; one line here; one line in registry/index.ts.
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { zmqPullSpec } from '../inputs/zmq-pull/schema.js';
import { zmqRouterSpec } from '../inputs/zmq-router/schema.js';
import { zmqSubSpec } from '../inputs/zmq-sub/schema.js';
import { fileSinkSpec } from '../sinks/file/schema.js';
import { stdoutSinkSpec } from '../sinks/stdout/schema.js';
import { elasticsearchSinkSpec } from '../sinks/elasticsearch/schema.js';
import { lokiSinkSpec } from '../sinks/loki/schema.js';
import type { KindSpec, KindSpecs } from './kind.js';

export const INPUT_SCHEMAS = [zmqPullSpec, zmqSubSpec, zmqRouterSpec] as const;
export const SINK_SCHEMAS = [fileSinkSpec, stdoutSinkSpec, elasticsearchSinkSpec, lokiSinkSpec] as const;

/** The built-in kinds, schema side. */
export const BUILTIN_SPECS: KindSpecs = { inputs: INPUT_SCHEMAS as readonly KindSpec[], sinks: SINK_SCHEMAS as readonly KindSpec[] };

type ConfigOf<S> = S extends { readonly schema: infer J extends JSONSchema } ? FromSchema<J> : never;

export type InputType = (typeof INPUT_SCHEMAS)[number]['type'];
export type SinkType = (typeof SINK_SCHEMAS)[number]['type'];
/** One `inputs[]` entry after defaults: the union of every input kind's config. */
export type InputConfig = ConfigOf<(typeof INPUT_SCHEMAS)[number]>;
/** One `sinks[]` entry after defaults: the union of every sink kind's config. */
export type SinkConfig = ConfigOf<(typeof SINK_SCHEMAS)[number]>;
