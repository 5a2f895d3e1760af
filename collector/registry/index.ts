// THE lists of input and sink kinds, with `create`: what the collector builds its inputs and sinks from (at
// start only; nothing here is on the per-message path). The schema side of each entry, without I/O, is in
// schemas.ts; the compiler checks that both name the same kinds.
import { zmqPullKind } from '../inputs/zmq-pull/index.js';
import { zmqRouterKind } from '../inputs/zmq-router/index.js';
import { zmqSubKind } from '../inputs/zmq-sub/index.js';
import { fileSinkKind } from '../sinks/file/index.js';
import { stdoutSinkKind } from '../sinks/stdout/index.js';
import { elasticsearchSinkKind } from '../sinks/elasticsearch/index.js';
import { lokiSinkKind } from '../sinks/loki/index.js';
import type { InputKind, Kinds, SinkKind } from './kind.js';
import type { InputType, SinkType } from './schemas.js';

export const INPUT_KINDS = [zmqPullKind, zmqSubKind, zmqRouterKind] as const satisfies readonly InputKind[];
export const SINK_KINDS = [fileSinkKind, stdoutSinkKind, elasticsearchSinkKind, lokiSinkKind] as const satisfies readonly SinkKind[];

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// A kind in schemas.ts without a line here (or the other way round) fails to compile here.
const inputsListed: Same<(typeof INPUT_KINDS)[number]['type'], InputType> = true;
const sinksListed: Same<(typeof SINK_KINDS)[number]['type'], SinkType> = true;
void inputsListed;
void sinksListed;

export const BUILTIN_KINDS: Kinds = { inputs: INPUT_KINDS as readonly InputKind[], sinks: SINK_KINDS as readonly SinkKind[] };

/**
 * The built-in kinds plus extra ones (an embedder's or a test's own input or sink). Throws when an extra kind
 * reuses a name, or its schema's `type` const differs from its name.
 */
export function withKinds(extra: { inputs?: readonly InputKind[]; sinks?: readonly SinkKind[] }): Kinds {
  const inputs = [...BUILTIN_KINDS.inputs, ...(extra.inputs ?? [])];
  const sinks = [...BUILTIN_KINDS.sinks, ...(extra.sinks ?? [])];
  for (const [what, list] of [['input', inputs], ['sink', sinks]] as const) {
    const seen = new Set<string>();
    for (const k of list) {
      if (seen.has(k.type)) throw new Error(`${what} kind "${k.type}" is listed twice`);
      if (k.schema.properties.type.const !== k.type) throw new Error(`${what} kind "${k.type}": its schema's type is "${k.schema.properties.type.const}"`);
      seen.add(k.type);
    }
  }
  return { inputs, sinks };
}

/** The kind named `type` in `list`; the config was validated against the same kinds, so it is there. */
export function kindOf<K extends { type: string }>(list: readonly K[], type: string): K {
  const k = list.find((x) => x.type === type);
  if (!k) throw new Error(`no kind "${type}" among ${list.map((x) => x.type).join(', ')}`);
  return k;
}
